"""Tamper evidence: every stored event is hash-chained when it is committed.

For the event at position n:
    payload_hash = SHA-256(state bytes exactly as stored)
    leaf_n       = SHA-256(0x00 || canonical(n, entity, version, type, payload_hash))
    hash_n       = SHA-256(hash_{n-1} || leaf_n)              (hash_0 = 32 zero bytes)
The state bytes hold the actor and the record time, so both are covered. The payload's own
hash is kept in the chain row, so a future redaction of personal data can keep the chain
verifiable. Leaves use RFC 6962's 0x00 prefix so the same leaves build the Merkle tree of
signed digests. The chain rows are written by the recorder in the insert transaction,
while the event table is locked (PostgreSQL) or the write lock is held (SQLite), so
concurrent writers still produce one chain in notification order.

Both recorders also offer a small portable SQL helper (`chain_tx`, `fetch`) for the
integrity tools (Merkle cache, export/import), and `import_log`, which writes an exported
log verbatim, positions included, into an empty store.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder

from ledger.domain.errors import Conflict
from ledger.store import DDL_LOCK, commit_channel

CHAIN_TABLE = "ledger_chain"
# Roots of complete, aligned subtrees of `width` leaves of the Merkle tree: a cache that
# `ledger.proofs` fills on demand (and `ledger digest` checks against the stored leaves).
CHUNKS_TABLE = "ledger_merkle_chunks"
GENESIS = bytes(32)

CHAIN_DDL = (
    "CREATE TABLE IF NOT EXISTS {chain} (position BIGINT PRIMARY KEY, "
    "payload_hash TEXT NOT NULL, leaf_hash TEXT NOT NULL, hash TEXT NOT NULL, "
    "committed_at TEXT)"
)
CHUNKS_DDL = (
    "CREATE TABLE IF NOT EXISTS {chunks} (width INTEGER NOT NULL, chunk BIGINT NOT NULL, "
    "last_position BIGINT NOT NULL, root TEXT NOT NULL, PRIMARY KEY (width, chunk))"
)


def payload_hash(state: bytes) -> bytes:
    return hashlib.sha256(state).digest()


def canonical_leaf(
    position: int, originator_id: UUID | str, version: int, topic: str, payload_digest: bytes
) -> bytes:
    """The exact bytes a leaf hash covers (after the 0x00 prefix)."""
    oid = originator_id.hex if isinstance(originator_id, UUID) else UUID(str(originator_id)).hex
    return json.dumps(
        [position, oid, version, topic, payload_digest.hex()], separators=(",", ":")
    ).encode()


def leaf_hash(
    position: int, originator_id: UUID | str, version: int, topic: str, payload_digest: bytes
) -> bytes:
    canonical = canonical_leaf(position, originator_id, version, topic, payload_digest)
    return hashlib.sha256(b"\x00" + canonical).digest()


def chain_hash(previous: bytes, leaf: bytes) -> bytes:
    return hashlib.sha256(previous + leaf).digest()


def clock() -> datetime:
    """The ledger's clock for record time. Replaceable (`ledger.integrity.clock = ...`) only by
    generators of synthetic histories, which commit years of record time in minutes."""
    return datetime.now(UTC)


def commit_time(previous: str | None) -> str:
    """The record time of a commit: the clock now, never before the previous commit's.

    Taken under the insert's lock, so record time grows with position and an answer asked
    `knownAt` an instant is the same before and after later commits (an event's own
    `timestamp` is taken earlier, when the command decides, and may lag a slow save).
    """
    now = clock().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")
    return max(now, previous) if previous else now


def _chain_rows(
    previous: bytes, ids: Sequence[int], events: Sequence[StoredEvent], committed_at: str
) -> list[tuple]:
    rows = []
    for position, s in zip(ids, events, strict=True):
        p = payload_hash(s.state)
        leaf = leaf_hash(position, s.originator_id, s.originator_version, s.topic, p)
        previous = chain_hash(previous, leaf)
        rows.append((position, p.hex(), leaf.hex(), previous.hex(), committed_at))
    return rows


CHAIN_COLUMNS = "position, payload_hash, leaf_hash, hash, committed_at"
INSERT_CHAIN = "INSERT INTO {chain} (" + CHAIN_COLUMNS + ") VALUES (?, ?, ?, ?, ?)"
LAST_CHAIN = "SELECT hash, committed_at FROM {chain} ORDER BY position DESC LIMIT 1"


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

    @contextmanager
    def chain_tx(self, *, commit: bool = False) -> Iterator[ChainTx]:
        raise NotImplementedError

    def fetch(self, template: str, params: Sequence[Any] = ()) -> list[dict]:
        with self.chain_tx() as tx:
            return tx.fetch(template, params)

    def fetch_tuples(self, template: str, params: Sequence[Any] = ()) -> list[tuple]:
        with self.chain_tx() as tx:
            return tx.fetch_tuples(template, params)

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

    # dialect hooks
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
        ]

    def _create_table(self, c: Any) -> None:
        super()._create_table(c)
        # Stores made before commit times were kept gain the column (older rows stay NULL).
        c.execute(f"PRAGMA table_info({CHAIN_TABLE})")
        if "committed_at" not in {row["name"] for row in c.fetchall()}:
            c.execute(f"ALTER TABLE {CHAIN_TABLE} ADD COLUMN committed_at TEXT")

    def _render(self, template: str) -> str:
        return template.format(
            events=self.events_table_name, chain=CHAIN_TABLE, chunks=CHUNKS_TABLE
        )

    @contextmanager
    def chain_tx(self, *, commit: bool = False) -> Iterator[ChainTx]:
        with self.datastore.transaction(commit=commit) as c:
            yield ChainTx(c, self._render, lambda: _plain_cursor(c.sqlite_cursor.connection))

    def _insert_events(self, c: Any, stored_events: Sequence[StoredEvent], **kw: Any):
        ids = super()._insert_events(c, stored_events, **kw)  # takes the write lock first
        if ids:
            c.execute(self._render(LAST_CHAIN))
            row = c.fetchone()
            previous = bytes.fromhex(row["hash"]) if row else GENESIS
            committed_at = commit_time(row["committed_at"] if row else None)
            c.executemany(
                self._render(INSERT_CHAIN), _chain_rows(previous, ids, stored_events, committed_at)
            )
        return ids

    def _import_events_sql(self) -> str:
        return (
            "INSERT INTO {events} (rowid, originator_id, originator_version, topic, state) "
            "VALUES (?, ?, ?, ?, ?)"
        )

    def _oid(self, originator_id: UUID) -> Any:
        return originator_id.hex


class ChainedPostgresRecorder(_ChainQueries, PostgresApplicationRecorder):
    """PostgreSQL event recorder that appends the hash chain under the insert's table lock."""

    def __init__(self, datastore: Any, *, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name=events_table_name)
        from psycopg.sql import SQL, Identifier

        schema = datastore.schema
        self._channel = commit_channel(schema)
        self._names = {
            "events": Identifier(schema, events_table_name),
            "chain": Identifier(schema, CHAIN_TABLE),
            "chunks": Identifier(schema, CHUNKS_TABLE),
        }
        self._SQL = SQL
        self.sql_create_statements.append(self._render(CHAIN_DDL))
        self.sql_create_statements.append(self._render(CHUNKS_DDL))
        # Stores made before commit times were kept gain the column (older rows stay NULL).
        self.sql_create_statements.append(
            self._render("ALTER TABLE {chain} ADD COLUMN IF NOT EXISTS committed_at TEXT")
        )

    def _render(self, template: str) -> Any:
        return self._SQL(template.replace("?", "%s")).format(**self._names)

    def create_table(self) -> None:
        """Create the tables while holding the schema-change lock, so that API workers and
        the projector starting together do not race on `CREATE OR REPLACE FUNCTION`
        ("tuple concurrently updated")."""
        with self.datastore.transaction(commit=True) as curs:
            # This connection idles while another creates the tables, maybe behind a long
            # lock: eventsourcing's idle-in-transaction timeout must not end it meanwhile.
            curs.execute("SET LOCAL idle_in_transaction_session_timeout = 0")
            curs.execute(
                "SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (DDL_LOCK, self.datastore.schema)
            )
            super().create_table()

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
            curs.execute(self._render(LAST_CHAIN))
            row = curs.fetchone()
            previous = bytes.fromhex(row["hash"]) if row else GENESIS
            committed_at = commit_time(row["committed_at"] if row else None)
            curs.executemany(
                self._render(INSERT_CHAIN), _chain_rows(previous, ids, stored_events, committed_at)
            )
            # Delivered to listeners when (and only if) this transaction commits. The channel
            # names the schema (eventsourcing's own NOTIFY names only the table).
            curs.execute("SELECT pg_notify(%s, %s)", (self._channel, str(ids[-1])))
        return ids

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


# ---------------------------------------------------------------------- verification


@dataclass(frozen=True)
class Verification:
    ok: bool
    checked_events: int
    head_position: int
    head_hash: str
    first_bad_position: int | None
    problem: str | None = None


def verify_log(
    recorder: Any, *, page: int = 2000, on_progress: Callable[[int], None] | None = None
) -> Verification:
    """Re-hash the whole log from its stored bytes and name the first position that fails.

    The head is fixed first; events committed while we read lie past it and are left for
    the next run (their event and chain rows may be read by different statements).
    """
    previous, checked, last_position = GENESIS, 0, 0
    head = recorder.chain_head()
    head_position = max(recorder.max_notification_id() or 0, head["position"] if head else 0)

    def bad(position: int, problem: str) -> Verification:
        return Verification(False, checked, head_position, previous.hex(), position, problem)

    while last_position < head_position:
        stop = min(last_position + page, head_position)
        events = recorder.select_notifications(start=last_position + 1, limit=page, stop=stop)
        chain = {r["position"]: r for r in recorder.select_chain(last_position + 1, stop)}
        by_position = {e.id: e for e in events}
        for position in sorted(set(by_position) | set(chain)):
            event, row = by_position.get(position), chain.get(position)
            if event is None:
                return bad(position, "the event stored at this position is missing")
            if row is None:
                return bad(position, "the event has no hash-chain entry")
            p = payload_hash(event.state)
            if p.hex() != row["payload_hash"]:
                return bad(position, "the stored payload does not match its hash")
            leaf = leaf_hash(
                position, event.originator_id, event.originator_version, event.topic, p
            )
            if leaf.hex() != row["leaf_hash"]:
                return bad(position, "the event's entity, version or type does not match its hash")
            expected = chain_hash(previous, leaf)
            if expected.hex() != row["hash"]:
                return bad(
                    position,
                    "the chain breaks here (an earlier event was removed or "
                    "reordered, or this hash was rewritten)",
                )
            previous, checked = expected, checked + 1
        last_position = stop
        if on_progress:
            on_progress(last_position)
    return Verification(True, checked, head_position, previous.hex(), None)
