"""Handlers of the oversight instruments (part 三(二) of the source text), in the one handler
table of `ledger.application`: findings and their rectification orders, and the cycle's
overdue-rectification rule.

Each handler loads what the command names (NOT_FOUND when it does not exist), lets the
aggregate decide, and returns what to save; a refused command appends nothing.
"""

from __future__ import annotations

from ledger import commands as c
from ledger.application import ENTITY_KINDS, HANDLERS, Act, Decision, LedgerApplication, handles
from ledger.domain.base import Stamp
from ledger.domain.errors import BadInput
from ledger.domain.evaluation import EvaluationCycle
from ledger.domain.finding import Finding, finding_uuid
from ledger.domain.person import Person, person_uuid
from ledger.domain.rectification import Rectification, rectification_uuid
from ledger.domain.values import business_id

ENTITY_KINDS.update(
    {
        "finding": (Finding, finding_uuid, "finding"),
        "rectification": (Rectification, rectification_uuid, "rectification"),
        "owner": (Person, person_uuid, "person"),
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


HANDLERS.update(
    {
        c.ReportRectificationProgress: Act("rectification_id", Rectification.report_progress),
        c.CompleteRectification: Act("rectification_id", Rectification.complete),
        c.ReviewRectification: Act("rectification_id", Rectification.review),
        c.CorrectRectification: Act("rectification_id", Rectification.correct, ("owner_id",)),
        c.ChooseOverdueRectificationRule: Act(
            "cycle_id", EvaluationCycle.choose_overdue_rectification_rule
        ),
    }
)
