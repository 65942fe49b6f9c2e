"""Read-model database: SQLite (a file beside the event store) or PostgreSQL (same database).

SQL is written once with `?` placeholders and portable types; open intervals use sentinels
(`OPEN_DATE`, `OPEN_POSITION`) instead of NULL so that "still valid" is a plain range test
that an index can serve on both databases.
"""

from __future__ import annotations

import dataclasses
import functools
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from ledger.store import DDL_LOCK, StoreConfig, use_wal

OPEN_DATE = "9999-12-31"
OPEN_POSITION = 2**62
SQLITE_MMAP_BYTES = 1 << 30
R = TypeVar("R")


def as_row(cls: type[R], r: Any) -> R:
    """A row dataclass from a result row whose columns are named like its fields; an open
    date (the sentinel) becomes None, as the rules expect."""
    return cls(*[None if (v := r[name]) == OPEN_DATE else v for name in _field_names(cls)])


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))  # type: ignore[arg-type]


class Tx:
    """A transaction (or a read) on the read-model database, with `?` placeholders."""

    def __init__(self, conn: Any, dialect: str):
        self.conn = conn
        self.dialect = dialect

    def _sql(self, sql: str) -> str:
        return sql if self.dialect == "sqlite" else sql.replace("?", "%s")

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.conn.execute(self._sql(sql), params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        if self.dialect == "sqlite":
            self.conn.executemany(sql, rows)
        else:
            with self.conn.cursor() as cur:
                cur.executemany(self._sql(sql), rows)

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return list(self.execute(sql, params).fetchall())

    def one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.execute(sql, params).fetchone()

    def lock_schema_changes(self) -> None:
        """Serialise table creation with other processes starting at the same moment.

        PostgreSQL refuses concurrent `CREATE ... IF NOT EXISTS` of one object ("tuple
        concurrently updated"); a transaction-scoped advisory lock per schema orders them.
        SQLite's `BEGIN IMMEDIATE` already does.
        """
        if self.dialect == "postgres":
            self.execute("SELECT pg_advisory_xact_lock(?, hashtext(current_schema()))", (DDL_LOCK,))

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self.execute(sql, params).fetchone()
        if row is None:
            return None
        return row[0] if self.dialect == "sqlite" else next(iter(row.values()))


class ReadStore:
    """Connections to the read models; thread-safe (one SQLite connection per thread)."""

    def __init__(self, config: StoreConfig, *, pool_size: int = 10):
        self.config = config
        self.dialect = config.dialect
        self._local = threading.local()
        self._pool = None
        if self.dialect == "sqlite":
            assert config.read_model_path is not None
            self.path = config.read_model_path
            self.path.parent.mkdir(parents=True, exist_ok=True)
            use_wal(self.path)
        else:
            from psycopg.rows import dict_row
            from psycopg_pool import ConnectionPool

            schema = config.schema

            def configure(conn: Any) -> None:
                conn.execute(f'SET search_path TO "{schema}"')

            self._pool = ConnectionPool(
                config.conninfo,
                min_size=1,
                max_size=pool_size,
                open=True,
                kwargs={"row_factory": dict_row, "autocommit": True},
                configure=configure,
            )

    def _sqlite(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=30
            )
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=30000")
            # Reads go through the OS page cache shared by every connection (mmap) instead of
            # each connection's small private cache: queries stay flat as the file grows.
            conn.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
            conn.execute("PRAGMA cache_size=-16384")
            self._local.conn = conn
        return conn

    @contextmanager
    def write(self) -> Iterator[Tx]:
        """One transaction: everything in it commits together or not at all."""
        if self.dialect == "sqlite":
            conn = self._sqlite()
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield Tx(conn, "sqlite")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        else:
            # Pipeline mode: statements go out without waiting for each reply (one round
            # trip per read that needs a result), which is most of a projector's time.
            with self._pool.connection() as conn, conn.pipeline(), conn.transaction():
                yield Tx(conn, "postgres")

    @contextmanager
    def read(self) -> Iterator[Tx]:
        """A consistent snapshot for the statements inside."""
        if self.dialect == "sqlite":
            conn = self._sqlite()
            conn.execute("BEGIN")
            try:
                yield Tx(conn, "sqlite")
            finally:
                conn.execute("COMMIT")
        else:
            with self._pool.connection() as conn:
                conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                try:
                    yield Tx(conn, "postgres")
                finally:
                    conn.execute("ROLLBACK")

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
