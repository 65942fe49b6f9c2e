"""Mutations: each one authorises the caller, runs one command, and waits for the read models.

Every mutation returns the id it acted on and the ledger position of its last event; a
client that reads right after sees its own write (the mutation returns only once the
projections have applied that position, up to LEDGER_READ_YOUR_WRITES_TIMEOUT).
"""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry.types import Info

from ledger.api.cases import AccountabilityMeasure, DisciplineForm, Discovery, ViolationCategory
from ledger.api.organisation import PostRole, UnitKind
from ledger.api.responsibility import ResponsibilityArea, ResponsibilityKind


@strawberry.type
class MutationResult:
    id: strawberry.ID
    position: int


@strawberry.input
class RegisterUnitInput:
    id: strawberry.ID
    name: str
    kind: UnitKind
    parent_id: strawberry.ID | None = None
    short_name: str | None = strawberry.field(default=None, description="简称, e.g. 省发改委")
    idempotency_key: str | None = None


@strawberry.input
class RegisterPersonInput:
    id: strawberry.ID
    name: str
    idempotency_key: str | None = None


@strawberry.input
class AssumePostInput:
    person_id: strawberry.ID
    unit_id: strawberry.ID
    role: PostRole
    from_: date = strawberry.field(name="from")
    idempotency_key: str | None = None


@strawberry.input
class LeavePostInput:
    person_id: strawberry.ID
    unit_id: strawberry.ID
    role: PostRole
    to: date
    idempotency_key: str | None = None


@strawberry.input
class AssignResponsibilityInput:
    id: strawberry.ID
    holder_id: strawberry.ID
    kind: ResponsibilityKind
    area: ResponsibilityArea
    title: str
    scope_unit_ids: list[strawberry.ID]
    valid_from: date
    valid_to: date | None = None
    idempotency_key: str | None = None


@strawberry.input(
    description="Hand an item over (rotation, 轮岗): the old holder's validity ends the day "
    "before `effective`."
)
class TransferResponsibilityInput:
    item_id: strawberry.ID
    to_holder_id: strawberry.ID
    effective: date
    idempotency_key: str | None = None


@strawberry.input
class EndResponsibilityInput:
    item_id: strawberry.ID
    valid_to: date
    idempotency_key: str | None = None


@strawberry.input
class HolderPeriodInput:
    holder_id: strawberry.ID
    from_: date = strawberry.field(name="from")
    to: date | None = None


@strawberry.input(
    description="Restate who held an item and when (the whole holder timeline of the item)."
)
class CorrectResponsibilityInput:
    item_id: strawberry.ID
    periods: list[HolderPeriodInput]
    reason: str
    idempotency_key: str | None = None


@strawberry.input(
    description="Restate the dates of a post, found by person, unit, role and its recorded start."
)
class CorrectPostInput:
    person_id: strawberry.ID
    unit_id: strawberry.ID
    role: PostRole
    original_from: date
    from_: date = strawberry.field(name="from")
    to: date | None = None
    reason: str = ""
    idempotency_key: str | None = None


def app(ctx):
    """The write side, for reading an entity's own units in scope checks."""
    return ctx.ledger.app


def _result(r) -> MutationResult:
    return MutationResult(id=strawberry.ID(r.id), position=r.position)


def _iso(d: date | None) -> str | None:
    return None if d is None else d.isoformat()


@strawberry.type
class OrganisationMutations:
    @strawberry.mutation
    def register_unit(self, info: Info, input: RegisterUnitInput) -> MutationResult:
        ctx = info.context
        ctx.check_scope("registerUnit", [input.parent_id] if input.parent_id else [])
        return _result(
            ctx.command(
                "registerUnit",
                input.idempotency_key,
                lambda s: ctx.ledger.app.register_unit(
                    s,
                    id=input.id,
                    name=input.name,
                    kind=input.kind.value,
                    parent_id=input.parent_id,
                    short_name=input.short_name,
                ),
            )
        )

    @strawberry.mutation
    def register_person(self, info: Info, input: RegisterPersonInput) -> MutationResult:
        ctx = info.context
        return _result(
            ctx.command(
                "registerPerson",
                input.idempotency_key,
                lambda s: ctx.ledger.app.register_person(s, id=input.id, name=input.name),
            )
        )

    @strawberry.mutation
    def assume_post(self, info: Info, input: AssumePostInput) -> MutationResult:
        ctx = info.context
        ctx.check_scope("assumePost", [input.unit_id])
        return _result(
            ctx.command(
                "assumePost",
                input.idempotency_key,
                lambda s: ctx.ledger.app.assume_post(
                    s,
                    person_id=input.person_id,
                    unit_id=input.unit_id,
                    role=input.role.value,
                    valid_from=input.from_.isoformat(),
                ),
            )
        )

    @strawberry.mutation
    def leave_post(self, info: Info, input: LeavePostInput) -> MutationResult:
        ctx = info.context
        ctx.check_scope("leavePost", [input.unit_id])
        return _result(
            ctx.command(
                "leavePost",
                input.idempotency_key,
                lambda s: ctx.ledger.app.leave_post(
                    s,
                    person_id=input.person_id,
                    unit_id=input.unit_id,
                    role=input.role.value,
                    valid_to=input.to.isoformat(),
                ),
            )
        )

    @strawberry.mutation
    def correct_post(self, info: Info, input: CorrectPostInput) -> MutationResult:
        ctx = info.context
        ctx.check_scope("correctPost", [input.unit_id])
        return _result(
            ctx.command(
                "correctPost",
                input.idempotency_key,
                lambda s: ctx.ledger.app.correct_post(
                    s,
                    person_id=input.person_id,
                    unit_id=input.unit_id,
                    role=input.role.value,
                    original_from=input.original_from.isoformat(),
                    valid_from=input.from_.isoformat(),
                    valid_to=_iso(input.to),
                    reason=input.reason,
                ),
            )
        )

    @strawberry.mutation
    def assign_responsibility(self, info: Info, input: AssignResponsibilityInput) -> MutationResult:
        ctx = info.context
        ctx.check_scope("assignResponsibility", list(input.scope_unit_ids))
        return _result(
            ctx.command(
                "assignResponsibility",
                input.idempotency_key,
                lambda s: ctx.ledger.app.assign_responsibility(
                    s,
                    id=input.id,
                    holder_id=input.holder_id,
                    kind=input.kind.value,
                    area=input.area.value,
                    title=input.title,
                    scope_unit_ids=list(input.scope_unit_ids),
                    valid_from=input.valid_from.isoformat(),
                    valid_to=_iso(input.valid_to),
                ),
            )
        )

    @strawberry.mutation
    def transfer_responsibility(
        self, info: Info, input: TransferResponsibilityInput
    ) -> MutationResult:
        ctx = info.context
        ctx.check_entity_scope(
            "transferResponsibility", lambda: app(ctx).item(input.item_id).scope_unit_ids
        )
        return _result(
            ctx.command(
                "transferResponsibility",
                input.idempotency_key,
                lambda s: ctx.ledger.app.transfer_responsibility(
                    s,
                    item_id=input.item_id,
                    to_holder_id=input.to_holder_id,
                    effective=input.effective.isoformat(),
                ),
            )
        )

    @strawberry.mutation
    def end_responsibility(self, info: Info, input: EndResponsibilityInput) -> MutationResult:
        ctx = info.context
        ctx.check_entity_scope(
            "endResponsibility", lambda: app(ctx).item(input.item_id).scope_unit_ids
        )
        return _result(
            ctx.command(
                "endResponsibility",
                input.idempotency_key,
                lambda s: ctx.ledger.app.end_responsibility(
                    s, item_id=input.item_id, valid_to=input.valid_to.isoformat()
                ),
            )
        )

    @strawberry.mutation
    def correct_responsibility(
        self, info: Info, input: CorrectResponsibilityInput
    ) -> MutationResult:
        ctx = info.context
        ctx.check_entity_scope(
            "correctResponsibility", lambda: app(ctx).item(input.item_id).scope_unit_ids
        )
        return _result(
            ctx.command(
                "correctResponsibility",
                input.idempotency_key,
                lambda s: ctx.ledger.app.correct_responsibility(
                    s,
                    item_id=input.item_id,
                    reason=input.reason,
                    periods=[
                        {
                            "holder_id": p.holder_id,
                            "valid_from": p.from_.isoformat(),
                            "valid_to": _iso(p.to),
                        }
                        for p in input.periods
                    ],
                ),
            )
        )


@strawberry.input
class RegisterCaseInput:
    id: strawberry.ID
    unit_id: strawberry.ID
    subject_id: strawberry.ID
    category: ViolationCategory
    discovery: Discovery
    facts_on: date
    registered_on: date
    summary: str
    facts_until: date | None = None
    idempotency_key: str | None = None


@strawberry.input
class ConcludeCaseInput:
    case_id: strawberry.ID
    form: DisciplineForm
    decision: str
    on: date
    idempotency_key: str | None = None


@strawberry.input
class CorrectCaseInput:
    case_id: strawberry.ID
    unit_id: strawberry.ID
    facts_on: date
    reason: str
    facts_until: date | None = None
    idempotency_key: str | None = None


@strawberry.input
class DetermineAccountabilityInput:
    case_id: strawberry.ID
    person_id: strawberry.ID
    measure: AccountabilityMeasure
    reason: str
    on: date
    idempotency_key: str | None = None


@strawberry.type
class CaseMutations:
    @strawberry.mutation
    def register_case(self, info: Info, input: RegisterCaseInput) -> MutationResult:
        ctx = info.context
        ctx.check_scope("registerCase", [input.unit_id])
        return _result(
            ctx.command(
                "registerCase",
                input.idempotency_key,
                lambda s: ctx.ledger.app.register_case(
                    s,
                    id=input.id,
                    unit_id=input.unit_id,
                    subject_id=input.subject_id,
                    category=input.category.value,
                    discovery=input.discovery.value,
                    facts_on=input.facts_on.isoformat(),
                    facts_until=_iso(input.facts_until),
                    registered_on=input.registered_on.isoformat(),
                    summary=input.summary,
                ),
            )
        )

    @strawberry.mutation
    def conclude_case(self, info: Info, input: ConcludeCaseInput) -> MutationResult:
        ctx = info.context
        ctx.check_entity_scope("concludeCase", lambda: [app(ctx).case(input.case_id).unit_id])
        return _result(
            ctx.command(
                "concludeCase",
                input.idempotency_key,
                lambda s: ctx.ledger.app.conclude_case(
                    s,
                    case_id=input.case_id,
                    form=input.form.value,
                    decision=input.decision,
                    on=input.on.isoformat(),
                ),
            )
        )

    @strawberry.mutation
    def correct_case(self, info: Info, input: CorrectCaseInput) -> MutationResult:
        ctx = info.context
        ctx.check_entity_scope(
            "correctCase", lambda: [app(ctx).case(input.case_id).unit_id, input.unit_id]
        )
        return _result(
            ctx.command(
                "correctCase",
                input.idempotency_key,
                lambda s: ctx.ledger.app.correct_case(
                    s,
                    case_id=input.case_id,
                    unit_id=input.unit_id,
                    facts_on=input.facts_on.isoformat(),
                    facts_until=_iso(input.facts_until),
                    reason=input.reason,
                ),
            )
        )

    @strawberry.mutation
    def determine_accountability(
        self, info: Info, input: DetermineAccountabilityInput
    ) -> MutationResult:
        ctx = info.context
        ctx.check_entity_scope(
            "determineAccountability", lambda: [app(ctx).case(input.case_id).unit_id]
        )
        return _result(
            ctx.command(
                "determineAccountability",
                input.idempotency_key,
                lambda s: ctx.ledger.app.determine_accountability(
                    s,
                    case_id=input.case_id,
                    person_id=input.person_id,
                    measure=input.measure.value,
                    reason=input.reason,
                    on=input.on.isoformat(),
                ),
            )
        )


@strawberry.input
class TaskInput:
    id: strawberry.ID
    title: str
    area: ResponsibilityArea
    deadline: date


@strawberry.input
class IssueTaskLetterInput:
    id: strawberry.ID
    number: str
    title: str
    issuer_id: strawberry.ID
    recipient_id: strawberry.ID
    issued_on: date
    tasks: list[TaskInput]
    idempotency_key: str | None = None


@strawberry.input
class AcknowledgeTaskLetterInput:
    letter_id: strawberry.ID
    person_id: strawberry.ID
    on: date
    idempotency_key: str | None = None


@strawberry.input
class ReportTaskProgressInput:
    letter_id: strawberry.ID
    task_id: strawberry.ID
    percent: int
    note: str
    on: date
    idempotency_key: str | None = None


@strawberry.input(description="Restate a task's progress, backwards if need be, with a reason.")
class CorrectTaskProgressInput:
    letter_id: strawberry.ID
    task_id: strawberry.ID
    percent: int
    reason: str
    idempotency_key: str | None = None


@strawberry.input
class CompleteTaskInput:
    letter_id: strawberry.ID
    task_id: strawberry.ID
    on: date
    evidence: str
    idempotency_key: str | None = None


@strawberry.input
class WithdrawTaskLetterInput:
    letter_id: strawberry.ID
    on: date
    reason: str
    idempotency_key: str | None = None


@strawberry.type
class LetterMutations:
    @strawberry.mutation
    def issue_task_letter(self, info: Info, input: IssueTaskLetterInput) -> MutationResult:
        ctx = info.context
        ctx.check_scope("issueTaskLetter", [input.issuer_id])
        return _result(
            ctx.command(
                "issueTaskLetter",
                input.idempotency_key,
                lambda s: ctx.ledger.app.issue_task_letter(
                    s,
                    id=input.id,
                    number=input.number,
                    title=input.title,
                    issuer_id=input.issuer_id,
                    recipient_id=input.recipient_id,
                    issued_on=input.issued_on.isoformat(),
                    tasks=[
                        {
                            "task_id": t.id,
                            "title": t.title,
                            "area": t.area.value,
                            "deadline": t.deadline.isoformat(),
                        }
                        for t in input.tasks
                    ],
                ),
            )
        )

    @strawberry.mutation
    def acknowledge_task_letter(
        self, info: Info, input: AcknowledgeTaskLetterInput
    ) -> MutationResult:
        ctx = info.context
        ctx.check_entity_scope(
            "acknowledgeTaskLetter", lambda: [app(ctx).letter(input.letter_id).recipient_id]
        )
        return _result(
            ctx.command(
                "acknowledgeTaskLetter",
                input.idempotency_key,
                lambda s: ctx.ledger.app.acknowledge_task_letter(
                    s, letter_id=input.letter_id, person_id=input.person_id, on=input.on.isoformat()
                ),
            )
        )

    @strawberry.mutation
    def report_task_progress(self, info: Info, input: ReportTaskProgressInput) -> MutationResult:
        ctx = info.context
        ctx.check_entity_scope(
            "reportTaskProgress", lambda: [app(ctx).letter(input.letter_id).recipient_id]
        )
        return _result(
            ctx.command(
                "reportTaskProgress",
                input.idempotency_key,
                lambda s: ctx.ledger.app.report_task_progress(
                    s,
                    letter_id=input.letter_id,
                    task_id=input.task_id,
                    percent=input.percent,
                    note=input.note,
                    on=input.on.isoformat(),
                ),
            )
        )

    @strawberry.mutation
    def correct_task_progress(self, info: Info, input: CorrectTaskProgressInput) -> MutationResult:
        ctx = info.context
        ctx.check_entity_scope(
            "correctTaskProgress", lambda: [app(ctx).letter(input.letter_id).recipient_id]
        )
        return _result(
            ctx.command(
                "correctTaskProgress",
                input.idempotency_key,
                lambda s: ctx.ledger.app.correct_task_progress(
                    s,
                    letter_id=input.letter_id,
                    task_id=input.task_id,
                    percent=input.percent,
                    reason=input.reason,
                ),
            )
        )

    @strawberry.mutation
    def complete_task(self, info: Info, input: CompleteTaskInput) -> MutationResult:
        ctx = info.context
        ctx.check_entity_scope(
            "completeTask", lambda: [app(ctx).letter(input.letter_id).recipient_id]
        )
        return _result(
            ctx.command(
                "completeTask",
                input.idempotency_key,
                lambda s: ctx.ledger.app.complete_task(
                    s,
                    letter_id=input.letter_id,
                    task_id=input.task_id,
                    on=input.on.isoformat(),
                    evidence=input.evidence,
                ),
            )
        )

    @strawberry.mutation
    def withdraw_task_letter(self, info: Info, input: WithdrawTaskLetterInput) -> MutationResult:
        ctx = info.context
        ctx.check_entity_scope(
            "withdrawTaskLetter", lambda: [app(ctx).letter(input.letter_id).issuer_id]
        )
        return _result(
            ctx.command(
                "withdrawTaskLetter",
                input.idempotency_key,
                lambda s: ctx.ledger.app.withdraw_task_letter(
                    s, letter_id=input.letter_id, on=input.on.isoformat(), reason=input.reason
                ),
            )
        )


@strawberry.input
class CriterionInput:
    code: str
    title: str
    max_points: float


@strawberry.input(description="Grade thresholds (defaults: EXCELLENT 90, GOOD 80, PASS 60).")
class GradeBandsInput:
    excellent: float = 90.0
    good: float = 80.0
    pass_: float = strawberry.field(name="pass", default=60.0)


@strawberry.input
class OpenEvaluationCycleInput:
    id: strawberry.ID
    year: int
    title: str
    period_from: date
    period_to: date
    unit_ids: list[strawberry.ID]
    criteria: list[CriterionInput]
    passive_case_deduction: float = strawberry.field(
        default=2.0,
        description="points deducted for each PASSIVE case registered in the period against a unit",
    )
    veto_roles: list[PostRole] | None = strawberry.field(
        default=None,
        description="post roles whose holder's case vetoes the unit (default: "
        "PRINCIPAL, TEAM_MEMBER, DISCIPLINE_SECRETARY, UNIT_HEAD)",
    )
    grade_bands: GradeBandsInput | None = None
    idempotency_key: str | None = None


@strawberry.input
class RecordScoreInput:
    cycle_id: strawberry.ID
    unit_id: strawberry.ID
    criterion: str
    points: float
    idempotency_key: str | None = None


@strawberry.input
class AdjustScoreInput:
    cycle_id: strawberry.ID
    unit_id: strawberry.ID
    points: float
    reason: str
    case_id: strawberry.ID | None = None
    idempotency_key: str | None = None


@strawberry.input
class ApplyVetoInput:
    cycle_id: strawberry.ID
    unit_id: strawberry.ID
    reason: str
    case_id: strawberry.ID | None = None
    idempotency_key: str | None = None


@strawberry.input
class FinalizeEvaluationCycleInput:
    cycle_id: strawberry.ID
    idempotency_key: str | None = None


@strawberry.type
class EvaluationMutations:
    @strawberry.mutation
    def open_evaluation_cycle(self, info: Info, input: OpenEvaluationCycleInput) -> MutationResult:
        ctx = info.context
        ctx.check_scope("openEvaluationCycle", list(input.unit_ids))
        bands = input.grade_bands
        return _result(
            ctx.command(
                "openEvaluationCycle",
                input.idempotency_key,
                lambda s: ctx.ledger.app.open_evaluation_cycle(
                    s,
                    id=input.id,
                    year=input.year,
                    title=input.title,
                    period_from=input.period_from.isoformat(),
                    period_to=input.period_to.isoformat(),
                    unit_ids=list(input.unit_ids),
                    criteria=[
                        {"code": c.code, "title": c.title, "max_points": c.max_points}
                        for c in input.criteria
                    ],
                    passive_case_deduction=input.passive_case_deduction,
                    veto_roles=[r.value for r in input.veto_roles]
                    if input.veto_roles is not None
                    else None,
                    grade_bands={
                        "EXCELLENT": bands.excellent,
                        "GOOD": bands.good,
                        "PASS": bands.pass_,
                    }
                    if bands
                    else None,
                ),
            )
        )

    @strawberry.mutation
    def record_score(self, info: Info, input: RecordScoreInput) -> MutationResult:
        ctx = info.context
        ctx.check_scope("recordScore", [input.unit_id])
        return _result(
            ctx.command(
                "recordScore",
                input.idempotency_key,
                lambda s: ctx.ledger.app.record_score(
                    s,
                    cycle_id=input.cycle_id,
                    unit_id=input.unit_id,
                    criterion=input.criterion,
                    points=input.points,
                ),
            )
        )

    @strawberry.mutation
    def deduct_score(self, info: Info, input: AdjustScoreInput) -> MutationResult:
        ctx = info.context
        ctx.check_scope("deductScore", [input.unit_id])
        return _result(
            ctx.command(
                "deductScore",
                input.idempotency_key,
                lambda s: ctx.ledger.app.deduct_score(
                    s,
                    cycle_id=input.cycle_id,
                    unit_id=input.unit_id,
                    points=input.points,
                    reason=input.reason,
                    case_id=input.case_id,
                ),
            )
        )

    @strawberry.mutation
    def add_bonus(self, info: Info, input: AdjustScoreInput) -> MutationResult:
        ctx = info.context
        ctx.check_scope("addBonus", [input.unit_id])
        return _result(
            ctx.command(
                "addBonus",
                input.idempotency_key,
                lambda s: ctx.ledger.app.add_bonus(
                    s,
                    cycle_id=input.cycle_id,
                    unit_id=input.unit_id,
                    points=input.points,
                    reason=input.reason,
                    case_id=input.case_id,
                ),
            )
        )

    @strawberry.mutation
    def apply_veto(self, info: Info, input: ApplyVetoInput) -> MutationResult:
        ctx = info.context
        ctx.check_scope("applyVeto", [input.unit_id])
        return _result(
            ctx.command(
                "applyVeto",
                input.idempotency_key,
                lambda s: ctx.ledger.app.apply_veto(
                    s,
                    cycle_id=input.cycle_id,
                    unit_id=input.unit_id,
                    reason=input.reason,
                    case_id=input.case_id,
                ),
            )
        )

    @strawberry.mutation
    def finalize_evaluation_cycle(
        self, info: Info, input: FinalizeEvaluationCycleInput
    ) -> MutationResult:
        ctx = info.context
        ctx.check_entity_scope(
            "finalizeEvaluationCycle", lambda: app(ctx).cycle(input.cycle_id).unit_ids
        )
        return _result(
            ctx.command(
                "finalizeEvaluationCycle",
                input.idempotency_key,
                lambda s: ctx.ledger.app.finalize_evaluation_cycle(s, cycle_id=input.cycle_id),
            )
        )
