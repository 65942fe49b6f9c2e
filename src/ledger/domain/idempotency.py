"""IdempotencyKey: saved in the same transaction as the command it guards.

A retry finds the key already used: with the same command and input it gets the first
result back and nothing is appended; with another input it is refused (CONFLICT). Two
racing first attempts clash on the key's aggregate version, so exactly one commits. A key
belongs to the token subject that used it: the same key from another subject is another
key (one user's key never returns another user's result).
"""

from __future__ import annotations

from eventsourcing.domain import Aggregate

from ledger.domain.base import Stamp, Stamped, create
from ledger.domain.errors import BadInput
from ledger.domain.ids import aggregate_id


def key_uuid(actor: str, key: str):
    return aggregate_id("idempotency", f"{actor}\x1f{key}")


def legacy_key_uuid(key: str):
    """Keys used before keys belonged to their subject (found only for the same actor)."""
    return aggregate_id("idempotency", key)


class IdempotencyKey(Aggregate):
    TOPIC = "ledger:IdempotencyKey"

    class Created(Aggregate.Created):
        TOPIC = "ledger:IdempotencyKey.Created"  # required by explicit topics; never emitted

    class Used(Aggregate.Created, Stamped):
        TOPIC = "ledger:IdempotencyKeyUsed"
        key: str
        command: str
        fingerprint: str
        result_id: str

        @property
        def entity_id(self) -> str:
            return f"idempotency:{self.key}"

    def __init__(self, key: str, command: str, fingerprint: str, result_id: str, actor: str):
        self.actor = actor
        self.key = key
        self.command = command
        self.fingerprint = fingerprint
        self.result_id = result_id

    @classmethod
    def use(cls, stamp: Stamp, command: str, fingerprint: str, result_id: str) -> IdempotencyKey:
        key = stamp.idempotency_key or ""
        if not 1 <= len(key) <= 128 or not key.isprintable():
            raise BadInput("idempotencyKey must be 1-128 printable characters")
        return create(
            cls,
            cls.Used,
            stamp,
            key_uuid(stamp.actor, key),
            key=key,
            command=command,
            fingerprint=fingerprint,
            result_id=result_id,
        )
