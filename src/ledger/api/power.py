"""GraphQL types for power controls: units' functions, principals overseeing them (主要负责人
"五个不直接分管"), and 三重一大 decisions with their attendance, speaking order and recusals."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from ledger import commands
from ledger.api.inputs import graphql_enum
from ledger.api.mutations import mutation
from ledger.api.organisation import Person, Unit, load_person, load_unit
from ledger.domain.rules.power import decision_check
from projections import power as rows

UnitFunction = graphql_enum(
    "UnitFunction", description="什么职能: 人事、财务、工程项目、物资采购、行政审批"
)
MajorMatter = graphql_enum("MajorMatter", description="三重一大")
DecisionFlag = graphql_enum("DecisionFlag")


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


@strawberry.type(description="A function a unit carried over a period (null `to`: still).")
class UnitFunctionPeriod:
    function: UnitFunction
    from_: date = strawberry.field(name="from")
    to: date | None


@strawberry.type(
    description="主要负责人直接分管: a period in which a principal held an IN_CHARGE item "
    "naming a unit that carries personnel, finance, projects, procurement or approvals."
)
class PrincipalOversight:
    item_id: strawberry.ID
    functions: list[UnitFunction] = strawberry.field(description="the unit's functions then")
    from_: date = strawberry.field(name="from")
    to: date | None
    post_from: date = strawberry.field(description="the PRINCIPAL post held from")
    post_to: date | None
    row: strawberry.Private[object]
    peers: strawberry.Private[tuple]

    @strawberry.field
    def person(self, info: Info) -> Person:
        return load_person(info, self.row.person_id, [p.person_id for p in self.peers])

    @strawberry.field
    def unit(self, info: Info) -> Unit:
        return load_unit(info, self.row.unit_id, [p.unit_id for p in self.peers])

    @strawberry.field
    def organ(self, info: Info) -> Unit:
        return load_unit(info, self.row.organ_id, [p.organ_id for p in self.peers])


@strawberry.type(description="回避: someone who withdrew from a decision.")
class Recusal:
    person_id: strawberry.Private[str]
    why: strawberry.Private[str]
    decision_id: strawberry.Private[str]
    peers: strawberry.Private[tuple[str, ...]]

    @strawberry.field
    def person(self, info: Info) -> Person:
        return load_person(info, self.person_id, list(self.peers))

    @strawberry.field(description="why they withdrew: personal data (null for VIEWER and BRANCH)")
    def reason(self, info: Info) -> str | None:
        info.context.access(self.decision_id)
        return self.why


@strawberry.type(
    description="三重一大: a matter decided collectively, checked against the unit's team on "
    "the day as the ledger knew it at knownAt."
)
class MajorDecision:
    id: strawberry.ID
    matter: MajorMatter
    title: str
    decided_on: date
    team_size: int = strawberry.field(description="the leadership team on the day")
    members_present: int = strawberry.field(description="team members who attended")
    flags: list[DecisionFlag]
    row: strawberry.Private[rows.DecisionRow]
    team: strawberry.Private[tuple[str, ...]]
    principal_ids: strawberry.Private[tuple[str, ...]]
    people: strawberry.Private[tuple[str, ...]]

    @strawberry.field
    def unit(self, info: Info) -> Unit:
        return load_unit(info, self.row.unit_id, [])

    def _persons(self, info: Info, ids) -> list[Person]:
        return [p for p in (load_person(info, i, list(self.people)) for i in ids) if p]

    @strawberry.field
    def attendees(self, info: Info) -> list[Person]:
        return self._persons(info, self.row.attendee_ids)

    @strawberry.field(description="the attendees who stated a view, in speaking order")
    def speaking_order(self, info: Info) -> list[Person]:
        return self._persons(info, self.row.speaker_ids)

    @strawberry.field(description="the principal(s) on the day, who should speak last")
    def principals(self, info: Info) -> list[Person]:
        return self._persons(info, self.principal_ids)

    @strawberry.field
    def recusals(self) -> list[Recusal]:
        return [
            Recusal(
                person_id=p, why=reason, decision_id=self.row.major_decision_id, peers=self.people
            )
            for p, reason in self.row.recusals
        ]


def decisions_from(tx, found: list[rows.DecisionRow], position: int | None) -> list[MajorDecision]:
    kinds, posts = rows.teams(tx, found, position)
    people = tuple(
        dict.fromkeys(p for d in found for p in (*d.attendee_ids, *(r for r, _ in d.recusals)))
    )
    out = []
    for d in found:
        check = decision_check(
            kinds.get(d.unit_id, ""),
            d.decided_on,
            list(d.attendee_ids),
            list(d.speaker_ids),
            [p for p, _ in d.recusals],
            posts.get(d.unit_id, []),
        )
        out.append(
            MajorDecision(
                id=strawberry.ID(d.major_decision_id),
                matter=MajorMatter(d.matter),
                title=d.title,
                decided_on=date.fromisoformat(d.decided_on),
                team_size=len(check.team),
                members_present=len(check.present),
                flags=[DecisionFlag(f) for f in check.flags],
                row=d,
                team=check.team,
                principal_ids=check.principals,
                people=(*people, *check.principals),
            )
        )
    return out


# ---------------------------------------------------------------------- queries


@strawberry.type
class PowerQueries:
    @strawberry.field(description="the functions a unit carried, period by period")
    def unit_functions(
        self, info: Info, unit_id: strawberry.ID, known_at: datetime | None = None
    ) -> list[UnitFunctionPeriod]:
        ctx = info.context
        ctx.check_scope(str(unit_id), f"unit {unit_id}")
        position = ctx.position(known_at)
        found = ctx.read(lambda tx: rows.function_rows(tx, [str(unit_id)], position))
        return [
            UnitFunctionPeriod(
                function=UnitFunction(f.function),
                from_=date.fromisoformat(f.valid_from),
                to=_day(f.valid_to),
            )
            for f in found
        ]

    @strawberry.field(
        description='主要负责人"五个不直接分管": every period in which an organ\'s PRINCIPAL held '
        "an IN_CHARGE item naming a unit (in the unit's subtree) that carried personnel, "
        "finance, projects, procurement or approvals; optionally only periods overlapping "
        "[from, to]"
    )
    def principal_oversight(
        self,
        info: Info,
        unit_id: strawberry.ID | None = None,
        from_: Annotated[date | None, strawberry.argument(name="from")] = None,
        to: date | None = None,
        known_at: datetime | None = None,
    ) -> list[PrincipalOversight]:
        ctx = info.context
        position = ctx.position(known_at)
        found = ctx.read(
            lambda tx: rows.oversight_by_principals(
                tx, str(unit_id) if unit_id else None, position, ctx.scope_sql("f.unit_id")
            )
        )
        start, end = (from_.isoformat() if from_ else None), (to.isoformat() if to else None)
        found = [
            o
            for o in found
            if (end is None or o.valid_from <= end)
            and (start is None or o.valid_to is None or o.valid_to >= start)
        ]
        peers = tuple(found)
        return [
            PrincipalOversight(
                item_id=strawberry.ID(o.item_id),
                functions=[UnitFunction(f) for f in o.functions],
                from_=date.fromisoformat(o.valid_from),
                to=_day(o.valid_to),
                post_from=date.fromisoformat(o.post_from),
                post_to=_day(o.post_to),
                row=o,
                peers=peers,
            )
            for o in found
        ]

    @strawberry.field
    def major_decision(
        self, info: Info, id: strawberry.ID, known_at: datetime | None = None
    ) -> MajorDecision | None:
        ctx = info.context
        position = ctx.position(known_at)

        found = ctx.read(lambda tx: rows.decisions_by_id(tx, [str(id)], position)).get(str(id))
        ctx.check_scope(found.unit_id if found else None, f"decision {id}")
        if found is None:
            return None
        return ctx.read(lambda tx: decisions_from(tx, [found], position))[0]

    @strawberry.field(
        description="三重一大 decisions taken in [from, to] in the unit's subtree, checked "
        "against each unit's team on the day; `flagged: true` keeps those with a flag"
    )
    def major_decisions(
        self,
        info: Info,
        unit_id: strawberry.ID | None = None,
        from_: Annotated[date | None, strawberry.argument(name="from")] = None,
        to: date | None = None,
        known_at: datetime | None = None,
        flagged: bool | None = None,
    ) -> list[MajorDecision]:
        ctx = info.context
        position = ctx.position(known_at)

        def load(tx):
            found = rows.decisions_in(
                tx,
                str(unit_id) if unit_id else None,
                from_.isoformat() if from_ else None,
                to.isoformat() if to else None,
                position,
                ctx.scope_sql("unit_id"),
            )
            return decisions_from(tx, found, position)

        decisions = ctx.read(load)
        if flagged is None:
            return decisions
        return [d for d in decisions if bool(d.flags) == flagged]


# ---------------------------------------------------------------------- mutations


@strawberry.type
class PowerMutations:
    declare_unit_functions = mutation(commands.DeclareUnitFunctions)
    record_major_decision = mutation(commands.RecordMajorDecision)
    correct_major_decision = mutation(commands.CorrectMajorDecision)
