"""GraphQL types for cases and 一案双查 accountability chains."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import Enum

import strawberry
from strawberry.types import Info

from ledger import commands
from ledger.api.inputs import graphql_enum
from ledger.api.mutations import mutation
from ledger.api.organisation import (
    Person,
    Post,
    Unit,
    load_person,
    load_unit,
    posts_from,
)
from ledger.api.responsibility import ResponsibilityItem, ResponsibilityKind, items_from
from ledger.domain.errors import NotFound
from projections import cases as case_rows
from projections.chain import ChainRow, resolve_chain


@graphql_enum()
class ViolationCategory(Enum):
    EIGHT_PROVISIONS = "EIGHT_PROVISIONS"
    INTEGRITY = "INTEGRITY"
    WORK_DISCIPLINE = "WORK_DISCIPLINE"
    ORGANISATION_DISCIPLINE = "ORGANISATION_DISCIPLINE"
    MASS_DISCIPLINE = "MASS_DISCIPLINE"
    LIFE_DISCIPLINE = "LIFE_DISCIPLINE"
    DUTY_CRIME = "DUTY_CRIME"


@graphql_enum()
class Discovery(Enum):
    SELF_DISCOVERED = "SELF_DISCOVERED"
    PASSIVE = "PASSIVE"


@graphql_enum()
class DisciplineForm(Enum):
    FIRST = "FIRST"
    SECOND = "SECOND"
    THIRD = "THIRD"
    FOURTH = "FOURTH"


@graphql_enum()
class AccountabilityMeasure(Enum):
    NONE = "NONE"
    WRITTEN_REVIEW = "WRITTEN_REVIEW"
    CIRCULATED_CRITICISM = "CIRCULATED_CRITICISM"
    ADMONISHMENT = "ADMONISHMENT"
    ORGANISATIONAL_ADJUSTMENT = "ORGANISATIONAL_ADJUSTMENT"
    DISCIPLINARY_SANCTION = "DISCIPLINARY_SANCTION"


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


@strawberry.type
class Case:
    id: strawberry.ID
    category: ViolationCategory
    discovery: Discovery
    facts_on: date
    facts_until: date | None = strawberry.field(
        description="end of the facts period, when the conduct ran over a period"
    )
    registered_on: date
    summary: str
    form: DisciplineForm | None
    decision: str | None
    concluded_on: date | None
    row: strawberry.Private[case_rows.CaseRow]
    peers: strawberry.Private[tuple[case_rows.CaseRow, ...]]

    @strawberry.field
    def unit(self, info: Info) -> Unit:
        return load_unit(info, self.row.unit_id, [p.unit_id for p in self.peers])

    @strawberry.field
    def subject(self, info: Info) -> Person:
        return load_person(info, self.row.subject_id, [p.subject_id for p in self.peers])

    @strawberry.field
    def accountability_chain(
        self, info: Info, known_at: datetime | None = None
    ) -> AccountabilityChain:
        return chain_for(info, self.row.case_id, known_at)


def cases_from(rows: list[case_rows.CaseRow]) -> list[Case]:
    peers = tuple(rows)
    return [
        Case(
            id=strawberry.ID(r.case_id),
            category=ViolationCategory(r.category),
            discovery=Discovery(r.discovery),
            facts_on=date.fromisoformat(r.facts_on),
            facts_until=_day(r.facts_until),
            registered_on=date.fromisoformat(r.registered_on),
            summary=r.summary,
            form=DisciplineForm(r.form) if r.form else None,
            decision=r.decision,
            concluded_on=_day(r.concluded_on),
            row=r,
            peers=peers,
        )
        for r in rows
    ]


@strawberry.type
class AccountabilityLink:
    person: Person
    kind: ResponsibilityKind
    post: Post = strawberry.field(
        description="the post and responsibility item that put this person in the chain"
    )
    basis: ResponsibilityItem | None
    measure: AccountabilityMeasure | None
    held_from: date = strawberry.field(description="when this person's post or item began")
    held_to: date | None = strawberry.field(description="when it ended (null: still held)")
    post_recorded: bool = strawberry.field(
        description="false when no post was recorded for an IN_CHARGE holder during the facts; "
        "`post` then shows the item's span as a TEAM_MEMBER of the organ"
    )


@strawberry.type(description="责任空档 — part of the facts period that nobody covered in a role.")
class ResponsibilityGap:
    kind: ResponsibilityKind
    unit: Unit
    from_: date = strawberry.field(name="from")
    to: date


@strawberry.type(
    description="一案双查: everyone whose responsibility covered the subject's unit on the facts date."
)
class AccountabilityChain:
    case: Case
    known_at: datetime
    links: list[AccountabilityLink]
    gaps: list[ResponsibilityGap]


def chain_for(info: Info, case_id: str, known_at: datetime | None) -> AccountabilityChain:
    ctx = info.context
    position = ctx.position(known_at)
    chain: ChainRow | None = ctx.read(lambda tx: resolve_chain(tx, case_id, position))
    if chain is None:
        raise NotFound(f"no case {case_id!r}" + (" as known then" if known_at else ""))
    people = [link.person_id for link in chain.links]
    links = []
    for link in chain.links:
        links.append(
            AccountabilityLink(
                person=load_person(info, link.person_id, people),
                kind=ResponsibilityKind(link.kind),
                post=posts_from([link.post])[0],
                basis=items_from([link.basis])[0] if link.basis else None,
                measure=AccountabilityMeasure(link.measure) if link.measure else None,
                held_from=date.fromisoformat(link.held_from),
                held_to=_day(link.held_to),
                post_recorded=link.post_recorded,
            )
        )
    gaps = [
        ResponsibilityGap(
            kind=ResponsibilityKind(g.kind),
            unit=load_unit(info, g.unit_id, []),
            from_=date.fromisoformat(g.gap_from),
            to=date.fromisoformat(g.gap_to),
        )
        for g in chain.gaps
    ]
    return AccountabilityChain(
        case=cases_from([chain.case])[0],
        known_at=known_at or datetime.now(UTC),
        links=links,
        gaps=gaps,
    )


@strawberry.type
class StatisticsBucket:
    key: str
    count: int
    share: float = strawberry.field(description="count / total, 0..1")


@strawberry.type(description="Case statistics for the semi-annual 政治生态分析报告.")
class CaseStatistics:
    root_unit: Unit
    from_: date | None = strawberry.field(name="from")
    to: date | None
    total: int
    by_category: list[StatisticsBucket]
    by_discovery: list[StatisticsBucket]
    by_form: list[StatisticsBucket] = strawberry.field(
        description="四种形态; UNCONCLUDED for cases not yet concluded"
    )
    by_unit_kind: list[StatisticsBucket] = strawberry.field(
        description="kind of the organ's child whose subtree holds the case (a branch of an "
        "affiliated unit counts as AFFILIATED_UNIT); ORGAN for cases in the organ itself"
    )


def statistics_for(
    info: Info, root_unit_id: str, date_from: date | None, date_to: date | None
) -> CaseStatistics:
    root = load_unit(info, root_unit_id, [])
    if root is None:
        raise NotFound(f"no unit {root_unit_id!r}")
    total, by = info.context.read(
        lambda tx: case_rows.statistics(
            tx,
            root_unit_id,
            date_from.isoformat() if date_from else None,
            date_to.isoformat() if date_to else None,
        )
    )

    def buckets(name: str) -> list[StatisticsBucket]:
        return [StatisticsBucket(key=b.key, count=b.count, share=b.share) for b in by[name]]

    return CaseStatistics(
        root_unit=root,
        from_=date_from,
        to=date_to,
        total=total,
        by_category=buckets("category"),
        by_discovery=buckets("discovery"),
        by_form=buckets("form"),
        by_unit_kind=buckets("unit_kind"),
    )


# ---------------------------------------------------------------------- mutations


@strawberry.type
class CaseMutations:
    register_case = mutation(commands.RegisterCase)
    conclude_case = mutation(commands.ConcludeCase)
    correct_case = mutation(commands.CorrectCase)
    determine_accountability = mutation(commands.DetermineAccountability)
