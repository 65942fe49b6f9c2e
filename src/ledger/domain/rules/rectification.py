"""Where a rectification order (整改事项) stands on a date, as the ledger knew it.

An order is in force from the day it was ordered. Its steps (progress, completion, review)
are dated, each on or after the one before (the aggregate refuses anything else), so the
steps on or before `as_of` are a prefix of them. As of a date:
- DONE once completed, unless a review reopened it since (退回重新整改);
- OVERDUE once its due date has passed undone (the due date itself is not late); after a
  reopening, the due date is the one the review gave (or the order's own);
- OPEN otherwise.
A completion waits for its review (PENDING) until it is accepted (ACCEPTED) or reopened
(REOPENED). A finding is OVERDUE when one of its orders is, DONE when all are (and it has
some), else OPEN.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

PROGRESS, COMPLETED, ACCEPTED, REOPENED = "PROGRESS", "COMPLETED", "ACCEPTED", "REOPENED"


@dataclass(frozen=True)
class Step:
    kind: str  # PROGRESS | COMPLETED | ACCEPTED | REOPENED
    on: str
    percent: int | None = None
    due_on: str | None = None  # REOPENED: the new due date, if the review gave one


@dataclass(frozen=True)
class RectificationState:
    status: str  # OPEN | DONE | OVERDUE
    due_on: str  # the due date in force on the day asked
    percent: int
    completed_on: str | None
    review: str | None  # PENDING | ACCEPTED | REOPENED; None before any completion


def state_as_of(
    ordered_on: str, due_on: str, steps: Iterable[Step], as_of: str
) -> RectificationState | None:
    """The order's state on `as_of` (None before it was ordered). `steps` in record order."""
    if as_of < ordered_on:
        return None
    due, percent, completed, review = due_on, 0, None, None
    for step in steps:
        if step.on > as_of:
            break
        if step.kind == PROGRESS:
            percent = step.percent or 0
        elif step.kind == COMPLETED:
            completed, review = step.on, "PENDING"
        elif step.kind == ACCEPTED:
            review = "ACCEPTED"
        elif step.kind == REOPENED:
            completed, review, due = None, "REOPENED", step.due_on or due
    if completed:
        return RectificationState("DONE", due, 100, completed, review)
    status = "OVERDUE" if due < as_of else "OPEN"
    return RectificationState(status, due, percent, None, review)


def finding_status(statuses: Iterable[str]) -> str:
    """A finding's status from its orders' (those in force on the day asked)."""
    found = list(statuses)
    if "OVERDUE" in found:
        return "OVERDUE"
    if found and all(s == "DONE" for s in found):
        return "DONE"
    return "OPEN"
