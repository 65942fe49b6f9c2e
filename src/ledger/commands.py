"""Commands: one frozen dataclass per mutation, in the domain's words.

A command is what a caller asks the ledger to do, as plain data: ids, ISO dates, enum
values as strings. The GraphQL input of a mutation turns into its command in one step
(`ledger.api.mutations.command_from`), the demo and the benchmarks build commands directly,
and `LedgerApplication.execute` runs any of them the same way: fingerprint (idempotency),
authorise (`ledger.permissions`), decide (the handler table), save, wait for read models.

The mutation's name is the class name in camelCase (`RegisterUnit` -> `registerUnit`).
A field's name on the wire is its own name in camelCase unless `wire("...")` says otherwise
(`valid_from` travels as `from`); the fingerprint of a command is taken over those names, so
that a retried request is recognised whatever the client's field order.

The GraphQL input type of each command is built from its dataclass (`ledger.api.inputs`):
the field helpers below say what GraphQL needs beyond the Python type.

Adding a command: a dataclass here, a handler in `ledger.application`, a row in
`ledger.permissions.WRITES`, and a one-line mutation in its feature's `ledger.api` module.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, ClassVar

from strawberry.utils.str_converters import to_camel_case


def spec(
    graphql: str | None = None,
    *,
    wire: str | None = None,
    default: Any = dataclasses.MISSING,
    about: str | None = None,
) -> Any:
    """A command field with what its GraphQL input field needs to know: its GraphQL type
    when not plain (`ID`, `Date`, an enum's name), its name on the wire when not its
    camelCase, its default and its description."""
    metadata = {"graphql": graphql, "wire": wire, "about": about}
    return field(default=default, metadata=metadata)


def ref(**kw: Any) -> Any:
    """The id of an entity (GraphQL `ID`)."""
    return spec("ID", **kw)


def day(**kw: Any) -> Any:
    """A valid-time date, carried as an ISO string (GraphQL `Date`)."""
    return spec("Date", **kw)


def one_of(enum: str, **kw: Any) -> Any:
    """One value of a GraphQL enum, carried as its name."""
    return spec(enum, **kw)


def wire_name(f: dataclasses.Field) -> str:
    return f.metadata.get("wire") or to_camel_case(f.name)


@dataclass(frozen=True)
class Command:
    """Base of every command; subclasses are frozen dataclasses of plain values.

    `INPUT` names the GraphQL input type (default: the class name + "Input"), `ABOUT` its
    description; both are read by `ledger.api.inputs`, which builds the input types.
    """

    INPUT: ClassVar[str | None] = None
    ABOUT: ClassVar[str | None] = None

    @classmethod
    def mutation(cls) -> str:
        """The GraphQL mutation (and idempotency) name: the class name in camelCase."""
        return cls.__name__[0].lower() + cls.__name__[1:]

    def wire(self) -> dict[str, Any]:
        """The command as its request carried it: wire names at the top, plain values."""
        return {
            wire_name(f): _plain(getattr(self, f.name))
            for f in dataclasses.fields(self)  # type: ignore[arg-type]
        }

    def fingerprint(self) -> str:
        """Same request, same fingerprint: what an idempotency key is checked against."""
        payload = json.dumps([self.mutation(), self.wire()], sort_keys=True, default=str)
        return hashlib.sha256(payload.encode()).hexdigest()


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value):
        return dataclasses.asdict(value)  # type: ignore[arg-type]
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


# ---------------------------------------------------------------------- organisation


@dataclass(frozen=True)
class RegisterUnit(Command):
    id: str = ref()
    name: str = spec()
    kind: str = one_of("UnitKind")
    parent_id: str | None = ref(default=None)
    short_name: str | None = spec(default=None, about="简称, e.g. 省发改委")


@dataclass(frozen=True)
class RegisterPerson(Command):
    id: str = ref()
    name: str = spec()


@dataclass(frozen=True)
class AssumePost(Command):
    person_id: str = ref()
    unit_id: str = ref()
    role: str = one_of("PostRole")
    valid_from: str = day(wire="from")


@dataclass(frozen=True)
class LeavePost(Command):
    person_id: str = ref()
    unit_id: str = ref()
    role: str = one_of("PostRole")
    valid_to: str = day(wire="to")


@dataclass(frozen=True)
class CorrectPost(Command):
    ABOUT = "Restate the dates of a post, found by person, unit, role and its recorded start."
    person_id: str = ref()
    unit_id: str = ref()
    role: str = one_of("PostRole")
    original_from: str = day()
    valid_from: str = day(wire="from")
    valid_to: str | None = day(wire="to", default=None)
    reason: str = spec(default="")


# ---------------------------------------------------------------------- responsibility


@dataclass(frozen=True)
class AssignResponsibility(Command):
    id: str = ref()
    holder_id: str = ref()
    kind: str = one_of("ResponsibilityKind")
    area: str = one_of("ResponsibilityArea")
    title: str = spec()
    scope_unit_ids: tuple[str, ...] = ref()
    valid_from: str = day()
    valid_to: str | None = day(default=None)


@dataclass(frozen=True)
class TransferResponsibility(Command):
    ABOUT = (
        "Hand an item over to another holder (调整分工, e.g. after a 轮岗 of posts): the old "
        "holder's validity ends the day before `effective`."
    )
    item_id: str = ref()
    to_holder_id: str = ref()
    effective: str = day()


@dataclass(frozen=True)
class EndResponsibility(Command):
    item_id: str = ref()
    valid_to: str = day()


@dataclass(frozen=True)
class HolderPeriod:
    INPUT: ClassVar[str] = "HolderPeriodInput"
    holder_id: str = ref()
    valid_from: str = day(wire="from")
    valid_to: str | None = day(wire="to", default=None)


@dataclass(frozen=True)
class CorrectResponsibility(Command):
    ABOUT = "Restate who held an item and when (the whole holder timeline of the item)."
    item_id: str = ref()
    periods: tuple[HolderPeriod, ...] = spec()
    reason: str = spec()


# ---------------------------------------------------------------------- cases, 一案双查


@dataclass(frozen=True)
class RegisterCase(Command):
    id: str = ref()
    unit_id: str = ref()
    subject_id: str = ref()
    category: str = one_of("ViolationCategory")
    discovery: str = one_of("Discovery")
    facts_on: str = day()
    registered_on: str = day()
    summary: str = spec()
    facts_until: str | None = day(default=None)
    source: str | None = one_of("CaseSource", default=None)
    subject_rank: str | None = one_of("CadreRank", default=None)
    submitted_for_approval: bool | None = spec(default=False)


@dataclass(frozen=True)
class ConcludeCase(Command):
    case_id: str = ref()
    form: str = one_of("DisciplineForm")
    decision: str = spec()
    on: str = day()


@dataclass(frozen=True)
class CorrectCase(Command):
    case_id: str = ref()
    unit_id: str = ref()
    facts_on: str = day()
    reason: str = spec()
    facts_until: str | None = day(default=None)


@dataclass(frozen=True)
class DetermineAccountability(Command):
    """问责决定 on a person in the case's chain: `measure`, and `measures` decided with it."""

    case_id: str = ref()
    person_id: str = ref()
    measure: str = one_of("AccountabilityMeasure")
    reason: str = spec()
    on: str = day()
    measures: tuple[str, ...] | None = one_of(
        "AccountabilityMeasure",
        default=None,
        about="further measures decided together with `measure` (e.g. 诫勉 and 组织调整)",
    )
    degree: str | None = one_of("AccountabilityDegree", default=None)


@dataclass(frozen=True)
class DetermineOrganisationAccountability(Command):
    """党组织问责: a decision on a party organisation on the chain's path."""

    case_id: str = ref()
    unit_id: str = ref(about="a party organisation on the chain's path")
    measure: str = one_of("AccountabilityMeasure")
    reason: str = spec()
    on: str = day()


@dataclass(frozen=True)
class RevokeAccountability(Command):
    decision_id: str = ref()
    reason: str = spec()
    on: str = day()


# ---------------------------------------------------------------------- task letters


@dataclass(frozen=True)
class TaskSpec:
    INPUT: ClassVar[str] = "TaskInput"
    task_id: str = ref(wire="id")
    title: str = spec()
    area: str = one_of("ResponsibilityArea")
    deadline: str = day()


@dataclass(frozen=True)
class IssueTaskLetter(Command):
    id: str = ref()
    number: str = spec()
    title: str = spec()
    issuer_id: str = ref()
    recipient_id: str = ref()
    issued_on: str = day()
    tasks: tuple[TaskSpec, ...] = spec()


@dataclass(frozen=True)
class AcknowledgeTaskLetter(Command):
    letter_id: str = ref()
    person_id: str = ref()
    on: str = day()


@dataclass(frozen=True)
class ReportTaskProgress(Command):
    letter_id: str = ref()
    task_id: str = ref()
    percent: int = spec()
    note: str = spec()
    on: str = day()


@dataclass(frozen=True)
class CorrectTaskProgress(Command):
    ABOUT = "Restate a task's progress, backwards if need be, with a reason."
    letter_id: str = ref()
    task_id: str = ref()
    percent: int = spec()
    reason: str = spec()


@dataclass(frozen=True)
class CompleteTask(Command):
    letter_id: str = ref()
    task_id: str = ref()
    on: str = day()
    evidence: str = spec()


@dataclass(frozen=True)
class WithdrawTaskLetter(Command):
    letter_id: str = ref()
    on: str = day()
    reason: str = spec()


# ---------------------------------------------------------------------- evaluation


@dataclass(frozen=True)
class Criterion:
    INPUT: ClassVar[str] = "CriterionInput"
    code: str = spec()
    title: str = spec()
    max_points: float = spec()


@dataclass(frozen=True)
class GradeBands:
    INPUT: ClassVar[str] = "GradeBandsInput"
    ABOUT: ClassVar[str] = "Grade thresholds (defaults: EXCELLENT 90, GOOD 80, PASS 60)."
    excellent: float = spec(default=90.0)
    good: float = spec(default=80.0)
    pass_: float = spec(wire="pass", default=60.0)

    def thresholds(self) -> dict[str, float]:
        return {"EXCELLENT": self.excellent, "GOOD": self.good, "PASS": self.pass_}


@dataclass(frozen=True)
class OpenEvaluationCycle(Command):
    id: str = ref()
    year: int = spec()
    title: str = spec()
    period_from: str = day()
    period_to: str = day()
    unit_ids: tuple[str, ...] = ref()
    criteria: tuple[Criterion, ...] = spec()
    passive_case_deduction: float = spec(
        default=2.0,
        about="points deducted for each PASSIVE case registered in the period against a unit",
    )
    veto_roles: tuple[str, ...] | None = one_of(
        "PostRole",
        default=None,
        about="post roles whose holder's case vetoes the unit (default: "
        "PRINCIPAL, TEAM_MEMBER, DISCIPLINE_SECRETARY, UNIT_HEAD)",
    )
    grade_bands: GradeBands | None = spec(default=None)
    veto_forms: tuple[str, ...] | None = one_of(
        "DisciplineForm",
        default=None,
        about="forms with which a concluded case vetoes (default SECOND, THIRD, FOURTH: a "
        "党纪政务处分 or more, or a transfer to judicial organs). A case not yet concluded, or "
        "concluded in another form, does not veto; it shows under `pending`.",
    )


@dataclass(frozen=True)
class RecordScore(Command):
    cycle_id: str = ref()
    unit_id: str = ref()
    criterion: str = spec()
    points: float = spec()


@dataclass(frozen=True)
class ScoreAdjustment(Command):
    """Points taken off or added by hand, with a reason (and the case it follows from)."""

    INPUT = "AdjustScoreInput"
    cycle_id: str = ref()
    unit_id: str = ref()
    points: float = spec()
    reason: str = spec()
    case_id: str | None = ref(default=None)


class DeductScore(ScoreAdjustment):
    """扣分: `points` are taken off (a positive number)."""


class AddBonus(ScoreAdjustment):
    """加分: `points` are added."""


@dataclass(frozen=True)
class ApplyVeto(Command):
    cycle_id: str = ref()
    unit_id: str = ref()
    reason: str = spec()
    case_id: str | None = ref(default=None)


@dataclass(frozen=True)
class FinalizeEvaluationCycle(Command):
    cycle_id: str = ref()


@dataclass(frozen=True)
class ReviewEvaluationResult(Command):
    ABOUT = (
        "Re-derive a finalized cycle's result for one unit from what is known now (复核): "
        "cases concluded or corrected after finalization. A new event; answers at an earlier "
        "knownAt stay."
    )
    cycle_id: str = ref()
    unit_id: str = ref()
    reason: str = spec()


# ---------------------------------------------------------------------- oversight (part 三(二))
# Findings and their rectification, 廉政风险点 and rotation, the principal's "五个不直接分管",
# 三重一大 decisions, 述责述廉 reports. Handlers: `ledger.oversight`.


@dataclass(frozen=True)
class RecordFinding(Command):
    ABOUT = "A problem that 巡察, 专项检查, 审计 or 明察暗访 found in a unit, to be rectified."
    id: str = ref()
    unit_id: str = ref()
    source: str = one_of("FindingSource")
    found_on: str = day()
    description: str = spec()


@dataclass(frozen=True)
class OrderRectification(Command):
    ABOUT = "A rectification order (整改事项) on a finding: who answers for it, and by when."
    id: str = ref()
    finding_id: str = ref()
    owner_id: str = ref(about="the person who answers for the rectification (整改责任人)")
    requirement: str = spec()
    ordered_on: str = day()
    due_on: str = day()
    unit_id: str | None = ref(
        default=None,
        about="the unit that rectifies, in the finding unit's subtree (default: the finding's unit)",
    )


@dataclass(frozen=True)
class ReportRectificationProgress(Command):
    rectification_id: str = ref()
    percent: int = spec()
    note: str = spec()
    on: str = day()


@dataclass(frozen=True)
class CompleteRectification(Command):
    rectification_id: str = ref()
    on: str = day()
    evidence: str = spec(about="what shows it is done (整改材料)")


@dataclass(frozen=True)
class ReviewRectification(Command):
    ABOUT = (
        "Accept a completed rectification (验收), or reopen it (退回重新整改) with a new due "
        "date (default: the one it had)."
    )
    rectification_id: str = ref()
    verdict: str = one_of("RectificationVerdict")
    on: str = day()
    opinion: str = spec()
    due_on: str | None = day(default=None, about="REOPEN only: the new due date")


@dataclass(frozen=True)
class CorrectRectification(Command):
    ABOUT = (
        "Restate a rectification order's due date (and owner) as it should have been recorded: "
        "a correction, valid from the order on; answers at an earlier knownAt stay."
    )
    rectification_id: str = ref()
    due_on: str = day()
    reason: str = spec()
    owner_id: str | None = ref(default=None)


@dataclass(frozen=True)
class ChooseOverdueRectificationRule(Command):
    ABOUT = (
        "An evaluation rule of the cycle: deduct `points` for each rectification overdue at the "
        "period's end in an evaluated unit's subtree (0: none). Refused once finalized."
    )
    cycle_id: str = ref()
    points: float = spec()


@dataclass(frozen=True)
class RegisterRiskPost(Command):
    ABOUT = (
        "A 廉政风险点 on a post: a unit and a post role, or a named position (岗位) whose holders "
        "are recorded on it; its risk level and the years after which its holder rotates."
    )
    id: str = ref()
    unit_id: str = ref()
    level: str = one_of("RiskLevel")
    max_years: int = spec(about="years of holding after which rotation (定期轮岗) is due")
    risks: str = spec(about="the integrity risks of the post")
    identified_on: str = day()
    role: str | None = one_of("PostRole", default=None)
    position: str | None = spec(default=None, about="a named position, instead of a role")


@dataclass(frozen=True)
class ReviseRiskPost(Command):
    ABOUT = "Restate a risk post's level and rotation limit (a new assessment), with a reason."
    risk_post_id: str = ref()
    level: str = one_of("RiskLevel")
    max_years: int = spec()
    reason: str = spec()


@dataclass(frozen=True)
class RetireRiskPost(Command):
    risk_post_id: str = ref()
    on: str = day()
    reason: str = spec()


@dataclass(frozen=True)
class RecordRiskPostHolders(Command):
    ABOUT = "Who held a named position and when: the whole timeline, restated (corrections too)."
    risk_post_id: str = ref()
    periods: tuple[HolderPeriod, ...] = spec()
    reason: str = spec()


@dataclass(frozen=True)
class DeclareUnitFunctions(Command):
    ABOUT = (
        "The functions a unit carries (人事, 财务, 工程项目, 物资采购, 行政审批) from a date on; "
        "declaring again from the same date restates them."
    )
    unit_id: str = ref()
    functions: tuple[str, ...] = one_of("UnitFunction")
    valid_from: str = day(wire="from")
    reason: str = spec(default="")


@dataclass(frozen=True)
class Recusal:
    INPUT: ClassVar[str] = "RecusalInput"
    person_id: str = ref()
    reason: str = spec()


@dataclass(frozen=True)
class RecordMajorDecision(Command):
    ABOUT = (
        "A 三重一大 matter decided collectively: who attended, the order in which they spoke "
        "(the principal last, 末位表态), and who withdrew (回避)."
    )
    id: str = ref()
    unit_id: str = ref()
    matter: str = one_of("MajorMatter")
    title: str = spec()
    decided_on: str = day()
    attendee_ids: tuple[str, ...] = ref()
    speaker_ids: tuple[str, ...] = ref(about="the attendees who stated a view, in speaking order")
    recusals: tuple[Recusal, ...] = spec(default=())


@dataclass(frozen=True)
class CorrectMajorDecision(Command):
    ABOUT = "Restate a decision's attendance, speaking order and recusals from the minutes."
    major_decision_id: str = ref()
    attendee_ids: tuple[str, ...] = ref()
    speaker_ids: tuple[str, ...] = ref()
    reason: str = spec()
    recusals: tuple[Recusal, ...] = spec(default=())


@dataclass(frozen=True)
class FileDutyReport(Command):
    ABOUT = (
        "述责述廉: a leadership-team member's yearly report on duties and integrity (LEADER: "
        "`personId` of the team of `unitId`), or a 机关纪委's to the 纪工委 (DISCIPLINE_COMMITTEE: "
        "`unitId` the organ party committee). A summary, a document hash, or both."
    )
    id: str = ref()
    kind: str = one_of("DutyReportKind")
    year: int = spec()
    unit_id: str = ref()
    reported_on: str = day()
    person_id: str | None = ref(default=None)
    summary: str | None = spec(default=None)
    document_hash: str | None = spec(default=None, about="SHA-256 of the report, 64 hex digits")


# ---------------------------------------------------------------------- talks, 函询, 六必谈


@dataclass(frozen=True)
class RecordTalk(Command):
    ABOUT = (
        "A talk held with a person (谈心谈话, 提醒谈话, 约谈, 诫勉谈话), in the unit where they "
        "held a post that day, with why: a 六必谈 obligation, a case or a written inquiry."
    )
    id: str = ref()
    kind: str = one_of("TalkKind")
    talker_id: str = ref(about="who held the talk")
    person_id: str = ref(about="who was talked with")
    unit_id: str = ref(about="the unit where the person held a post on that day")
    held_on: str = day()
    topic: str = spec(about="what it was about, one line")
    record: str = spec(about="a short record of the talk (谈话记录摘要)")
    obligation_id: str | None = ref(default=None, about="the 六必谈 obligation it meets")
    case_id: str | None = ref(default=None, about="the case it follows")
    inquiry_id: str | None = ref(default=None, about="the written inquiry (函询) it follows")


@dataclass(frozen=True)
class CorrectTalk(Command):
    ABOUT = "Restate a talk (all of it but the person and the unit), with a reason."
    talk_id: str = ref()
    kind: str = one_of("TalkKind")
    talker_id: str = ref()
    held_on: str = day()
    topic: str = spec()
    record: str = spec()
    reason: str = spec()
    obligation_id: str | None = ref(default=None)
    case_id: str | None = ref(default=None)
    inquiry_id: str | None = ref(default=None)


@dataclass(frozen=True)
class RetractTalk(Command):
    ABOUT = "A talk recorded in error: it no longer counts (earlier knownAt answers keep it)."
    talk_id: str = ref()
    reason: str = spec()


@dataclass(frozen=True)
class RecordPersonalRating(Command):
    ABOUT = (
        "A person's yearly rating (年度考核): BASICALLY_COMPETENT or below makes a talk due "
        "(六必谈). Its id is PERSON/RYEAR."
    )
    person_id: str = ref()
    year: int = spec()
    rating: str = one_of("PersonalRating")
    unit_id: str = ref(about="the unit where the person was rated (held a post that year)")
    rated_on: str = day(about="when the rating was decided: the day a talk may become due")


@dataclass(frozen=True)
class CorrectPersonalRating(Command):
    rating_id: str = ref(about="PERSON/RYEAR")
    rating: str = one_of("PersonalRating")
    reason: str = spec()
    rated_on: str | None = day(default=None, about="restated decision day (default: unchanged)")


@dataclass(frozen=True)
class RecordTalkTrigger(Command):
    ABOUT = (
        "A fact that makes a talk due (六必谈) and that no other record shows: a major setback, "
        "a major change in the family, a major error at work. Its id is PERSON/TVERSION."
    )
    person_id: str = ref()
    kind: str = one_of("TalkTriggerKind")
    occurred_on: str = day()
    unit_id: str = ref(about="the unit where the person held a post on that day")
    note: str = spec()


@dataclass(frozen=True)
class RetractTalkTrigger(Command):
    trigger_id: str = ref(about="PERSON/TVERSION")
    reason: str = spec()


@dataclass(frozen=True)
class SendWrittenInquiry(Command):
    ABOUT = (
        "函询: a letter asking a person to explain a matter in writing. The reply is due on "
        "`replyDue`, by default the 15th working day after `sentOn` (weekends and the "
        "configured holidays skipped)."
    )
    id: str = ref()
    person_id: str = ref()
    unit_id: str = ref(about="the unit where the person held a post on that day")
    about: str = spec(about="the matter the person is asked to explain")
    sent_on: str = day()
    reply_due: str | None = day(default=None)


@dataclass(frozen=True)
class RecordInquiryReply(Command):
    inquiry_id: str = ref()
    on: str = day()
    summary: str = spec()


@dataclass(frozen=True)
class ConcludeWrittenInquiry(Command):
    inquiry_id: str = ref()
    outcome: str = one_of("InquiryOutcome")
    on: str = day()
    note: str = spec()


@dataclass(frozen=True)
class ChooseOverdueTalkRule(Command):
    ABOUT = (
        "An evaluation rule of the cycle: deduct `points` for each 六必谈 obligation overdue at "
        "the period's end in an evaluated unit's subtree (0: none). Refused once finalized."
    )
    cycle_id: str = ref()
    points: float = spec()
