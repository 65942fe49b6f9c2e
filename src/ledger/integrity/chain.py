"""Tamper evidence: every stored event is hash-chained when it is committed.

For the event at position n:
    payload_hash = SHA-256(state bytes exactly as stored)
    leaf_n       = SHA-256(0x00 || canonical(n, entity, version, type, payload_hash))
    hash_n       = SHA-256(hash_{n-1} || leaf_n)              (hash_0 = 32 zero bytes)
The state bytes hold the actor and the record time, so both are covered. The payload's own
hash is kept in the chain row, so a future redaction of personal data can keep the chain
verifiable. Leaves use RFC 6962's 0x00 prefix so the same leaves build the Merkle tree of
signed digests. The chain rows are written by the recorder in the insert transaction
(`ledger.integrity.recorder`); `verify_log` re-hashes the stored log.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

CHAIN_TABLE = "ledger_chain"
# Roots of complete, aligned subtrees of `width` leaves of the Merkle tree: a cache that
# `ledger.integrity.proofs` fills on demand (and `ledger digest` checks against the stored leaves).
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
    """The ledger's clock for record time. Replaceable (`ledger.integrity.chain.clock = ...`)
    by generators of synthetic histories, which commit years of record time in minutes, and
    by tests that need distinct record times without sleeping."""
    return datetime.now(UTC)


def commit_time(previous: str | None) -> str:
    """The record time of a commit: the clock now, never before the previous commit's.

    Taken under the insert's lock, so record time grows with position and an answer asked
    `knownAt` an instant is the same before and after later commits (an event's own
    `timestamp` is taken earlier, when the command decides, and may lag a slow save).
    """
    now = clock().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")
    return max(now, previous) if previous else now


def chain_rows(
    previous: bytes, ids: Sequence[int], events: Sequence[StoredEvent], committed_at: str
) -> list[tuple]:
    rows = []
    for position, s in zip(ids, events, strict=True):
        p = payload_hash(s.state)
        leaf = leaf_hash(position, s.originator_id, s.originator_version, s.topic, p)
        previous = chain_hash(previous, leaf)
        rows.append((position, p.hex(), leaf.hex(), previous.hex(), committed_at))
    return rows


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
