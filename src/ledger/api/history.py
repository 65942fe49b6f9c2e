"""GraphQL types for the inspector's view: the log, one entity's history, verification."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON

from projections.event_index import EventRow, personal_entities


@strawberry.type
class LedgerEvent:
    position: int = strawberry.field(
        description="global position in the ledger, 1-based, gap-free as seen by readers"
    )
    entity_id: strawberry.ID = strawberry.field(
        description="business id of the entity the event belongs to"
    )
    version: int
    type: str
    recorded_at: datetime
    actor: str = strawberry.field(description="who recorded it (token subject)")
    payload: JSON
    hash: str = strawberry.field(description="hex digest chaining this event to the previous one")

    @classmethod
    def from_row(cls, r: EventRow) -> LedgerEvent:
        return cls(
            position=r.position,
            entity_id=strawberry.ID(r.entity_id),
            version=r.version,
            type=r.type,
            recorded_at=datetime.fromisoformat(r.recorded_at),
            actor=r.actor,
            payload=json.loads(r.payload),
            hash=r.hash,
        )


def events_from(ctx: Any, rows: list[EventRow]) -> list[LedgerEvent]:
    """Events as answered: a case's raw events, and a score line's about a case, are
    personal case data (access log)."""
    ctx.access(*(e for r in rows for e in personal_entities(r)))
    return [LedgerEvent.from_row(r) for r in rows]


@strawberry.type
class LedgerEventPage:
    events: list[LedgerEvent]
    last: int | None = strawberry.field(description="position to pass as `after` for the next page")


@strawberry.type
class Verification:
    ok: bool
    checked_events: int
    head_position: int
    head_hash: str
    first_bad_position: int | None = strawberry.field(
        description="first position whose hash does not match, if any"
    )
    problem: str | None = strawberry.field(description="what is wrong at firstBadPosition")
