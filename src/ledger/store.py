"""Where events live: a store URL mapped onto eventsourcing's own persistence modules.

sqlite:///PATH                          events in PATH, read models beside it
postgresql://USER[:PW]@HOST:PORT/DB     events and read models in one database
    ?schema=NAME                        optional schema (tests use one per test)
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse
from uuid import UUID

from ledger.domain.errors import BadInput, Unavailable

# Seconds a PostgreSQL connection attempt may take before the store is reported unreachable.
CONNECT_TIMEOUT = 5
# The tables that make a store a ledger (eventsourcing's log and our hash chain).
EVENTS_TABLE = {"sqlite": "stored_events", "postgres": "ledger_events"}
CHAIN_TABLE = "ledger_chain"

# Advisory-lock class under which every process creates its tables on PostgreSQL (with the
# schema's hash as the second key): processes starting together would otherwise race.
DDL_LOCK = 0x1ED6


@dataclass(frozen=True)
class StoreConfig:
    url: str
    dialect: str  # "sqlite" | "postgres"
    sqlite_path: Path | None = None
    host: str = "127.0.0.1"
    port: int = 5432
    user: str = "postgres"
    password: str = ""
    dbname: str = ""
    schema: str = "public"

    @property
    def read_model_path(self) -> Path | None:
        """SQLite read models live in their own file so projector writes never wait on appends."""
        if self.sqlite_path is None:
            return None
        p = self.sqlite_path
        return p.with_name(f"{p.stem}.projections{p.suffix or '.sqlite3'}")

    @property
    def conninfo(self) -> str:
        from psycopg.conninfo import make_conninfo

        return make_conninfo(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password or None,
            dbname=self.dbname,
        )

    def eventsourcing_env(self) -> dict[str, str]:
        if self.dialect == "sqlite":
            assert self.sqlite_path is not None
            use_wal(self.sqlite_path)
            return {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": str(self.sqlite_path),
                "SQLITE_LOCK_TIMEOUT": "30",
                "APPLICATION_RECORDER_TOPIC": "ledger.integrity.recorder:ChainedSQLiteRecorder",
            }
        return {
            "PERSISTENCE_MODULE": "ledger.integrity.recorder:LedgerPostgresFactory",
            "POSTGRES_DBNAME": self.dbname,
            "POSTGRES_HOST": self.host,
            "POSTGRES_PORT": str(self.port),
            "POSTGRES_USER": self.user,
            "POSTGRES_PASSWORD": self.password,
            "POSTGRES_SCHEMA": self.schema,
            # Off on purpose: the table lock it skips keeps notification ids gap-free.
            "POSTGRES_ENABLE_DB_FUNCTIONS": "n",
            "POSTGRES_POOL_SIZE": "8",
            "POSTGRES_MAX_OVERFLOW": "8",
            "POSTGRES_LOCK_TIMEOUT": "10",
            # A refused or unreachable server is reported within seconds, with its cause
            # (checked first by `check_store`); the pool waits as long for a free connection.
            "POSTGRES_CONNECT_TIMEOUT": str(CONNECT_TIMEOUT),
            "APPLICATION_RECORDER_TOPIC": "ledger.integrity.recorder:ChainedPostgresRecorder",
        }


def describe(config: StoreConfig) -> str:
    """The store in words for an operator (no password)."""
    if config.dialect == "sqlite":
        return f"the SQLite store {config.sqlite_path}"
    return (
        f"PostgreSQL at {config.host}:{config.port}, database {config.dbname!r}, "
        f"schema {config.schema!r}, user {config.user!r}"
    )


def connect_postgres(config: StoreConfig, **kwargs: Any) -> Any:
    """A direct connection, or `Unavailable` within CONNECT_TIMEOUT seconds naming host, port,
    database, user and the driver's reason (the pool would wait 30 s and say only that it
    "couldn't get a connection")."""
    import psycopg

    try:
        return psycopg.connect(config.conninfo, connect_timeout=CONNECT_TIMEOUT, **kwargs)
    except psycopg.Error as e:
        reason = " ".join(str(e).split()) or type(e).__name__
        raise Unavailable(
            f"cannot connect to PostgreSQL at {config.host}:{config.port}, database "
            f"{config.dbname!r}, user {config.user!r}: {reason}"
        ) from None


def holds_ledger(config: StoreConfig) -> bool:
    """Does the store hold a ledger (its event and chain tables)? Creates nothing: a SQLite
    file that does not exist stays absent. `Unavailable` when the store cannot be reached
    or is not a database at all."""
    names = (EVENTS_TABLE[config.dialect], CHAIN_TABLE)
    if config.dialect == "sqlite":
        path = config.sqlite_path
        assert path is not None
        if not path.parent.is_dir():
            raise Unavailable(
                f"the directory {path.parent} of the SQLite store {path} does not exist: "
                "check --store / LEDGER_STORE (a mistyped path is not a new ledger), or "
                "create the directory"
            )
        if not path.exists():
            return False
        if path.is_dir():
            raise Unavailable(f"{path} is a directory, not a SQLite store")
        try:
            conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
            try:
                rows = conn.execute(
                    "SELECT name FROM sqlite_master WHERE type='table' AND name IN (?, ?)", names
                ).fetchall()
            finally:
                conn.close()
        except sqlite3.DatabaseError as e:
            raise Unavailable(f"{path} cannot be read as a SQLite store: {e}") from None
        return len(rows) == len(names)
    with connect_postgres(config, autocommit=True) as conn:
        schema = conn.execute(
            "SELECT 1 FROM pg_namespace WHERE nspname = %s", (config.schema,)
        ).fetchone()
        if schema is None:
            raise Unavailable(
                f"the schema {config.schema!r} does not exist in {describe(config)}: check "
                "?schema= in --store / LEDGER_STORE, or create it (CREATE SCHEMA)"
            )
        found = conn.execute(
            "SELECT count(to_regclass(format('%%I.%%I', %s::text, t))) FROM unnest(%s::text[]) t",
            (config.schema, list(names)),
        ).fetchone()[0]
    return found == len(names)


def check_store(config: StoreConfig, *, create: bool) -> bool:
    """Refuse a store that is not a ledger unless this command creates one; True when the
    store already held a ledger. Every CLI command but the creating ones passes
    `create=False`, so a mistyped path or database is an error, never a new empty ledger."""
    if holds_ledger(config):
        return True
    if not create:
        raise Unavailable(
            f"no ledger in {describe(config)}: check --store / LEDGER_STORE, or create one "
            "with `ledger init` (or `ledger serve --init`)"
        )
    return False


def commit_channel(schema: str) -> str:
    """The PostgreSQL channel on which appends to this schema's log are announced (NOTIFY
    in the appending transaction), so that projectors wake at once instead of polling."""
    return "ledger_" + hashlib.sha1(schema.encode()).hexdigest()[:24]


def use_wal(path: Path, *, patience: float = 30.0) -> None:
    """Put a SQLite file in WAL mode, waiting out other processes doing the same.

    Switching a fresh file to WAL takes an exclusive lock and SQLite does not apply its busy
    timeout to it: a process that opens the file in that instant gets "database is locked".
    Once the file is in WAL mode (persistent), the switch is a no-op for every later opener.
    """
    deadline = time.monotonic() + patience
    while True:
        conn = sqlite3.connect(path, timeout=patience)
        try:
            if conn.execute("PRAGMA journal_mode=WAL").fetchone()[0].lower() == "wal":
                return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise
        finally:
            conn.close()
        if time.monotonic() > deadline:
            raise sqlite3.OperationalError(f"{path} could not be put in WAL mode")
        time.sleep(0.01)


def parse_store_url(url: str) -> StoreConfig:
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = unquote(parsed.path)
        if parsed.netloc not in ("", "localhost"):
            raise BadInput(f"sqlite store URLs look like sqlite:///PATH, got {url!r}")
        if path.startswith("/./") or path.startswith("/../"):
            path = path[1:]
        elif path.startswith("//"):  # sqlite:////abs/path: one absolute path, not "//abs"
            path = "/" + path.lstrip("/")
        if not path or path == "/":
            raise BadInput(f"sqlite store URL names no file: {url!r}")
        return StoreConfig(url=url, dialect="sqlite", sqlite_path=Path(path))
    if parsed.scheme in ("postgresql", "postgres"):
        query = parse_qs(parsed.query)
        return StoreConfig(
            url=url,
            dialect="postgres",
            host=parsed.hostname or "127.0.0.1",
            port=parsed.port or 5432,
            user=unquote(parsed.username or "postgres"),
            password=unquote(parsed.password or ""),
            dbname=(parsed.path or "/").lstrip("/") or "postgres",
            schema=query.get("schema", ["public"])[0],
        )
    raise BadInput(f"unknown store {url!r}: use sqlite:///PATH or postgresql://USER@HOST:PORT/DB")


class EventLogSQL:
    """The few questions asked of the event table itself, in each dialect."""

    def __init__(self, recorder: Any, config: StoreConfig):
        self.recorder = recorder
        self.config = config
        self.table = recorder.events_table_name

    def head(self) -> int:
        return self.recorder.max_notification_id() or 0

    def position_of(self, originator_id: UUID, version: int) -> int | None:
        from ledger.faults import read_retried

        return read_retried(lambda: self._position_of(originator_id, version))

    def _position_of(self, originator_id: UUID, version: int) -> int | None:
        if self.config.dialect == "sqlite":
            sql = f"SELECT rowid AS p FROM {self.table} WHERE originator_id=? AND originator_version=?"
            with self.recorder.datastore.transaction(commit=False) as c:
                c.execute(sql, (originator_id.hex, version))
                row = c.fetchone()
                return row["p"] if row else None
        from psycopg.sql import SQL, Identifier

        sql = SQL(
            "SELECT notification_id AS p FROM {}.{} WHERE originator_id=%s AND originator_version=%s"
        ).format(Identifier(self.config.schema), Identifier(self.table))
        with self.recorder.datastore.get_connection() as conn, conn.cursor() as c:
            c.execute(sql, (originator_id, version))
            row = c.fetchone()
            return row["p"] if row else None
