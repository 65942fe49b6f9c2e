"""GraphQL types for evaluation cycles, with every point of a result explained."""

from __future__ import annotations

from datetime import date, datetime

import strawberry
from strawberry.types import Info

from ledger import commands
from ledger.api.cases import Case, DisciplineForm, cases_from
from ledger.api.inputs import graphql_enum
from ledger.api.mutations import mutation
from ledger.api.organisation import Unit, load_unit
from ledger.domain.labels import label
from ledger.domain.rules.evaluation import DEFAULT_VETO_FORMS, Line
from projections import evaluation as ev

Grade = graphql_enum("Grade")


EvaluationCycleStatus = graphql_enum("EvaluationCycleStatus")


@strawberry.type(description="One explained line of a result; deductions carry negative points.")
class ScoreLine:
    rule: str = strawberry.field(
        description="criterion code, deduction rule, or bonus rule that produced this line"
    )
    points: float
    reason: str
    case: Case | None


@strawberry.type(description="One unit's result in one cycle, with every point explained.")
class EvaluationResult:
    cycle: EvaluationCycle
    unit: Unit
    base_score: float
    criteria: list[ScoreLine] = strawberry.field(description="the recorded criterion scores")
    deductions: list[ScoreLine]
    bonuses: list[ScoreLine]
    total: float
    vetoed: bool = strawberry.field(
        description="一票否决: set when a veto applies; the grade is then FAIL whatever the total"
    )
    veto_reasons: list[ScoreLine]
    pending: list[ScoreLine] = strawberry.field(
        description="cases not yet concluded that would veto the unit if concluded in one of "
        "the cycle's vetoForms"
    )
    grade: Grade
    eligible_for_awards: bool = strawberry.field(description="评奖评先 — false when vetoed")
    rank: int | None
    reviewed_at: datetime | None = strawberry.field(
        description="when a review (复核) last re-derived this finalized result"
    )


@strawberry.type
class EvaluationCycle:
    id: strawberry.ID
    year: int
    title: str
    status: EvaluationCycleStatus
    period_from: date
    period_to: date
    passive_case_deduction: float
    veto_roles: list[str]
    veto_forms: list[DisciplineForm] = strawberry.field(
        description="forms with which a concluded case vetoes (一票否决)"
    )
    row: strawberry.Private[ev.CycleRow]

    @strawberry.field
    def units(self, info: Info) -> list[Unit]:
        visible = [u for u in self.row.unit_ids if info.context.in_scope(u)]
        return [load_unit(info, u, visible) for u in visible]

    @strawberry.field(
        description="points off per rectification overdue at the period's end (整改逾期), as "
        "chosen by `chooseOverdueRectificationRule` by `knownAt`; 0: no such rule"
    )
    def overdue_rectification_deduction(
        self, info: Info, known_at: datetime | None = None
    ) -> float:
        position = self.row.effective(info.context.position(known_at))
        return info.context.read(lambda tx: ev.overdue_rule(tx, self.row.cycle_id, position))

    @strawberry.field(
        description="points off per 六必谈 obligation overdue at the period's end (逾期未谈), as "
        "chosen by `chooseOverdueTalkRule` by `knownAt`; 0: no such rule"
    )
    def overdue_talk_deduction(self, info: Info, known_at: datetime | None = None) -> float:
        position = self.row.effective(info.context.position(known_at))
        return info.context.read(
            lambda tx: ev.overdue_rule(tx, self.row.cycle_id, position, "OVERDUE_TALK")
        )

    @strawberry.field
    def results(self, info: Info, known_at: datetime | None = None) -> list[EvaluationResult]:
        return results_for(info, self.row.cycle_id, known_at)


def cycle_from(row: ev.CycleRow) -> EvaluationCycle:
    return EvaluationCycle(
        id=strawberry.ID(row.cycle_id),
        year=row.year,
        title=row.title,
        status=EvaluationCycleStatus.FINALIZED if row.finalized_at else EvaluationCycleStatus.OPEN,
        period_from=date.fromisoformat(row.period_from),
        period_to=date.fromisoformat(row.period_to),
        passive_case_deduction=row.rules["passive_case_deduction"],
        veto_roles=row.rules["veto_roles"],
        veto_forms=[DisciplineForm(f) for f in row.rules.get("veto_forms", DEFAULT_VETO_FORMS)],
        row=row,
    )


def _instant(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def load_cycle(info: Info, cycle_id: str, known_at: datetime | None = None) -> ev.CycleRow | None:
    position = info.context.position(known_at)
    return info.context.read(lambda tx: ev.cycle(tx, cycle_id, position))


def results_for(info: Info, cycle_id: str, known_at: datetime | None) -> list[EvaluationResult]:
    ctx = info.context
    position = ctx.position(known_at)

    def compute(tx, ids):
        row = ev.cycle(tx, cycle_id, position)
        return {cycle_id: (row, ev.results(tx, row, position)) if row else None}

    # One computation per request, however often the document asks (results → cycle → ...).
    found = ctx.batch("results", (position,), [], cycle_id, compute)
    if found is None:
        return []
    row, computed = found
    ranked, cases = computed.ranked, computed.cases
    cycle = cycle_from(row)
    bands = row.rules["grade_bands"]
    case_objects = {
        c.case_id: obj
        for c, obj in zip(cases.values(), cases_from(list(cases.values())), strict=True)
    }

    personal = ctx.may_see_personal()

    def shown(case_id: str | None) -> bool:
        """A case a line names is shown only to a token whose units hold it."""
        case = cases.get(case_id) if case_id else None
        return case is not None and ctx.in_scope(case.unit_id)

    def reason(x: Line) -> str:
        """A line about a case (one a rule derived, or one written by hand naming it) speaks
        of its subject or its facts: personal case data, in the access log. Others read the
        rule and the case, without who or what; the case only when it is in their scope."""
        if x.obligation_id is not None:  # 六必谈逾期: names the person and why a talk was due
            if personal:
                ctx.access(x.obligation_id)
                return x.reason
            return label("ScoreRule", x.rule)
        if x.case_id is None:
            return x.reason
        if not shown(x.case_id):
            return label("ScoreRule", x.rule)
        if personal:
            ctx.access(x.case_id)
            return x.reason
        return f"{label('ScoreRule', x.rule)}（案件 {x.case_id}）"

    def lines(found: list[Line]) -> list[ScoreLine]:
        return [
            ScoreLine(
                rule=x.rule,
                points=x.points,
                reason=reason(x),
                case=case_objects.get(x.case_id) if shown(x.case_id) else None,
            )
            for x in found
        ]

    return [
        EvaluationResult(
            cycle=cycle,
            unit=load_unit(info, r.unit_id, row.unit_ids),
            base_score=r.base,
            criteria=lines(r.criteria),
            deductions=lines(r.deductions),
            bonuses=lines(r.bonuses),
            total=r.total,
            vetoed=r.vetoed,
            veto_reasons=lines(r.vetoes),
            pending=lines(r.pending),
            grade=Grade(r.grade(bands)),
            eligible_for_awards=r.grade(bands) != "FAIL",
            rank=r.rank,
            reviewed_at=_instant(computed.reviewed_at.get(r.unit_id)),
        )
        for r in ranked
        if ctx.in_scope(r.unit_id)  # a scoped token sees its units' results (ranks as computed)
    ]


# ---------------------------------------------------------------------- mutations


@strawberry.type
class EvaluationMutations:
    open_evaluation_cycle = mutation(commands.OpenEvaluationCycle)
    record_score = mutation(commands.RecordScore)
    deduct_score = mutation(commands.DeductScore)
    add_bonus = mutation(commands.AddBonus)
    apply_veto = mutation(commands.ApplyVeto)
    finalize_evaluation_cycle = mutation(commands.FinalizeEvaluationCycle)
    review_evaluation_result = mutation(commands.ReviewEvaluationResult)
    choose_overdue_rectification_rule = mutation(commands.ChooseOverdueRectificationRule)
    choose_overdue_talk_rule = mutation(commands.ChooseOverdueTalkRule)
