"""GraphQL types for cases and 一案双查 accountability chains."""

from __future__ import annotations

from datetime import UTC, date, datetime

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
from ledger.domain.rules.accountability import Link, link_from_record
from projections import cases as case_rows
from projections.chain import ChainRow, holds, resolve_chain

ViolationCategory = graphql_enum("ViolationCategory")


Discovery = graphql_enum("Discovery")


DisciplineForm = graphql_enum("DisciplineForm")


AccountabilityMeasure = graphql_enum("AccountabilityMeasure")


CaseSource = graphql_enum("CaseSource", description="where a case came from (线索来源)")


CadreRank = graphql_enum("CadreRank")


AccountabilityDegree = graphql_enum(
    "AccountabilityDegree",
    description="问责条例: the degree of responsibility that a decision assigns.",
)


GapReason = graphql_enum("GapReason")


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
    summary: str | None = strawberry.field(
        description="what happened: personal case data (null where the caller may not see it)"
    )
    form: DisciplineForm | None
    decision: str | None = strawberry.field(
        description="the decision that concluded the case: personal case data"
    )
    concluded_on: date | None
    source: CaseSource | None
    subject_rank: CadreRank | None = strawberry.field(
        description="the subject's cadre rank at the facts date"
    )
    submitted_for_approval: bool = strawberry.field(
        description="报批: submitted to the working committee for approval"
    )
    subject_post_recorded: bool | None = strawberry.field(
        description="false when no post of the subject was recorded for the facts period (the "
        "case was placed as registered, not by the subject's post); null for cases registered "
        "before this was kept"
    )
    row: strawberry.Private[case_rows.CaseRow]
    peers: strawberry.Private[tuple[case_rows.CaseRow, ...]]

    @strawberry.field
    def unit(self, info: Info) -> Unit:
        return load_unit(info, self.row.unit_id, [p.unit_id for p in self.peers])

    @strawberry.field(description="null where the caller may not see who (VIEWER, BRANCH)")
    def subject(self, info: Info) -> Person | None:
        return load_person(info, self.row.subject_id, [p.subject_id for p in self.peers])

    @strawberry.field
    def accountability_chain(
        self, info: Info, known_at: datetime | None = None
    ) -> AccountabilityChain:
        return chain_for(info, self.row.case_id, known_at)

    @strawberry.field(
        description="every accountability decision taken on this case, revoked ones included"
    )
    def decisions(
        self, info: Info, known_at: datetime | None = None
    ) -> list[AccountabilityDecision]:
        return decisions_for(info, self.row.case_id, known_at)


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
            source=CaseSource(r.source) if r.source else None,
            subject_rank=CadreRank(r.subject_rank) if r.subject_rank else None,
            submitted_for_approval=r.submitted_for_approval,
            subject_post_recorded=r.subject_post_recorded,
            row=r,
            peers=peers,
        )
        for r in rows
    ]


@strawberry.type
class AccountabilityLink:
    person: Person
    kind: ResponsibilityKind
    unit: Unit = strawberry.field(
        description="the unit at whose level this responsibility sits: the facts unit, an "
        "ancestor, or the organ"
    )
    post: Post = strawberry.field(
        description="the post and responsibility item that put this person in the chain"
    )
    basis: ResponsibilityItem | None
    measure: AccountabilityMeasure | None
    held_from: date = strawberry.field(description="when this person's post or item began")
    held_to: date | None = strawberry.field(description="when it ended (null: still held)")
    post_recorded: bool = strawberry.field(
        description="always true: a link stands on a recorded post (an IN_CHARGE item counts "
        "only while its holder led the organ)",
        deprecation_reason="every link now stands on a recorded post",
    )


@strawberry.type(
    description="责任空档 — part of the facts period that nobody else covered in a role."
)
class ResponsibilityGap:
    kind: ResponsibilityKind
    unit: Unit
    from_: date = strawberry.field(name="from")
    to: date
    reason: GapReason


@strawberry.type(
    description="一案双查: everyone whose responsibility covered the subject's unit on the facts "
    "date, level by level from that unit up to its organ."
)
class AccountabilityChain:
    case: Case
    known_at: datetime
    links: list[AccountabilityLink] = strawberry.field(
        description="from the facts unit up to the organ; at each level DIRECT, IN_CHARGE, "
        "PRINCIPAL, SUPERVISORY"
    )
    gaps: list[ResponsibilityGap] = strawberry.field(
        description="roles that nobody other than the subject covered for some part of the "
        "facts period"
    )


@strawberry.type(
    description="One accountability decision (问责决定). It names a person or a party "
    "organisation, keeps the chain link that justified it as resolved when it was recorded, "
    "and is never edited: a revision is a new decision, a revocation an event."
)
class AccountabilityDecision:
    id: strawberry.ID
    person: Person | None
    unit: Unit | None = strawberry.field(
        description="a party organisation held accountable (党组织问责)"
    )
    measures: list[AccountabilityMeasure]
    degree: AccountabilityDegree | None
    reason: str
    on: date
    revoked_on: date | None
    link: AccountabilityLink | None = strawberry.field(
        description="the link that justified it, as resolved when the decision was recorded"
    )
    stale: bool = strawberry.field(
        description="true when the chain as known then no longer holds that link (a correction "
        "moved it): 纠错 needed"
    )


def link_from(info: Info, link: Link, people: list[str]) -> AccountabilityLink:
    return AccountabilityLink(
        person=load_person(info, link.person_id, people),
        kind=ResponsibilityKind(link.kind),
        unit=load_unit(info, link.unit_id, []),
        post=posts_from([link.post], info=info, asked=True)[0],  # its holder is `person`
        basis=items_from([link.basis])[0] if link.basis else None,
        measure=AccountabilityMeasure(link.measure) if link.measure else None,
        held_from=date.fromisoformat(link.held_from),
        held_to=_day(link.held_to),
        post_recorded=True,
    )


def _chain(info: Info, case_id: str, known_at: datetime | None) -> ChainRow:
    ctx = info.context
    position = ctx.position(known_at)
    chain = ctx.batch(
        "chain",
        (position,),
        [],
        case_id,
        lambda tx, ids: {i: resolve_chain(tx, i, position) for i in ids},
    )
    ctx.check_scope(chain.case.unit_id if chain else None, f"case {case_id}")
    if chain is None:
        raise NotFound(f"no case {case_id!r}" + (" as known then" if known_at else ""))
    return chain


def chain_for(info: Info, case_id: str, known_at: datetime | None) -> AccountabilityChain:
    chain = _chain(info, case_id, known_at)
    people = [link.person_id for link in chain.links]
    gaps = [
        ResponsibilityGap(
            kind=ResponsibilityKind(g.kind),
            unit=load_unit(info, g.unit_id, []),
            from_=date.fromisoformat(g.gap_from),
            to=date.fromisoformat(g.gap_to),
            reason=GapReason(g.reason),
        )
        for g in chain.gaps
    ]
    return AccountabilityChain(
        case=cases_from([chain.case])[0],
        known_at=known_at or datetime.now(UTC),
        links=[link_from(info, link, people) for link in chain.links],
        gaps=gaps,
    )


def decisions_for(
    info: Info, case_id: str, known_at: datetime | None
) -> list[AccountabilityDecision]:
    """The decisions as recorded at `knownAt`, each judged stale against the chain as known
    at that same instant (so an earlier answer is reproduced exactly)."""
    ctx = info.context
    position = ctx.position(known_at)
    rows = ctx.read(lambda tx: case_rows.decisions_of(tx, case_id, position))
    chain = _chain(info, case_id, known_at) if rows else None
    people = [d.person_id for d in rows if d.person_id]
    out = []
    for d in rows:
        link = link_from_record(d.link) if d.link else None
        stale = not holds(chain, d.link) if d.link else d.unit_id not in chain.path
        out.append(
            AccountabilityDecision(
                id=strawberry.ID(d.decision_id),
                person=load_person(info, d.person_id, people) if d.person_id else None,
                unit=load_unit(info, d.unit_id, []) if d.unit_id else None,
                measures=[AccountabilityMeasure(m) for m in d.measures],
                degree=AccountabilityDegree(d.degree) if d.degree else None,
                reason=d.reason,
                on=date.fromisoformat(d.decided_on),
                revoked_on=_day(d.revoked_on),
                link=link_from(info, link, people) if link else None,
                stale=stale,
            )
        )
    return out


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
    rank: CadreRank | None = strawberry.field(description="only cases against cadres of this rank")
    submitted_for_approval: bool | None = strawberry.field(
        description="only 报批 cases (or only others)"
    )
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
    by_rank: list[StatisticsBucket] = strawberry.field(description="UNKNOWN where not recorded")
    by_source: list[StatisticsBucket] = strawberry.field(description="UNKNOWN where not recorded")


def statistics_for(info: Info, selection: case_rows.CaseFilter) -> CaseStatistics:
    assert selection.root_id is not None
    root = load_unit(info, selection.root_id, [])
    if root is None:
        raise NotFound(f"no unit {selection.root_id!r}")
    total, by = info.context.read(lambda tx: case_rows.statistics(tx, selection))

    def buckets(name: str) -> list[StatisticsBucket]:
        return [StatisticsBucket(key=b.key, count=b.count, share=b.share) for b in by[name]]

    return CaseStatistics(
        root_unit=root,
        from_=_day(selection.date_from),
        to=_day(selection.date_to),
        rank=CadreRank(selection.rank) if selection.rank else None,
        submitted_for_approval=selection.submitted_for_approval,
        total=total,
        by_category=buckets("category"),
        by_discovery=buckets("discovery"),
        by_form=buckets("form"),
        by_unit_kind=buckets("unit_kind"),
        by_rank=buckets("rank"),
        by_source=buckets("source"),
    )


# ---------------------------------------------------------------------- mutations


@strawberry.type
class CaseMutations:
    register_case = mutation(commands.RegisterCase)
    conclude_case = mutation(commands.ConcludeCase)
    correct_case = mutation(commands.CorrectCase)
    determine_accountability = mutation(commands.DetermineAccountability)
    determine_organisation_accountability = mutation(commands.DetermineOrganisationAccountability)
    revoke_accountability = mutation(commands.RevokeAccountability)
