"""函询: where a written inquiry stands on a day, and whether its reply is overdue.

As of a day d on or after it was sent: CONCLUDED once concluded by d, else REPLIED once
replied by d, else SENT. Its reply is overdue as of d when d is after the due day and the
reply was not in by the due day (still missing, or in late).
"""

from __future__ import annotations


def inquiry_status(replied_on: str | None, concluded_on: str | None, as_of: str) -> str:
    if concluded_on is not None and concluded_on <= as_of:
        return "CONCLUDED"
    if replied_on is not None and replied_on <= as_of:
        return "REPLIED"
    return "SENT"


def reply_overdue(reply_due: str, replied_on: str | None, as_of: str) -> bool:
    if as_of <= reply_due:
        return False
    return replied_on is None or replied_on > reply_due
