"""What every ledger event carries besides its own facts.

The record time is the event's `timestamp` (set by eventsourcing when the event is
created); the actor is the token subject of the caller; the idempotency key, if any, is
the client's retry key. Topics are pinned (`TOPIC`) so that moving code never orphans
stored events.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from eventsourcing.domain import Aggregate


@dataclass(frozen=True)
class Stamped:
    """What every ledger event carries: the actor and the client's retry key. An
    aggregate's first event also names its entity: `NAMES` is the field holding the
    business id, which history and the event index file it under."""

    NAMES: ClassVar[str] = ""
    actor: str
    idempotency_key: str | None

    @property
    def entity_id(self) -> str | None:
        return getattr(self, self.NAMES) if self.NAMES else None


@dataclass(frozen=True)
class Stamp:
    """Who is acting, in which role and for which units, under which retry key.

    Only the actor and the key are written into events; the role and the units decide
    whether the command may run (`ledger.permissions`). Code that holds the store itself
    (the demo loader, imports) acts as ADMIN without units, the default.
    """

    actor: str
    idempotency_key: str | None = None
    role: str = "ADMIN"
    units: tuple[str, ...] | None = None  # None: not limited to units

    def fields(self) -> dict[str, Any]:
        return {"actor": self.actor, "idempotency_key": self.idempotency_key}


def create(cls: type[Aggregate], event: type, stamp: Stamp, id: Any, **facts: Any) -> Any:
    """Create an aggregate from its first event (the aggregate id is the uuid5 of its business id)."""
    return cls._create(event, id=id, **stamp.fields(), **facts)


def event_type(event: Any) -> str:
    """The stable public name of an event: its pinned topic without the 'ledger:' prefix."""
    return event_type_of(type(event))


def event_type_of(cls: type) -> str:
    return cls.TOPIC.partition(":")[2]  # type: ignore[attr-defined]
