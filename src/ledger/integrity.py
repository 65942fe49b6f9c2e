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
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder

CHAIN_TABLE = "ledger_chain"
GENESIS = bytes(32)


def payload_hash(state: bytes) -> bytes:
    return hashlib.sha256(state).digest()


def leaf_hash(
    position: int, originator_id: UUID | str, version: int, topic: str, payload_digest: bytes
) -> bytes:
    oid = originator_id.hex if isinstance(originator_id, UUID) else UUID(str(originator_id)).hex
    canonical = json.dumps(
        [position, oid, version, topic, payload_digest.hex()], separators=(",", ":")
    ).encode()
    return hashlib.sha256(b"\x00" + canonical).digest()


def chain_hash(previous: bytes, leaf: bytes) -> bytes:
    return hashlib.sha256(previous + leaf).digest()


def _chain_rows(previous: bytes, ids: Sequence[int], events: Sequence[StoredEvent]) -> list[tuple]:
    rows = []
    for position, s in zip(ids, events, strict=True):
        p = payload_hash(s.state)
        leaf = leaf_hash(position, s.originator_id, s.originator_version, s.topic, p)
        previous = chain_hash(previous, leaf)
        rows.append((position, p.hex(), leaf.hex(), previous.hex()))
    return rows


CHAIN_COLUMNS = "position, payload_hash, leaf_hash, hash"


class ChainedSQLiteRecorder(SQLiteApplicationRecorder):
    """SQLite event recorder that appends the hash chain in the same transaction."""

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            f"CREATE TABLE IF NOT EXISTS {CHAIN_TABLE} (position INTEGER PRIMARY KEY, "
            "payload_hash TEXT NOT NULL, leaf_hash TEXT NOT NULL, hash TEXT NOT NULL)",
        ]

    def _insert_events(self, c: Any, stored_events: Sequence[StoredEvent], **kw: Any):
        ids = super()._insert_events(c, stored_events, **kw)  # takes the write lock first
        if ids:
            c.execute(f"SELECT hash FROM {CHAIN_TABLE} ORDER BY position DESC LIMIT 1")
            row = c.fetchone()
            previous = bytes.fromhex(row["hash"]) if row else GENESIS
            c.executemany(
                f"INSERT INTO {CHAIN_TABLE} ({CHAIN_COLUMNS}) VALUES (?, ?, ?, ?)",
                _chain_rows(previous, ids, stored_events),
            )
        return ids

    def select_chain(self, start: int, stop: int) -> list[dict]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT {CHAIN_COLUMNS} FROM {CHAIN_TABLE} WHERE position >= ? AND position <= ? "
                "ORDER BY position",
                (start, stop),
            )
            return [dict(r) for r in c.fetchall()]

    def chain_head(self) -> dict | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT {CHAIN_COLUMNS} FROM {CHAIN_TABLE} ORDER BY position DESC LIMIT 1")
            row = c.fetchone()
            return dict(row) if row else None


class ChainedPostgresRecorder(PostgresApplicationRecorder):
    """PostgreSQL event recorder that appends the hash chain under the insert's table lock."""

    def __init__(self, datastore: Any, *, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name=events_table_name)
        from psycopg.sql import SQL, Identifier

        self._chain = Identifier(datastore.schema, CHAIN_TABLE)
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {} (position BIGINT PRIMARY KEY, "
                "payload_hash TEXT NOT NULL, leaf_hash TEXT NOT NULL, hash TEXT NOT NULL)"
            ).format(self._chain)
        )

    def _fetch_ids_after_insert_events(
        self, curs: Any, stored_events: Sequence[StoredEvent], **kw: Any
    ):
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kw)
        if ids:
            from psycopg.sql import SQL

            curs.execute(
                SQL("SELECT hash FROM {} ORDER BY position DESC LIMIT 1").format(self._chain)
            )
            row = curs.fetchone()
            previous = bytes.fromhex(row["hash"]) if row else GENESIS
            curs.executemany(
                SQL("INSERT INTO {} (" + CHAIN_COLUMNS + ") VALUES (%s, %s, %s, %s)").format(
                    self._chain
                ),
                _chain_rows(previous, ids, stored_events),
            )
        return ids

    def select_chain(self, start: int, stop: int) -> list[dict]:
        from psycopg.sql import SQL

        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                SQL(
                    "SELECT " + CHAIN_COLUMNS + " FROM {} WHERE position >= %s AND position <= %s "
                    "ORDER BY position"
                ).format(self._chain),
                (start, stop),
            )
            return list(curs.fetchall())

    def chain_head(self) -> dict | None:
        from psycopg.sql import SQL

        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                SQL("SELECT " + CHAIN_COLUMNS + " FROM {} ORDER BY position DESC LIMIT 1").format(
                    self._chain
                )
            )
            return curs.fetchone()


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
    """Re-hash the whole log from its stored bytes and name the first position that fails."""
    previous, checked, last_position = GENESIS, 0, 0
    head = recorder.chain_head()
    head_position = max(recorder.max_notification_id() or 0, head["position"] if head else 0)

    def bad(position: int, problem: str) -> Verification:
        return Verification(False, checked, head_position, previous.hex(), position, problem)

    while last_position < head_position:
        stop = last_position + page
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
            previous, checked, last_position = expected, checked + 1, position
        last_position = max(last_position, stop) if not events and not chain else last_position
        if on_progress:
            on_progress(last_position)
    return Verification(True, checked, head_position, previous.hex(), None)
