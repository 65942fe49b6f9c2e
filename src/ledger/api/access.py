"""`accessLog`: who read personal case data, when, and through which operation."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from ledger.api.context import instant, text_filter
from ledger.domain.errors import BadInput
from ledger.integrity.access import AccessLog

MAX_PAGE = 500


@strawberry.type(
    description="One read of personal case data (subject, summary, decision, chain, "
    "decisions, raw case events)."
)
class AccessRecord:
    position: int = strawberry.field(description="1-based, gap-free order of the access log")
    at: datetime
    actor: str = strawberry.field(description="token subject")
    role: str
    operation: str = strawberry.field(
        description="the GraphQL operation name (or the CLI command) that read it"
    )
    entity_ids: list[strawberry.ID] = strawberry.field(
        description="the case ids whose personal data the answer carried"
    )
    hash: str = strawberry.field(
        description="chains this record to the previous one: the access log is tamper-evident too"
    )


@strawberry.type
class AccessLogPage:
    records: list[AccessRecord]
    last: int | None = strawberry.field(description="position to pass as `after` for the next page")


@strawberry.type
class AccessQueries:
    @strawberry.field(
        description="who read personal case data, when, through which operation (ADMIN, INSPECTOR)"
    )
    def access_log(
        self,
        info: Info,
        entity_id: strawberry.ID | None = None,
        actor: str | None = None,
        from_: Annotated[datetime | None, strawberry.argument(name="from")] = None,
        to: datetime | None = None,
        first: int | None = 100,
        after: int | None = 0,
    ) -> AccessLogPage:
        first, after = 100 if first is None else first, after or 0
        if not 1 <= first <= MAX_PAGE:
            raise BadInput(f"first must lie between 1 and {MAX_PAGE}")
        if after < 0:
            raise BadInput("after must not be negative")
        records = AccessLog(info.context.ledger.app.recorder).page(
            after=after,
            first=first,
            entity_id=text_filter(str(entity_id), "entityId") if entity_id else None,
            actor=text_filter(actor, "actor"),
            at_from=instant(from_, "from") if from_ else None,
            at_to=instant(to, "to") if to else None,
        )
        return AccessLogPage(
            records=[
                AccessRecord(
                    position=r.position,
                    at=datetime.fromisoformat(r.at),
                    actor=r.actor,
                    role=r.role,
                    operation=r.operation,
                    entity_ids=[strawberry.ID(i) for i in r.entity_ids],
                    hash=r.hash,
                )
                for r in records
            ],
            last=records[-1].position if records else after,
        )
