"""The oversight instruments of part 三(二) of the source text, as one piece of the schema:
the queries and mutations of each instrument's module, gathered for `ledger.api.schema`."""

from __future__ import annotations

import strawberry

from ledger.api.findings import FindingMutations, FindingQueries


@strawberry.type
class OversightQueries(FindingQueries):
    """Findings and rectification."""


@strawberry.type
class OversightMutations(FindingMutations):
    """Findings and rectification."""
