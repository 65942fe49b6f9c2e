"""Plain rows the rules read: what the read side finds in both times, as values.

Dates are ISO strings; `valid_to` None means the period is still open.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PostRow:
    """A person's post in a unit, over a valid-time period."""

    person_id: str
    unit_id: str
    role: str
    valid_from: str
    valid_to: str | None


@dataclass(frozen=True)
class HoldingRow:
    """One responsibility item as held by one person over one period."""

    item_id: str
    holder_id: str
    kind: str
    area: str
    title: str
    valid_from: str
    valid_to: str | None
