"""The access log: who read personal case data, when, through which operation (保密).

Every answer that carries personal case data (the subject of a case, its summary and
decision, its chain and decisions, raw case events) appends one record before the answer
leaves: actor, role, operation, the case ids, the time. Records are hash-chained like the
event log (hash_n = SHA-256(hash_{n-1} || canonical record)), in the same store, so a
record edited, removed or reordered afterwards is found by `verify`.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from ledger.integrity import chain
from ledger.integrity.chain import GENESIS

ACCESS_TABLE = "ledger_access_log"
ACCESS_ENTITIES_TABLE = "ledger_access_entities"
ACCESS_DDL = (
    "CREATE TABLE IF NOT EXISTS {access} (position BIGINT PRIMARY KEY, at TEXT NOT NULL, "
    "actor TEXT NOT NULL, role TEXT NOT NULL, operation TEXT NOT NULL, "
    "entity_ids TEXT NOT NULL, hash TEXT NOT NULL)"
)
ACCESS_ENTITIES_DDL = (
    "CREATE TABLE IF NOT EXISTS {access_entities} (entity_id TEXT NOT NULL, "
    "position BIGINT NOT NULL, PRIMARY KEY (entity_id, position))"
)
COLUMNS = "position, at, actor, role, operation, entity_ids, hash"
MAX_ATTEMPTS = 50


@dataclass(frozen=True)
class AccessRecord:
    position: int
    at: str
    actor: str
    role: str
    operation: str
    entity_ids: tuple[str, ...]
    hash: str


def record_hash(previous: bytes, record: AccessRecord) -> bytes:
    canonical = json.dumps(
        [
            record.position,
            record.at,
            record.actor,
            record.role,
            record.operation,
            list(record.entity_ids),
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
    return hashlib.sha256(previous + canonical).digest()


def _record(r: dict) -> AccessRecord:
    return AccessRecord(
        r["position"],
        r["at"],
        r["actor"],
        r["role"],
        r["operation"],
        tuple(json.loads(r["entity_ids"])),
        r["hash"],
    )


class AccessLog:
    """The access log of one store (the recorder's tables and transactions)."""

    def __init__(self, recorder: Any):
        self.recorder = recorder

    def append(self, actor: str, role: str, operation: str, entity_ids: set[str]) -> AccessRecord:
        """One record, chained to the last; writers take turns (a lost race is retried)."""
        ids = tuple(sorted(entity_ids))
        for attempt in range(MAX_ATTEMPTS):
            try:
                return self._append(actor, role, operation, ids)
            except Exception as e:  # another writer took the same position first
                if attempt == MAX_ATTEMPTS - 1 or not _lost_race(e):
                    raise
                time.sleep(0.002 * (attempt + 1))
        raise AssertionError("unreachable")

    def _append(self, actor: str, role: str, operation: str, ids: tuple[str, ...]) -> AccessRecord:
        with self.recorder.chain_tx(commit=True) as tx:
            self.recorder.lock_access(tx)
            last = tx.fetch("SELECT position, hash FROM {access} ORDER BY position DESC LIMIT 1")
            previous = bytes.fromhex(last[0]["hash"]) if last else GENESIS
            position = (last[0]["position"] if last else 0) + 1
            at = chain.clock().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")
            draft = AccessRecord(position, at, actor, role, operation, ids, "")
            digest = record_hash(previous, draft).hex()
            record = replace(draft, hash=digest)
            tx.execute(
                "INSERT INTO {access} (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?)",
                (position, at, actor, role, operation, json.dumps(list(ids)), digest),
            )
            tx.executemany(
                "INSERT INTO {access_entities} (entity_id, position) VALUES (?, ?)",
                [(entity_id, position) for entity_id in ids],
            )
            return record

    def page(
        self,
        *,
        after: int = 0,
        first: int = 100,
        entity_id: str | None = None,
        actor: str | None = None,
        at_from: datetime | None = None,
        at_to: datetime | None = None,
    ) -> list[AccessRecord]:
        where, params = ["a.position > ?"], [after]
        join = ""
        if entity_id is not None:
            join = "JOIN {access_entities} e ON e.position = a.position AND e.entity_id = ? "
            params.insert(0, entity_id)
        if actor is not None:
            where.append("a.actor = ?")
            params.append(actor)
        if at_from is not None:
            where.append("a.at >= ?")
            params.append(at_from.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00"))
        if at_to is not None:
            where.append("a.at < ?")
            params.append(at_to.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00"))
        cols = ", ".join(f"a.{c.strip()}" for c in COLUMNS.split(","))
        rows = self.recorder.fetch(
            f"SELECT {cols} FROM {{access}} a {join}WHERE {' AND '.join(where)} "
            "ORDER BY a.position LIMIT ?",
            (*params, first),
        )
        return [_record(r) for r in rows]

    def verify(self, page: int = 2000) -> dict:
        """Re-hash the whole access log; the first record that does not match is named."""
        previous, checked, after = GENESIS, 0, 0
        while True:
            rows = self.recorder.fetch(
                "SELECT " + COLUMNS + " FROM {access} WHERE position > ? ORDER BY position LIMIT ?",
                (after, page),
            )
            if not rows:
                return {"ok": True, "checkedRecords": checked, "firstBadPosition": None}
            for r in rows:
                record = _record(r)
                if record.position != checked + 1:
                    return _bad(checked, checked + 1, "a record is missing here")
                expected = record_hash(previous, record)
                if expected.hex() != record.hash:
                    return _bad(checked, record.position, "the record does not match its hash")
                previous, checked = expected, checked + 1
            after = rows[-1]["position"]


def _bad(checked: int, position: int, problem: str) -> dict:
    return {
        "ok": False,
        "checkedRecords": checked,
        "firstBadPosition": position,
        "problem": problem,
    }


def _lost_race(error: Exception) -> bool:
    text = f"{type(error).__name__} {error}".lower()
    return any(w in text for w in ("unique", "duplicate", "integrity", "locked", "busy"))
