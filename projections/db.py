"""Read-model database: SQLite (a file beside the event store) or PostgreSQL (same database).

SQL is written once with `?` placeholders and portable types; open intervals use sentinels
(`OPEN_DATE`, `OPEN_POSITION`) instead of NULL so that "still valid" is a plain range test
that an index can serve on both databases.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import structlog

from ledger import faults
from ledger.store import DDL_LOCK, StoreConfig, use_wal

log = structlog.get_logger("ledger.reads")

OPEN_DATE = "9999-12-31"
OPEN_POSITION = 2**62
SQLITE_MMAP_BYTES = 1 << 30
SQLITE_CACHE = -16384  # each connection's private page cache: 16 MiB (reads go through mmap)
BULK_CACHE_KIB = 512 * 1024  # a rebuild's page cache (SQLite): at most this much memory
# Tries of a read whose PostgreSQL connection broke (each on a fresh connection).
READ_ATTEMPTS = 3
R = TypeVar("R")


def as_row(cls: type[R], r: Any) -> R:
    """A row dataclass from a result row whose columns are named like its fields; an open
    date (the sentinel) becomes None, as the rules expect."""
    return cls(*[None if (v := r[name]) == OPEN_DATE else v for name in _field_names(cls)])


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))  # type: ignore[arg-type]


_TABLE_NAME = re.compile(r"\brm_\w+")
_WRITE = re.compile(r"\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+(rm_\w+)\b", re.I)
_PLAIN_INSERT = re.compile(
    r"\s*INSERT\s+INTO\s+(rm_\w+)\s*\(([^)]*)\)\s*VALUES\s*\(\s*\?(?:\s*,\s*\?)*\s*\)\s*", re.I
)


@functools.lru_cache(maxsize=4096)
def _tables_in(sql: str) -> tuple[str, ...]:
    """The read-model tables a statement names: every `rm_` word in it (a word that is no
    table, an index say, only sends nothing or sends some writes early)."""
    return tuple(dict.fromkeys(_TABLE_NAME.findall(sql)))


@functools.lru_cache(maxsize=4096)
def _writes_only(sql: str) -> str | None:
    """The table a statement writes, when it names no other table (and returns nothing):
    such a write may wait until that table is next read or written, or the commit."""
    found = _WRITE.match(sql)
    if found and _tables_in(sql) == (found.group(1),) and "RETURNING" not in sql.upper():
        return found.group(1)
    return None


@functools.lru_cache(maxsize=4096)
def _copy_of(sql: str) -> str | None:
    """The COPY that loads what this INSERT of one `?` per column would (no ON CONFLICT)."""
    found = _PLAIN_INSERT.fullmatch(sql)
    if found is None:
        return None
    columns = [c.strip() for c in found.group(2).split(",")]
    if sql.count("?") != len(columns):
        return None
    return f"COPY {found.group(1)} ({', '.join(columns)}) FROM STDIN"


class Tx:
    """A transaction (or a read) on the read-model database, with `?` placeholders.

    Writes handed to `defer` wait in memory and go out as one `executemany` per statement
    and table: a projector applying a page writes a table's rows in a few calls instead of
    one per event. Whatever reads or writes a table (by its `rm_` name in the SQL) first
    sends that table's waiting writes, in the order they were deferred, and the write
    transaction sends the rest before it commits: every statement sees what an immediate
    write would have shown it.
    """

    def __init__(self, conn: Any, dialect: str, *, bulk: bool = False):
        self.conn = conn
        self.dialect = dialect
        # Loading a rebuild's shadow: every write of one table waits (`defer`), and plain
        # inserts reach PostgreSQL by COPY.
        self.bulk = bulk
        self._pending: dict[str, list[_Run | Versions]] = {}

    def _sql(self, sql: str) -> str:
        return sql if self.dialect == "sqlite" else sql.replace("?", "%s")

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        if self.bulk and (table := _writes_only(sql)):
            self.defer(table, sql, params)
            return None
        if self._pending:
            self.flush(sql)
        return self.conn.execute(self._sql(sql), params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if self.bulk and (table := _writes_only(sql)):
            for params in rows:
                self.defer(table, sql, params)
            return
        if self._pending:
            self.flush(sql)
        self._executemany(sql, rows)

    def _insert_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Rows of an INSERT: by COPY when loading PostgreSQL (ten times fewer cycles)."""
        if rows and self.bulk and self.dialect == "postgres" and (copy := _copy_of(sql)):
            with self.conn.cursor() as cur, cur.copy(copy) as out:
                for row in rows:
                    out.write_row(row)
        else:
            self._executemany(sql, rows)

    def _executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        if self.dialect == "sqlite":
            self.conn.executemany(sql, rows)
        else:
            with self.conn.cursor() as cur:
                cur.executemany(self._sql(sql), rows)

    def defer(self, table: str, sql: str, params: Sequence[Any]) -> None:
        """Write later (see the class): `sql` writes `table` and reads no other table."""
        runs = self._pending.get(table)
        if runs is None:
            self._pending[table] = [_Run(sql, [params])]
        elif isinstance(last := runs[-1], _Run) and last.sql == sql:
            last.rows.append(params)
        else:
            runs.append(_Run(sql, [params]))

    def versions(self, table: str, key: tuple[str, ...], columns: tuple[str, ...]) -> Versions:
        """The deferred writer of `table`'s versions in record time (see `Versions`)."""
        runs = self._pending.setdefault(table, [])
        if runs and isinstance(last := runs[-1], Versions) and last.shape == (key, columns):
            return last
        writer = Versions(table, key, columns)
        runs.append(writer)
        return writer

    def flush(self, sql: str | None = None) -> None:
        """Send the deferred writes of the tables `sql` names (of every table: None)."""
        tables = list(self._pending) if sql is None else _tables_in(sql)
        for table in tables:
            for run in self._pending.pop(table, ()):
                run.send(self)

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


@dataclass
class _Run:
    """Deferred rows of one statement, sent in one call."""

    sql: str
    rows: list[Sequence[Any]]

    def send(self, tx: Tx) -> None:
        tx._insert_many(self.sql, self.rows)


class Versions:
    """Deferred versions of rows in record time: `close(key, q)` ends the current version of
    the row with that key at position q (recorded_to = q), `insert(key, values, q)` adds the
    version current from q. Sent as two calls: the closes of versions written before, then
    the new versions. A version inserted and superseded before they are sent is written
    closed, so no close ever meets a version of this batch: the two calls leave what the
    statements one by one would have."""

    def __init__(self, table: str, key: tuple[str, ...], columns: tuple[str, ...]):
        self.shape = (key, columns)
        where = " AND ".join(f"{k}=?" for k in key)
        self.close_sql = f"UPDATE {table} SET recorded_to=? WHERE {where} AND recorded_to=?"
        self.insert_sql = (
            f"INSERT INTO {table} ({', '.join(columns)}, recorded_from, recorded_to) "
            f"VALUES ({', '.join('?' * (len(columns) + 2))})"
        )
        self.table, self.key = table, key
        self.closes: list[tuple] = []
        self.closed: set[tuple] = set()  # keys whose stored version a close here ends
        self.rows: list[list[Any]] = []
        self.current: dict[tuple, list[Any]] = {}  # key -> its version inserted here

    def close(self, key: tuple, q: int) -> None:
        row = self.current.pop(key, None)
        if row is not None:
            row[-1] = q
        elif key not in self.closed:  # a second close finds no stored version still current
            self.closed.add(key)
            self.closes.append((q, *key, OPEN_POSITION))

    def insert(self, key: tuple, values: Sequence[Any], q: int) -> None:
        """The first version of a row (its key has no current version: else `restate`)."""
        row = [*values, q, OPEN_POSITION]
        self.rows.append(row)
        self.current[key] = row

    def restate(self, key: tuple, values: Sequence[Any], q: int) -> None:
        self.close(key, q)
        self.insert(key, values, q)

    def send(self, tx: Tx) -> None:
        columns = [list(c) for c in zip(*self.closes, strict=True)][:-1]  # q, *key
        types = [_array_type(c) for c in columns]
        if len(self.closes) > 1 and tx.bulk and tx.dialect == "postgres" and all(types):
            # One statement for every close: the keys are distinct, so each stored version
            # meets one close at most, as the statements one by one would have closed it.
            names = ", ".join(("q", *self.key))
            arrays = ", ".join(f"%s::{t}" for t in types)
            match = " AND ".join(f"t.{k} = v.{k}" for k in self.key)
            tx.conn.execute(
                f"UPDATE {self.table} AS t SET recorded_to = v.q FROM unnest({arrays}) "
                f"AS v({names}) WHERE {match} AND t.recorded_to = %s",
                (*columns, OPEN_POSITION),
            )
        else:
            tx._executemany(self.close_sql, self.closes)
        tx._insert_many(self.insert_sql, self.rows)


def _array_type(values: list[Any]) -> str | None:
    """The PostgreSQL array type of a column of values (None: not one this knows)."""
    if all(type(v) is str for v in values):
        return "text[]"
    if all(type(v) is int for v in values):
        return "bigint[]"
    return None


class ReadStore:
    """Connections to the read models; thread-safe (one SQLite connection per thread)."""

    def __init__(
        self,
        config: StoreConfig,
        *,
        pool_size: int = 10,
        path: Path | None = None,
        bulk: bool = False,
    ):
        self.config = config
        self.dialect = config.dialect
        # A rebuild's shadow: nobody reads it until it is swapped in and a crash discards
        # it, so its commits need not be durable (see `_sqlite` and `write`).
        self.bulk = bulk
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []  # every thread's, closed together
        self._opened_lock = threading.Lock()
        self._generation = 0
        self._pool = None
        if self.dialect == "sqlite":
            assert config.read_model_path is not None
            self.path = path or config.read_model_path
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if not bulk:
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
        if conn is not None and getattr(self._local, "generation", 0) != self._generation:
            conn = None  # closed by close(): this thread opens a new one
        if conn is None:
            conn = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=30
            )
            conn.row_factory = sqlite3.Row
            if self.bulk:
                # One writer, no reader: a rollback journal in memory, no syncs, and a
                # cache that holds the indexes being filled.
                conn.execute("PRAGMA journal_mode=MEMORY")
                conn.execute("PRAGMA synchronous=OFF")
                conn.execute(f"PRAGMA cache_size=-{BULK_CACHE_KIB}")
                conn.execute("PRAGMA temp_store=MEMORY")
            else:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                # Reads go through the OS page cache shared by every connection (mmap)
                # instead of each connection's small private cache: queries stay flat as
                # the file grows.
                conn.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
                conn.execute(f"PRAGMA cache_size={SQLITE_CACHE}")
            conn.execute("PRAGMA busy_timeout=30000")
            self._local.conn = conn
            self._local.generation = self._generation
            with self._opened_lock:
                self._opened.append(conn)
        return conn

    @contextmanager
    def write(self) -> Iterator[Tx]:
        """One transaction: everything in it commits together or not at all."""
        if self.dialect == "sqlite":
            conn = self._sqlite()
            conn.execute("BEGIN IMMEDIATE")
            try:
                tx = Tx(conn, "sqlite", bulk=self.bulk)
                yield tx
                tx.flush()
                conn.execute("COMMIT")
            except BaseException:
                # Also when COMMIT itself failed (a full disk): the transaction may still be
                # open, and the connection must not carry it into the next one.
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        else:
            with self._pool.connection() as conn:
                if self.bulk:
                    # Loading a shadow, writes wait for the commit or a read of their table
                    # and go out together (COPY, or a pipelined executemany), which pipeline
                    # mode would forbid; a crash discards the shadow: no wait for the flush.
                    with conn.transaction():
                        conn.execute("SET LOCAL synchronous_commit = off")
                        tx = Tx(conn, "postgres", bulk=True)
                        yield tx
                        tx.flush()
                    return
                # Pipeline mode: statements go out without waiting for each reply (one round
                # trip per read that needs a result), which is most of a projector's time.
                with conn.pipeline(), conn.transaction():
                    tx = Tx(conn, "postgres")
                    yield tx
                    tx.flush()

    @contextmanager
    def read(self) -> Iterator[Tx]:
        """A consistent snapshot for the statements inside."""
        if self.dialect == "sqlite":
            conn = self._sqlite()
            conn.execute("BEGIN")
            try:
                yield Tx(conn, "sqlite")
            finally:
                if conn.in_transaction:
                    conn.execute("COMMIT")
        else:
            # Not in pipeline mode: it would save BEGIN's round trip, but psycopg's pipeline
            # machinery costs more CPU than the trip (a first-sight small query: ~400 µs more
            # per request in process, BENCHMARKS "Throughput under wrk"); CPU is what a
            # loaded server runs out of.
            with self._pool.connection() as conn:
                conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                try:
                    yield Tx(conn, "postgres")
                finally:
                    if not conn.closed:  # a broken connection: its own error is the news
                        conn.execute("ROLLBACK")

    def rows(self, sql: str, params: Sequence = ()) -> list[dict]:
        """One statement on its own, no transaction around it (one round trip on PostgreSQL):
        for a single read that needs no snapshot shared with another. Retried like `run`."""
        if self._pool is None:
            return [dict(r) for r in self._sqlite().execute(sql, tuple(params)).fetchall()]
        for attempt in range(1, READ_ATTEMPTS + 1):
            try:
                with self._pool.connection() as conn:
                    return conn.execute(sql.replace("?", "%s"), tuple(params)).fetchall()
            except Exception as e:
                if attempt == READ_ATTEMPTS or not faults.connection_lost(e):
                    raise
                log.warning("read.retried", attempt=attempt, reason=" ".join(str(e).split())[:200])
                self._pool.check()
        raise AssertionError("unreachable")

    def run(self, fn: Callable[[Tx], R]) -> R:
        """`fn` in a read transaction, retried on a fresh connection when the one it got
        turned out to be broken (a PostgreSQL backend killed or restarted, a network cut):
        a read has no effect, so its outcome is known and a retry is safe. At most
        READ_ATTEMPTS tries; then the fault is reported (UNAVAILABLE)."""
        for attempt in range(1, READ_ATTEMPTS + 1):
            try:
                with self.read() as tx:
                    return fn(tx)
            except Exception as e:
                if self._pool is None or attempt == READ_ATTEMPTS or not faults.connection_lost(e):
                    raise
                log.warning("read.retried", attempt=attempt, reason=" ".join(str(e).split())[:200])
                self._pool.check()  # replace every broken idle connection, not only this one
        raise AssertionError("unreachable")

    # ------------------------------------------------------------------ rebuilding beside

    def shadow_place(self, part: int = 0) -> str:
        """Where a rebuild builds (its `part`-th share of the read models, when it builds
        them in parts): a sibling SQLite file, or a sibling PostgreSQL schema."""
        suffix = "rebuild" if part == 0 else f"rebuild-{part}"
        if self.dialect == "sqlite":
            return str(self.path.with_name(f"{self.path.stem}.{suffix}{self.path.suffix}"))
        suffix = f"__{suffix}"
        return f"{self.config.schema[: 63 - len(suffix)]}{suffix}"

    def shadow(self, part: int = 0) -> ReadStore:
        """An empty place beside the live read models where a rebuild builds its tables
        (SQLite: a sibling file; PostgreSQL: a sibling schema), left over ones dropped."""
        self.drop_shadow(part)
        if self.dialect == "sqlite":
            return ReadStore(self.config, path=Path(self.shadow_place(part)), bulk=True)
        schema = self.shadow_place(part)
        with self._pool.connection() as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        return ReadStore(dataclasses.replace(self.config, schema=schema), pool_size=2, bulk=True)

    def drop_shadow(self, part: int) -> None:
        """Remove what a rebuild (killed, say) left at the place of its `part`-th shadow."""
        if self.dialect == "sqlite":
            _remove_sqlite(Path(self.shadow_place(part)))
            return
        with self._pool.connection() as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{self.shadow_place(part)}" CASCADE')

    def reopened(self) -> ReadStore:
        """The same place with connections of its own: for a process forked from this one,
        which must never use the connections it inherited."""
        return ReadStore(self.config, path=getattr(self, "path", None), pool_size=2, bulk=self.bulk)

    def discard(self, shadow: ReadStore) -> None:
        """Drop what is left of a shadow (after a swap, or a rebuild that failed)."""
        shadow.close()
        if shadow.dialect == "sqlite":
            _remove_sqlite(shadow.path)
            return
        with self._pool.connection() as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{shadow.config.schema}" CASCADE')

    @property
    def copies_on_swap(self) -> bool:
        """Does `swap_in` copy the shadow's rows (and so build every index anew)?"""
        return self.dialect == "sqlite"

    def swap_in(
        self, parts: Sequence[tuple[ReadStore, Sequence[str]]], indexes: Sequence[str] = ()
    ) -> bool:
        """Replace the live read models by those built in shadows, in ONE transaction: a
        reader sees the old read models or the new ones, never a missing or half-filled
        table. `parts`: each shadow and the tables it built; the live `rm_tracking` becomes
        the rows of every shadow's. Refused (False, nothing changed) while a live projector
        is ahead of the shadows: catch them up, retry.

        PostgreSQL: the live tables are locked (a short lock timeout, retried, so readers
        only queue briefly and never deadlock), dropped, and the shadows' moved into the live
        schema. SQLite: under the write lock, each table is dropped and re-created from the
        shadow's definition and rows (readers keep their snapshot until they finish), and
        `indexes` (CREATE INDEX statements the shadows left out) built after the rows.
        """
        if self.dialect == "sqlite":
            return self._swap_sqlite(parts, indexes)
        assert not indexes, "PostgreSQL moves the shadows' tables as they are"
        return self._swap_postgres(parts)

    def _swap_sqlite(
        self, parts: Sequence[tuple[ReadStore, Sequence[str]]], indexes: Sequence[str]
    ) -> bool:
        conn = self._sqlite()
        names: list[str] = []  # attached so far: detached again whatever happens
        try:
            for n, (shadow, _tables) in enumerate(parts):
                conn.execute(f"ATTACH DATABASE ? AS rebuild{n}", (str(shadow.path),))
                names.append(f"rebuild{n}")
            # The copy builds every index of the new tables: sort in memory, with room to do
            # it, on a second thread.
            conn.execute(f"PRAGMA main.cache_size=-{BULK_CACHE_KIB}")
            conn.execute("PRAGMA temp_store=MEMORY")
            conn.execute("PRAGMA threads=2")
            conn.execute("BEGIN IMMEDIATE")
            try:
                tracking = " UNION ALL ".join(
                    f"SELECT projector, position FROM {name}.rm_tracking" for name in names
                )
                if _behind(
                    conn.execute("SELECT projector, position FROM main.rm_tracking"),
                    conn.execute(tracking),
                ):
                    conn.execute("ROLLBACK")
                    return False
                for n, (name, (_shadow, tables)) in enumerate(zip(names, parts, strict=True)):
                    tables = [*tables, "rm_tracking"] if n == 0 else tables
                    self._copy_sqlite(conn, name, tables)
                for name in names[1:]:
                    conn.execute(f"INSERT INTO main.rm_tracking SELECT * FROM {name}.rm_tracking")
                for ddl in indexes:
                    conn.execute(_in_main(ddl))
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        finally:
            for name in names:
                conn.execute(f"DETACH DATABASE {name}")
            conn.execute("PRAGMA temp_store=DEFAULT")
            conn.execute("PRAGMA threads=0")
            conn.execute(f"PRAGMA main.cache_size={SQLITE_CACHE}")
        return True

    @staticmethod
    def _copy_sqlite(conn: sqlite3.Connection, shadow: str, tables: Sequence[str]) -> None:
        """The attached `shadow`'s `tables` replace the live ones: definitions and rows."""
        marks = ", ".join("?" * len(tables))
        objects = conn.execute(
            f"SELECT type, name, tbl_name, sql FROM {shadow}.sqlite_master WHERE sql IS "
            f"NOT NULL AND tbl_name IN ({marks}) ORDER BY type = 'index', name",
            tuple(tables),
        ).fetchall()
        for table in tables:
            conn.execute(f'DROP TABLE IF EXISTS main."{table}"')
        for kind, _name, table, sql in objects:
            conn.execute(sql)  # the definition as the main database's (SQLite's form)
            if kind == "table":
                conn.execute(f'INSERT INTO main."{table}" SELECT * FROM {shadow}."{table}"')

    def _swap_postgres(self, parts: Sequence[tuple[ReadStore, Sequence[str]]]) -> bool:
        import psycopg
        from psycopg import sql

        live = self.config.schema
        schemas = [shadow.config.schema for shadow, _tables in parts]
        moved = [
            (schema, t) for schema, (_s, tables) in zip(schemas, parts, strict=True) for t in tables
        ]
        moved.append((schemas[0], "rm_tracking"))
        for attempt in range(1200):
            try:
                with self._pool.connection() as conn, conn.transaction():
                    conn.execute("SET LOCAL lock_timeout = '300ms'")
                    existing = [
                        r["tablename"]
                        for r in conn.execute(
                            "SELECT tablename FROM pg_tables WHERE schemaname = %s "
                            "AND tablename = ANY(%s)",
                            (live, [t for _schema, t in moved]),
                        )
                    ]
                    if existing:
                        conn.execute(
                            sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(
                                sql.SQL(", ").join(sql.Identifier(live, t) for t in existing)
                            )
                        )
                    query = sql.SQL("SELECT projector, position FROM {}.rm_tracking")
                    tracking = sql.SQL(" UNION ALL ").join(
                        query.format(sql.Identifier(schema)) for schema in schemas
                    )
                    if "rm_tracking" in existing and _behind(
                        conn.execute(query.format(sql.Identifier(live))), conn.execute(tracking)
                    ):
                        return False
                    for table in existing:
                        conn.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(live, table)))
                    for schema, table in moved:
                        conn.execute(
                            sql.SQL("ALTER TABLE {} SET SCHEMA {}").format(
                                sql.Identifier(schema, table), sql.Identifier(live)
                            )
                        )
                    for schema in schemas[1:]:
                        conn.execute(
                            sql.SQL("INSERT INTO {} SELECT * FROM {}").format(
                                sql.Identifier(live, "rm_tracking"),
                                sql.Identifier(schema, "rm_tracking"),
                            )
                        )
                return True
            except psycopg.errors.LockNotAvailable:
                time.sleep(0.05 + 0.001 * min(attempt, 200))
        raise RuntimeError(
            "the read models stayed busy: the rebuilt tables could not be swapped in"
        )

    def close(self) -> None:
        """Close every connection, those of other threads too (a worker thread's would
        otherwise keep the files open: a volume could not be unmounted, say)."""
        if self._pool is not None:
            self._pool.close()
        with self._opened_lock:
            opened, self._opened = self._opened, []
            self._generation += 1
        for conn in opened:
            with contextlib.suppress(sqlite3.Error):
                conn.close()
        self._local.conn = None


def _in_main(index_ddl: str) -> str:
    """A CREATE INDEX statement naming its index in the main database (not an attached one)."""
    return re.sub(
        r"(?i)^(CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?)", r"\1main.", index_ddl
    )


def _remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _behind(live_rows: Any, shadow_rows: Any) -> bool:
    """Is some live projector further along than the shadow's (whose tables would then take
    the read models back in time)? Rows of (projector, position); "~" rows are markers."""
    shadow = {r["projector"]: r["position"] for r in shadow_rows}
    return any(
        not r["projector"].startswith("~")
        and shadow.get(r["projector"], r["position"]) < r["position"]
        for r in live_rows
    )
