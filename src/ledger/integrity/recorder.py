"""The chained recorders: every append writes its hash-chain rows in the same transaction.

The chain rows are written while the event table is locked (PostgreSQL) or the write lock
is held (SQLite), so concurrent writers still produce one chain in notification order. Both
dialects share the chain write (`_append_chain`) and the portable helpers for the integrity
tools (`chain_tx`, `fetch`); `import_log` writes an exported log verbatim, positions
included, into an empty store.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import structlog
from eventsourcing.persistence import OperationalError, StoredEvent
from eventsourcing.postgres import (
    PostgresAggregateRecorder,
    PostgresApplicationRecorder,
    PostgresFactory,
)
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteTransaction

from ledger.committed import Committed
from ledger.domain.errors import Conflict
from ledger.faults import read_retried
from ledger.integrity.access import (
    ACCESS_DDL,
    ACCESS_ENTITIES_DDL,
    ACCESS_ENTITIES_TABLE,
    ACCESS_TABLE,
)
from ledger.integrity.chain import (
    CHAIN_DDL,
    CHAIN_TABLE,
    CHUNKS_DDL,
    CHUNKS_TABLE,
    GENESIS,
    chain_rows,
    commit_time,
)
from ledger.store import DDL_LOCK, commit_channel

log = structlog.get_logger("ledger.store")

# The tables of the store besides eventsourcing's own, by the names templates use.
TABLES = {
    "chain": CHAIN_TABLE,
    "chunks": CHUNKS_TABLE,
    "access": ACCESS_TABLE,
    "access_entities": ACCESS_ENTITIES_TABLE,
}

CHAIN_FIELDS = ("position", "payload_hash", "leaf_hash", "hash", "committed_at")
CHAIN_COLUMNS = ", ".join(CHAIN_FIELDS)
INSERT_CHAIN = "INSERT INTO {chain} (" + CHAIN_COLUMNS + ") VALUES (?, ?, ?, ?, ?)"
LAST_CHAIN = "SELECT hash, committed_at FROM {chain} ORDER BY position DESC LIMIT 1"


# Keys (entity, version) asked about in one statement of the group's version check.
CHECK_CHUNK = 200


def accepted_saves(
    saves: Sequence[Sequence[StoredEvent]], taken: set[tuple[str, int]]
) -> list[bool]:
    """Which saves of a group may be written: none of their (entity, version) keys is in
    the store already (`taken`) or claimed by a save ahead of them in the group. A refused
    save lost an optimistic-concurrency race: its command decides again."""
    claimed: set[tuple[str, int]] = set()
    out = []
    for events in saves:
        keys = {_key(e) for e in events}
        ok = not (keys & taken or keys & claimed)
        if ok:
            claimed |= keys
        out.append(ok)
    return out


def _key(event: StoredEvent) -> tuple[str, int]:
    oid = event.originator_id
    return (oid.hex if isinstance(oid, UUID) else UUID(str(oid)).hex, event.originator_version)


def _split(
    saves: Sequence[Sequence[StoredEvent]], accepted: Sequence[bool], ids: Sequence[int]
) -> list[list[int] | None]:
    """The positions of each accepted save (None for a refused one), in group order."""
    out: list[list[int] | None] = []
    at = 0
    for events, ok in zip(saves, accepted, strict=True):
        if ok:
            out.append(list(ids[at : at + len(events)]))
            at += len(events)
        else:
            out.append(None)
    return out


class StoreNotEmpty(Conflict):
    """An import was asked of a store that already holds events."""


@dataclass(frozen=True)
class ImportRow:
    """One exported event, checked against its hashes, ready to be written verbatim."""

    position: int
    originator_id: UUID
    version: int
    topic: str
    state: bytes
    payload_hash: str
    leaf_hash: str
    hash: str
    committed_at: str | None = None


class ChainTx:
    """A transaction on the event store with `?` placeholders and {events}/{chain}/{chunks}."""

    def __init__(self, cursor: Any, render: Callable[[str], Any], tuple_cursor: Callable[[], Any]):
        self.cursor, self.render, self.tuple_cursor = cursor, render, tuple_cursor

    def execute(self, template: str, params: Sequence[Any] = ()) -> None:
        self.cursor.execute(self.render(template), params)

    def executemany(self, template: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self.cursor.executemany(self.render(template), rows)

    def fetch(self, template: str, params: Sequence[Any] = ()) -> list[dict]:
        self.cursor.execute(self.render(template), params)
        return [dict(r) for r in self.cursor.fetchall()]

    def fetch_tuples(self, template: str, params: Sequence[Any] = ()) -> list[tuple]:
        """Plain tuples: about twice as fast as named rows for bulk reads of leaf hashes."""
        cursor = self.tuple_cursor()
        cursor.execute(self.render(template), params)
        return cursor.fetchall()


class _ChainQueries:
    """What both chained recorders answer, written once over `chain_tx`."""

    events_table_name: str

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # Where the events of each committed insert are kept for this process's projector
        # (`ledger.committed`; set by the application); the chain rows of the insert in
        # progress wait on its thread until it has committed.
        self.committed: Committed | None = None
        self._chained = threading.local()

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any):
        ids = super().insert_events(stored_events, **kwargs)  # type: ignore[misc]
        self._keep(stored_events, ids)
        return ids

    def _keep(self, events: Sequence[StoredEvent], ids: Sequence[int] | None) -> None:
        """Called once an insert has committed: its events go to `committed`, with the
        chain rows written with them (when those are this very insert's)."""
        rows = getattr(self._chained, "rows", None)
        self._chained.rows = None
        if self.committed is not None and ids and rows and [r[0] for r in rows] == list(ids):
            try:
                self.committed.add(events, [dict(zip(CHAIN_FIELDS, r, strict=True)) for r in rows])
            except Exception:  # the insert has committed: never let it look failed (retried)
                log.exception("committed.not_kept")  # the projector reads them back instead

    @contextmanager
    def chain_tx(self, *, commit: bool = False) -> Iterator[ChainTx]:
        raise NotImplementedError

    def fetch(self, template: str, params: Sequence[Any] = ()) -> list[dict]:
        def read() -> list[dict]:
            with self.chain_tx() as tx:
                return tx.fetch(template, params)

        return read_retried(read)

    def fetch_tuples(self, template: str, params: Sequence[Any] = ()) -> list[tuple]:
        def read() -> list[tuple]:
            with self.chain_tx() as tx:
                return tx.fetch_tuples(template, params)

        return read_retried(read)

    def select_chain(self, start: int, stop: int) -> list[dict]:
        return self.fetch(
            "SELECT " + CHAIN_COLUMNS + " FROM {chain} WHERE position >= ? AND position <= ? "
            "ORDER BY position",
            (start, stop),
        )

    def chain_head(self) -> dict | None:
        rows = self.fetch(
            "SELECT " + CHAIN_COLUMNS + " FROM {chain} ORDER BY position DESC LIMIT 1"
        )
        return rows[0] if rows else None

    def import_log(
        self, batches: Iterable[Sequence[ImportRow]], on_batch: Callable[[int], None] | None = None
    ) -> int:
        """Write checked rows verbatim (positions too) in ONE transaction, into an empty store.

        `batches` may raise at any point (a broken chain found late): the transaction then
        rolls back and nothing is written. Returns the number of events written.
        """
        written = 0
        with self.chain_tx(commit=True) as tx:
            self._lock_for_import(tx)
            head = tx.fetch("SELECT MAX(position) AS p FROM {chain}")[0]["p"]
            if head or tx.fetch("SELECT originator_id FROM {events} LIMIT 1"):
                raise StoreNotEmpty(
                    f"the store is not empty (it holds events up to position {head or '?'}): "
                    "import only into an empty store"
                )
            last = 0
            for batch in batches:
                tx.executemany(
                    self._import_events_sql(),
                    [
                        (r.position, self._oid(r.originator_id), r.version, r.topic, r.state)
                        for r in batch
                    ],
                )
                tx.executemany(
                    INSERT_CHAIN,
                    [
                        (r.position, r.payload_hash, r.leaf_hash, r.hash, r.committed_at)
                        for r in batch
                    ],
                )
                written += len(batch)
                last = batch[-1].position if batch else last
                if on_batch:
                    on_batch(written)
            self._after_import(tx, last)
        return written

    def _append_chain(self, cursor: Any, ids: Sequence[int], events: Sequence[StoredEvent]) -> None:
        """The one chain write of both dialects: called inside the insert transaction, after
        the events got their positions and while the write lock is held."""
        cursor.execute(self._render(LAST_CHAIN))
        row = cursor.fetchone()
        previous = bytes.fromhex(row["hash"]) if row else GENESIS
        committed_at = commit_time(row["committed_at"] if row else None)
        rows = chain_rows(previous, ids, events, committed_at)
        cursor.executemany(self._render(INSERT_CHAIN), rows)
        self._chained.rows = rows  # kept once the transaction commits (`_keep`)

    # dialect hooks
    def _render(self, template: str) -> Any:
        raise NotImplementedError

    def lock_access(self, tx: ChainTx) -> None:
        """Writers of the access log take turns (SQLite: the first write takes the lock, and
        a writer that lost the race retries)."""

    def _lock_for_import(self, tx: ChainTx) -> None:
        tx.execute("DELETE FROM {chunks}")  # also takes SQLite's write lock before the checks

    def _import_events_sql(self) -> str:
        raise NotImplementedError

    def _oid(self, originator_id: UUID) -> Any:
        return originator_id

    def _after_import(self, tx: ChainTx, last_position: int) -> None:
        pass


def _plain_cursor(connection: Any) -> Any:
    cursor = connection.cursor()
    cursor.row_factory = None
    return cursor


class ChainedSQLiteRecorder(_ChainQueries, SQLiteApplicationRecorder):
    """SQLite event recorder that appends the hash chain in the same transaction."""

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            # INTEGER PRIMARY KEY: the position is the rowid itself on SQLite.
            self._render(CHAIN_DDL.replace("BIGINT PRIMARY KEY", "INTEGER PRIMARY KEY")),
            self._render(CHUNKS_DDL),
            self._render(ACCESS_DDL),
            self._render(ACCESS_ENTITIES_DDL),
        ]

    def _create_table(self, c: Any) -> None:
        super()._create_table(c)
        # Stores made before commit times were kept gain the column (older rows stay NULL).
        c.execute(f"PRAGMA table_info({CHAIN_TABLE})")
        if "committed_at" not in {row["name"] for row in c.fetchall()}:
            c.execute(f"ALTER TABLE {CHAIN_TABLE} ADD COLUMN committed_at TEXT")

    def _render(self, template: str) -> str:
        return template.format(events=self.events_table_name, **TABLES)

    @contextmanager
    def chain_tx(self, *, commit: bool = False) -> Iterator[ChainTx]:
        with self.datastore.transaction(commit=commit) as c:
            yield ChainTx(c, self._render, lambda: _plain_cursor(c.sqlite_cursor.connection))

    def _insert_events(self, c: Any, stored_events: Sequence[StoredEvent], **kw: Any):
        ids = super()._insert_events(c, stored_events, **kw)  # takes the write lock first
        if ids:
            self._append_chain(c, ids, stored_events)
        return ids

    def insert_group(self, saves: Sequence[Sequence[StoredEvent]]) -> list[list[int] | None]:
        """Write the saves of several commands in one transaction (one commit), each save's
        events together and in order, the chain after them; a save whose versions are taken
        is left out (None). The write lock is taken first (BEGIN IMMEDIATE), so the version
        check holds until the commit, against other processes too."""
        with (
            self.datastore.get_connection(commit=True) as conn,
            _ImmediateTransaction(conn, commit=True) as c,
            c,
        ):
            accepted = accepted_saves(saves, self._taken(c, saves))
            events = [e for events, ok in zip(saves, accepted, strict=True) if ok for e in events]
            ids = self._insert_events(c, events) if events else []
        self._keep(events, ids)
        return _split(saves, accepted, ids or [])

    def _taken(self, c: Any, saves: Sequence[Sequence[StoredEvent]]) -> set[tuple[str, int]]:
        keys = sorted({_key(e) for events in saves for e in events})
        taken: set[tuple[str, int]] = set()
        for i in range(0, len(keys), CHECK_CHUNK):
            chunk = keys[i : i + CHECK_CHUNK]
            where = " OR ".join(["(originator_id=? AND originator_version=?)"] * len(chunk))
            c.execute(
                f"SELECT originator_id, originator_version FROM {self.events_table_name} "
                f"WHERE {where}",
                [x for key in chunk for x in key],
            )
            taken.update((r[0], r[1]) for r in c.fetchall())
        return taken

    def _import_events_sql(self) -> str:
        return (
            "INSERT INTO {events} (rowid, originator_id, originator_version, topic, state) "
            "VALUES (?, ?, ?, ?, ?)"
        )

    def _oid(self, originator_id: UUID) -> Any:
        return originator_id.hex


class _ImmediateTransaction(SQLiteTransaction):
    """eventsourcing's SQLite transaction (its error mapping too), begun IMMEDIATE: the
    write lock is held from the first statement, so what the transaction reads before it
    writes cannot change under it."""

    def __enter__(self) -> Any:
        cursor = self.connection.cursor()
        try:
            cursor.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as e:
            cursor.sqlite_cursor.close()
            raise OperationalError(e) from e
        return cursor


class SchemaLocked:
    """Tables created while holding the schema-change lock, so that API workers and the
    projector starting together do not race ("tuple concurrently updated" on functions,
    duplicate types for a table's row type)."""

    datastore: Any

    def create_table(self) -> None:
        with self.datastore.transaction(commit=True) as curs:
            # This connection idles while another creates the tables, maybe behind a long
            # lock: eventsourcing's idle-in-transaction timeout must not end it meanwhile.
            curs.execute("SET LOCAL idle_in_transaction_session_timeout = 0")
            curs.execute(
                "SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (DDL_LOCK, self.datastore.schema)
            )
            super().create_table()  # type: ignore[misc]


class SnapshotRecorder(SchemaLocked, PostgresAggregateRecorder):
    """The snapshots' table, created under the same lock as the log's."""


class LedgerPostgresFactory(PostgresFactory):
    """eventsourcing's PostgreSQL persistence with the ledger's table-creation lock."""

    aggregate_recorder_class = SnapshotRecorder


class ChainedPostgresRecorder(SchemaLocked, _ChainQueries, PostgresApplicationRecorder):
    """PostgreSQL event recorder that appends the hash chain under the insert's table lock."""

    def __init__(self, datastore: Any, *, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name=events_table_name)
        from psycopg.sql import SQL, Identifier

        schema = datastore.schema
        self._channel = commit_channel(schema)
        self._names = {
            "events": Identifier(schema, events_table_name),
            **{name: Identifier(schema, table) for name, table in TABLES.items()},
        }
        self._SQL = SQL
        self._rendered: dict[str, str] = {}
        for ddl in (CHAIN_DDL, CHUNKS_DDL, ACCESS_DDL, ACCESS_ENTITIES_DDL):
            self.sql_create_statements.append(self._compose(ddl))
        # Stores made before commit times were kept gain the column (older rows stay NULL).
        self.sql_create_statements.append(
            self._compose("ALTER TABLE {chain} ADD COLUMN IF NOT EXISTS committed_at TEXT")
        )

    def _compose(self, template: str) -> Any:
        return self._SQL(template.replace("?", "%s")).format(**self._names)

    def _render(self, template: str) -> Any:
        """The template as PostgreSQL text, rendered once: a composed statement is turned
        into bytes again at every execution (a tenth of a grouped save's time)."""
        text = self._rendered.get(template)
        if text is None:
            text = self._rendered[template] = self._compose(template).as_string(None)
        return text

    @contextmanager
    def chain_tx(self, *, commit: bool = False) -> Iterator[ChainTx]:
        from psycopg.rows import tuple_row

        with self.datastore.transaction(commit=commit) as curs:
            yield ChainTx(curs, self._render, lambda: curs.connection.cursor(row_factory=tuple_row))

    def _fetch_ids_after_insert_events(
        self, curs: Any, stored_events: Sequence[StoredEvent], **kw: Any
    ):
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kw)
        if ids:
            self._append_chain(curs, ids, stored_events)
            # Delivered to listeners when (and only if) this transaction commits. The channel
            # names the schema (eventsourcing's own NOTIFY names only the table).
            curs.execute("SELECT pg_notify(%s, %s)", (self._channel, str(ids[-1])))
        return ids

    def insert_group(self, saves: Sequence[Sequence[StoredEvent]]) -> list[list[int] | None]:
        """Write the saves of several commands in one transaction (one commit), each save's
        events together and in order, the chain after them; a save whose versions are taken
        is left out (None). The event table's lock is taken first, so the version check
        holds until the commit, against other processes too."""
        with (
            self.datastore.get_connection() as conn,
            conn.transaction(),
            conn.cursor() as curs,
        ):
            self._lock_table(curs)
            accepted = accepted_saves(saves, self._taken(curs, saves))
            events = [e for events, ok in zip(saves, accepted, strict=True) if ok for e in events]
            ids: Sequence[int] = []
            if events:
                self._notify_channel(curs)
                # The insert itself, without locking the table again.
                PostgresAggregateRecorder._insert_stored_events(self, curs, events)
                ids = self._fetch_ids_after_insert_events(curs, events) or []
        self._keep(events, ids)
        return _split(saves, accepted, ids)

    def _taken(self, curs: Any, saves: Sequence[Sequence[StoredEvent]]) -> set[tuple[str, int]]:
        keys = sorted({_key(e) for events in saves for e in events})
        curs.execute(
            self._render(
                "SELECT e.originator_id, e.originator_version FROM {events} e "
                "JOIN unnest(?::uuid[], ?::bigint[]) AS k(id, version) "
                "ON e.originator_id = k.id AND e.originator_version = k.version"
            ),
            ([UUID(k) for k, _ in keys], [v for _, v in keys]),
        )
        return {(r["originator_id"].hex, r["originator_version"]) for r in curs.fetchall()}

    def lock_access(self, tx: ChainTx) -> None:
        tx.execute("LOCK TABLE {access} IN EXCLUSIVE MODE")

    def _lock_for_import(self, tx: ChainTx) -> None:
        tx.execute("LOCK TABLE {events} IN EXCLUSIVE MODE")
        tx.execute("LOCK TABLE {chain} IN EXCLUSIVE MODE")
        super()._lock_for_import(tx)

    def _import_events_sql(self) -> str:
        return (
            "INSERT INTO {events} (notification_id, originator_id, originator_version, topic, "
            "state) VALUES (?, ?, ?, ?, ?)"
        )

    def _after_import(self, tx: ChainTx, last_position: int) -> None:
        """Move the id sequence past the imported positions, so new events follow them."""
        if last_position:
            table = self._names["events"].as_string(None)
            tx.execute(
                "SELECT setval(pg_get_serial_sequence(?, 'notification_id'), ?)",
                (table, last_position),
            )
