"""Handlers of the oversight instruments (part 三(二) of the source text), in the one handler
table of `ledger.application`: findings and their rectification orders, and the cycle's
overdue-rectification rule; risk posts (廉政风险点); units' functions and 三重一大 decisions;
述责述廉 reports.

Each handler loads what the command names (NOT_FOUND when it does not exist), lets the
aggregate decide, and returns what to save; a refused command appends nothing.
"""

from __future__ import annotations

from ledger import commands as c
from ledger.application import ENTITY_KINDS, HANDLERS, Act, Decision, LedgerApplication, handles
from ledger.domain.base import Stamp
from ledger.domain.duty_report import KINDS as REPORT_KINDS
from ledger.domain.duty_report import DutyReport
from ledger.domain.errors import BadInput
from ledger.domain.evaluation import EvaluationCycle
from ledger.domain.finding import Finding, finding_uuid
from ledger.domain.major_decision import MajorDecision, major_decision_uuid
from ledger.domain.person import Person, person_uuid
from ledger.domain.rectification import Rectification, rectification_uuid
from ledger.domain.risk_post import RiskPost, risk_post_uuid
from ledger.domain.rules.periods import overlaps
from ledger.domain.unit_functions import UnitFunctions, unit_functions_uuid
from ledger.domain.values import TEAM_ROLES, business_id, choice

ENTITY_KINDS.update(
    {
        "finding": (Finding, finding_uuid, "finding"),
        "rectification": (Rectification, rectification_uuid, "rectification"),
        "owner": (Person, person_uuid, "person"),
        "risk_post": (RiskPost, risk_post_uuid, "risk post"),
        "major_decision": (MajorDecision, major_decision_uuid, "decision"),
    }
)


def _finding(app: LedgerApplication, finding_id: str) -> Finding:
    return app.entity("finding_id", finding_id)  # type: ignore[return-value]


# ---------------------------------------------------------------------- findings, rectification


@handles(c.RecordFinding)
def record_finding(app: LedgerApplication, cmd: c.RecordFinding, stamp: Stamp) -> Decision:
    business_id(cmd.id, "finding id")
    app.unit(cmd.unit_id)
    finding = Finding.record(stamp, cmd.id, cmd.unit_id, cmd.source, cmd.found_on, cmd.description)
    app.new(finding.id, "finding", cmd.id)
    return cmd.id, [finding]


@handles(c.OrderRectification)
def order_rectification(
    app: LedgerApplication, cmd: c.OrderRectification, stamp: Stamp
) -> Decision:
    business_id(cmd.id, "rectification id")
    finding = _finding(app, cmd.finding_id)
    unit_id = cmd.unit_id or finding.unit_id
    if finding.unit_id not in app.lineage(unit_id):
        raise BadInput(
            f"{unit_id} is not in the subtree of {finding.unit_id}, where finding "
            f"{cmd.finding_id} was made"
        )
    app.person(cmd.owner_id)
    order = Rectification.order(
        stamp,
        cmd.id,
        cmd.finding_id,
        unit_id,
        cmd.owner_id,
        cmd.requirement,
        finding.found_on,
        cmd.ordered_on,
        cmd.due_on,
    )
    app.new(order.id, "rectification", cmd.id)
    return cmd.id, [order]


# ---------------------------------------------------------------------- risk posts, 定期轮岗


@handles(c.RegisterRiskPost)
def register_risk_post(app: LedgerApplication, cmd: c.RegisterRiskPost, stamp: Stamp) -> Decision:
    business_id(cmd.id, "risk post id")
    app.unit(cmd.unit_id)
    post = RiskPost.register(
        stamp,
        cmd.id,
        cmd.unit_id,
        cmd.level,
        cmd.max_years,
        cmd.risks,
        cmd.identified_on,
        cmd.role,
        cmd.position,
    )
    app.new(post.id, "risk post", cmd.id)
    return cmd.id, [post]


@handles(c.RecordRiskPostHolders)
def record_risk_post_holders(
    app: LedgerApplication, cmd: c.RecordRiskPostHolders, stamp: Stamp
) -> Decision:
    post: RiskPost = app.entity("risk_post_id", cmd.risk_post_id)  # type: ignore[assignment]
    periods = [
        {"holder_id": p.holder_id, "valid_from": p.valid_from, "valid_to": p.valid_to}
        for p in cmd.periods
    ]
    post.record_holders(stamp, periods, cmd.reason)  # bounded and well formed before any load
    for holder_id in dict.fromkeys(p.holder_id for p in cmd.periods):
        app.person(holder_id)
    return cmd.risk_post_id, [post]


# ---------------------------------------------------------------------- power controls


@handles(c.DeclareUnitFunctions)
def declare_unit_functions(
    app: LedgerApplication, cmd: c.DeclareUnitFunctions, stamp: Stamp
) -> Decision:
    app.unit(cmd.unit_id)
    uuid = unit_functions_uuid(cmd.unit_id)
    functions = list(cmd.functions)
    if app.exists(uuid):
        declared = app.load(UnitFunctions, uuid, "unit functions", cmd.unit_id)
        declared.declare(stamp, functions, cmd.valid_from, cmd.reason)
    else:
        declared = UnitFunctions.declare_first(
            stamp, cmd.unit_id, functions, cmd.valid_from, cmd.reason
        )
    return cmd.unit_id, [declared]


def _recusals(recusals: tuple[c.Recusal, ...]) -> list[dict[str, str]]:
    return [{"person_id": r.person_id, "reason": r.reason} for r in recusals]


def _people(app: LedgerApplication, cmd: c.RecordMajorDecision | c.CorrectMajorDecision) -> None:
    for person_id in dict.fromkeys((*cmd.attendee_ids, *(r.person_id for r in cmd.recusals))):
        app.person(person_id)


@handles(c.RecordMajorDecision)
def record_major_decision(
    app: LedgerApplication, cmd: c.RecordMajorDecision, stamp: Stamp
) -> Decision:
    business_id(cmd.id, "decision id")
    app.unit(cmd.unit_id)
    decision = MajorDecision.record(
        stamp,
        cmd.id,
        cmd.unit_id,
        cmd.matter,
        cmd.title,
        cmd.decided_on,
        list(cmd.attendee_ids),
        list(cmd.speaker_ids),
        _recusals(cmd.recusals),
    )  # the minutes are checked (and bounded) before a person is loaded
    _people(app, cmd)
    app.new(decision.id, "decision", cmd.id)
    return cmd.id, [decision]


@handles(c.CorrectMajorDecision)
def correct_major_decision(
    app: LedgerApplication, cmd: c.CorrectMajorDecision, stamp: Stamp
) -> Decision:
    decision: MajorDecision = app.entity("major_decision_id", cmd.major_decision_id)  # type: ignore[assignment]
    decision.correct(
        stamp, list(cmd.attendee_ids), list(cmd.speaker_ids), _recusals(cmd.recusals), cmd.reason
    )
    _people(app, cmd)
    return cmd.major_decision_id, [decision]


# ---------------------------------------------------------------------- 述责述廉


@handles(c.FileDutyReport)
def file_duty_report(app: LedgerApplication, cmd: c.FileDutyReport, stamp: Stamp) -> Decision:
    business_id(cmd.id, "report id")
    kind = choice(cmd.kind, REPORT_KINDS, "kind")
    unit = app.unit(cmd.unit_id)
    person = app.person(cmd.person_id) if cmd.person_id else None
    recipient = None
    if kind == "LEADER":
        year_from, year_to = f"{cmd.year}-01-01", f"{cmd.year}-12-31"
        if person is not None and not any(
            p["unit_id"] == cmd.unit_id
            and p["role"] in TEAM_ROLES
            and overlaps(p["valid_from"], p["valid_to"], year_from, year_to)
            for p in person.posts
        ):
            raise BadInput(f"{cmd.person_id} was not on {cmd.unit_id}'s team in {cmd.year}")
    else:
        if unit.kind != "ORGAN_PARTY_COMMITTEE":
            raise BadInput("a 机关纪委 reports through its organ party committee (机关党委)")
        recipient = next(
            (u for u in app.lineage(cmd.unit_id) if app.unit(u).kind == "WORKING_COMMITTEE"), None
        )
        if recipient is None:
            raise BadInput(f"no working committee (纪工委) above {cmd.unit_id} to report to")
    report = DutyReport.file(
        stamp,
        cmd.id,
        kind,
        cmd.year,
        cmd.unit_id,
        cmd.person_id,
        recipient,
        cmd.reported_on,
        cmd.summary,
        cmd.document_hash,
    )
    app.new(report.id, "report", cmd.id)
    return cmd.id, [report]


HANDLERS.update(
    {
        c.ReportRectificationProgress: Act("rectification_id", Rectification.report_progress),
        c.CompleteRectification: Act("rectification_id", Rectification.complete),
        c.ReviewRectification: Act("rectification_id", Rectification.review),
        c.CorrectRectification: Act("rectification_id", Rectification.correct, ("owner_id",)),
        c.ChooseOverdueRectificationRule: Act(
            "cycle_id", EvaluationCycle.choose_overdue_rectification_rule
        ),
        c.ReviseRiskPost: Act("risk_post_id", RiskPost.revise),
        c.RetireRiskPost: Act("risk_post_id", RiskPost.retire),
    }
)
