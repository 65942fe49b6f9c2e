"""The oversight instruments of part 三(二) of the source text, as one piece of the schema:
the queries and mutations of each instrument's module, gathered for `ledger.api.schema`."""

from __future__ import annotations

import strawberry

from ledger.api.duty_reports import DutyReportMutations, DutyReportQueries
from ledger.api.findings import FindingMutations, FindingQueries
from ledger.api.power import PowerMutations, PowerQueries
from ledger.api.risk_posts import RiskPostMutations, RiskPostQueries


@strawberry.type
class OversightQueries(FindingQueries, RiskPostQueries, PowerQueries, DutyReportQueries):
    """Findings and rectification, risk posts and rotation, power controls, 述责述廉."""


@strawberry.type
class OversightMutations(FindingMutations, RiskPostMutations, PowerMutations, DutyReportMutations):
    """Findings and rectification, risk posts and rotation, power controls, 述责述廉."""
