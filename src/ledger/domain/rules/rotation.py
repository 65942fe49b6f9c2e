"""定期轮岗: who has held a risk post longer than its limit, as of a date.

A holder's tenure is the unbroken holding that covers the day asked: periods of the same
post that overlap or follow each other without a day between join into one. Rotation is
due on the anniversary of its start after `max_years` years (a start on 29 February reaches
its anniversary on 1 March in common years): from that day on, the holder has held the post
longer than the limit; the day before, exactly the limit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from ledger.domain.rules.periods import day_after


@dataclass(frozen=True)
class RotationDue:
    person_id: str
    since: str  # the start of the unbroken holding
    due_on: str  # the anniversary: rotation due from this day
    years: int  # full years held by the day asked


def tenure_since(periods: Iterable[tuple[str, str | None]], as_of: str) -> str | None:
    """The start of the unbroken holding that covers `as_of` (None: not held that day)."""
    blocks: list[list] = []  # [start, end] of unbroken holdings, in order
    for start, stop in sorted(periods, key=lambda p: p[0]):
        if start > as_of:
            break
        last = blocks[-1] if blocks else None
        if last is not None and (last[1] is None or start <= day_after(last[1])):
            if last[1] is not None and (stop is None or stop > last[1]):
                last[1] = stop
        else:
            blocks.append([start, stop])
    if blocks and (blocks[-1][1] is None or blocks[-1][1] >= as_of):
        return blocks[-1][0]
    return None


def anniversary(since: str, years: int) -> str:
    start = date.fromisoformat(since)
    try:
        return start.replace(year=start.year + years).isoformat()
    except ValueError:  # 29 February in a common year
        return date(start.year + years, 3, 1).isoformat()


def full_years(since: str, as_of: str) -> int:
    start, day = date.fromisoformat(since), date.fromisoformat(as_of)
    years = day.year - start.year
    return years - 1 if anniversary(since, years) > as_of else years


def rotation_due(
    holdings: dict[str, list[tuple[str, str | None]]], max_years: int, as_of: str
) -> list[RotationDue]:
    """Every holder on `as_of` whose unbroken holding reached `max_years` by then."""
    out = []
    for person_id, periods in sorted(holdings.items()):
        since = tenure_since(periods, as_of)
        if since is None:
            continue
        due = anniversary(since, max_years)
        if due <= as_of:
            out.append(RotationDue(person_id, since, due, full_years(since, as_of)))
    return out
