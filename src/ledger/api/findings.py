"""GraphQL types for findings (巡察、专项检查、审计、明察暗访发现的问题) and their rectification
orders (整改事项), each answered as of a date (`asOf`) and as the ledger knew it (`knownAt`)."""

from __future__ import annotations

from datetime import date, datetime

import strawberry
from strawberry.types import Info

from ledger import commands
from ledger.api.context import as_of_text
from ledger.api.inputs import graphql_enum
from ledger.api.mutations import mutation
from ledger.api.organisation import Person, Unit, load_person, load_unit
from ledger.domain.rules.rectification import finding_status
from projections import findings as rows

FindingSource = graphql_enum("FindingSource", description="who found the problem")
RectificationStatus = graphql_enum(
    "RectificationStatus",
    description="OVERDUE once the due date has passed undone (the due date itself is not late)",
)
RectificationVerdict = graphql_enum("RectificationVerdict")
RectificationReview = graphql_enum("RectificationReview")
RectificationStepKind = graphql_enum("RectificationStepKind")


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


@strawberry.type
class RectificationStep:
    kind: RectificationStepKind
    on: date
    percent: int | None
    due_on: date | None = strawberry.field(description="REOPENED: the new due date, if given")
    note: str = strawberry.field(description="the note, the evidence or the review's opinion")


@strawberry.type(
    description="整改事项 — one rectification order on a finding, as it stood on `asOf`, as "
    "recorded by `knownAt`."
)
class Rectification:
    id: strawberry.ID
    requirement: str
    ordered_on: date
    due_on: date = strawberry.field(
        description="the due date in force on asOf (a reopening may have set a new one)"
    )
    status: RectificationStatus
    percent: int
    completed_on: date | None
    review: RectificationReview | None = strawberry.field(
        description="PENDING after a completion until it is accepted or reopened"
    )
    as_of: date
    steps: list[RectificationStep] = strawberry.field(description="the steps dated by asOf")
    row: strawberry.Private[rows.RectificationRow]
    peers: strawberry.Private[tuple[rows.RectificationRow, ...]]
    position: strawberry.Private[int | None]

    @strawberry.field
    def unit(self, info: Info) -> Unit:
        return load_unit(info, self.row.unit_id, [p.unit_id for p in self.peers])

    @strawberry.field(description="整改责任人")
    def owner(self, info: Info) -> Person:
        return load_person(info, self.row.owner_id, [p.owner_id for p in self.peers])

    @strawberry.field(description="null when the finding's unit lies outside the token's units")
    def finding(self, info: Info) -> Finding | None:
        position = self.position
        found = info.context.batch(
            "finding",
            (position,),
            [p.finding_id for p in self.peers],
            self.row.finding_id,
            lambda tx, ids: rows.findings_by_id(tx, ids, position),
        )
        if found is None or not info.context.in_scope(found.unit_id):
            return None
        orders = info.context.read(
            lambda tx: rows.rectifications_of(tx, [found.finding_id], position)
        )[found.finding_id]
        return findings_from([found], {found.finding_id: orders}, self.as_of, position)[0]


def rectifications_from(
    found: list[rows.RectificationRow], as_of: date, position: int | None
) -> list[Rectification]:
    day = as_of.isoformat()
    peers = tuple(found)
    out = []
    for r in found:
        state = r.state(day)
        if state is None:
            continue
        out.append(
            Rectification(
                id=strawberry.ID(r.rectification_id),
                requirement=r.requirement,
                ordered_on=date.fromisoformat(r.ordered_on),
                due_on=date.fromisoformat(state.due_on),
                status=RectificationStatus(state.status),
                percent=state.percent,
                completed_on=_day(state.completed_on),
                review=RectificationReview(state.review) if state.review else None,
                as_of=as_of,
                steps=[
                    RectificationStep(
                        kind=RectificationStepKind(s.kind),
                        on=date.fromisoformat(s.on),
                        percent=s.percent,
                        due_on=_day(s.due_on),
                        note=s.note,
                    )
                    for s in r.steps
                    if s.on <= day
                ],
                row=r,
                peers=peers,
                position=position,
            )
        )
    return out


@strawberry.type(
    description="A problem found by 巡察, 专项检查, 审计 or 明察暗访, as it stood on `asOf`: "
    "OVERDUE when one of its orders is, DONE when all are."
)
class Finding:
    id: strawberry.ID
    source: FindingSource
    found_on: date
    description: str
    status: RectificationStatus
    as_of: date
    row: strawberry.Private[rows.FindingRow]
    peers: strawberry.Private[tuple[rows.FindingRow, ...]]
    orders: strawberry.Private[tuple[Rectification, ...]]

    @strawberry.field
    def unit(self, info: Info) -> Unit:
        return load_unit(info, self.row.unit_id, [p.unit_id for p in self.peers])

    @strawberry.field(description="its orders in force on asOf, in the token's units")
    def rectifications(self, info: Info) -> list[Rectification]:
        return [o for o in self.orders if info.context.in_scope(o.row.unit_id)]


def findings_from(
    found: list[rows.FindingRow],
    orders: dict[str, list[rows.RectificationRow]],
    as_of: date,
    position: int | None,
) -> list[Finding]:
    peers = tuple(found)
    every = [o for f in found for o in orders.get(f.finding_id, [])]
    answered = {o.row.rectification_id: o for o in rectifications_from(every, as_of, position)}
    out = []
    for f in found:
        mine = tuple(
            answered[o.rectification_id]
            for o in orders.get(f.finding_id, [])
            if o.rectification_id in answered
        )
        out.append(
            Finding(
                id=strawberry.ID(f.finding_id),
                source=FindingSource(f.source),
                found_on=date.fromisoformat(f.found_on),
                description=f.description,
                status=RectificationStatus(finding_status(o.status.value for o in mine)),
                as_of=as_of,
                row=f,
                peers=peers,
                orders=mine,
            )
        )
    return out


# ---------------------------------------------------------------------- queries


@strawberry.type
class FindingQueries:
    @strawberry.field(description="one finding and its rectification orders, as of a date")
    def finding(
        self,
        info: Info,
        id: strawberry.ID,
        as_of: date | None = None,
        known_at: datetime | None = None,
    ) -> Finding | None:
        ctx = info.context
        day, position = as_of_text(as_of), ctx.position(known_at)
        found = ctx.read(lambda tx: rows.findings_by_id(tx, [str(id)], position)).get(str(id))
        ctx.check_scope(found.unit_id if found else None, f"finding {id}")
        if found is None:
            return None
        orders = ctx.read(lambda tx: rows.rectifications_of(tx, [found.finding_id], position))
        return findings_from([found], orders, date.fromisoformat(day), position)[0]

    @strawberry.field(
        description="findings made by asOf in the unit's subtree (every unit in scope when "
        "unitId is null), with their status on asOf"
    )
    def findings(
        self,
        info: Info,
        unit_id: strawberry.ID | None = None,
        as_of: date | None = None,
        known_at: datetime | None = None,
        status: RectificationStatus | None = None,
        source: FindingSource | None = None,
    ) -> list[Finding]:
        ctx = info.context
        day, position = as_of_text(as_of), ctx.position(known_at)

        def load(tx):
            found = rows.findings_in(
                tx,
                str(unit_id) if unit_id else None,
                day,
                position,
                source=source.value if source else None,
                scope=ctx.scope_sql("f.unit_id"),
            )
            return found, rows.rectifications_of(tx, [f.finding_id for f in found], position)

        found, orders = ctx.read(load)
        answered = findings_from(found, orders, date.fromisoformat(day), position)
        return [f for f in answered if status is None or f.status == status]

    @strawberry.field(
        description="rectification orders in force on asOf whose unit lies in the unit's "
        "subtree (every unit in scope when unitId is null), with their status on asOf"
    )
    def rectifications(
        self,
        info: Info,
        unit_id: strawberry.ID | None = None,
        as_of: date | None = None,
        known_at: datetime | None = None,
        status: RectificationStatus | None = None,
    ) -> list[Rectification]:
        ctx = info.context
        day, position = as_of_text(as_of), ctx.position(known_at)
        roots = [str(unit_id)] if unit_id else None
        found = ctx.read(
            lambda tx: rows.rectifications_in(tx, roots, day, position, ctx.scope_sql("r.unit_id"))
        )
        answered = rectifications_from([r for _, r in found], date.fromisoformat(day), position)
        return [r for r in answered if status is None or r.status == status]


# ---------------------------------------------------------------------- mutations


@strawberry.type
class FindingMutations:
    record_finding = mutation(commands.RecordFinding)
    order_rectification = mutation(commands.OrderRectification)
    report_rectification_progress = mutation(commands.ReportRectificationProgress)
    complete_rectification = mutation(commands.CompleteRectification)
    review_rectification = mutation(commands.ReviewRectification)
    correct_rectification = mutation(commands.CorrectRectification)
