"""层层传导: where a task letter and its tasks stand.

A task is DONE once completed (by `as_of`), OVERDUE once its deadline has passed undone,
IN_PROGRESS once progress was reported, else OPEN. A letter is WITHDRAWN, COMPLETED (every
task done), ACKNOWLEDGED (signed for, 签字背书) or ISSUED.
"""

from __future__ import annotations


def task_status(
    deadline: str, progress_since: str | None, completed_on: str | None, as_of: str
) -> str:
    if completed_on and completed_on <= as_of:
        return "DONE"
    if deadline < as_of:
        return "OVERDUE"
    if progress_since and progress_since <= as_of:
        return "IN_PROGRESS"
    return "OPEN"


def letter_status(withdrawn: bool, open_tasks: int, acknowledged: bool) -> str:
    if withdrawn:
        return "WITHDRAWN"
    if open_tasks == 0:
        return "COMPLETED"
    return "ACKNOWLEDGED" if acknowledged else "ISSUED"
