"""述责述廉: who owes a report for a year and has not made it.

Owed: a LEADER report by everyone on a unit's leadership team (its PRINCIPAL, TEAM_MEMBERs
and DISCIPLINE_SECRETARY: an organ's, or an affiliated unit's own 党委) on the day asked (by
default the year's last day), for that unit; a
DISCIPLINE_COMMITTEE report by every organ party committee (机关党委, for its 机关纪委) whose
organ sits under a working committee. A report filed for that year (as recorded by knownAt)
settles it, whenever in the year or after it was made.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Owed:
    kind: str  # LEADER | DISCIPLINE_COMMITTEE
    unit_id: str
    person_id: str | None


def missing_reports(
    leaders: Iterable[tuple[str, str]],
    committees: Iterable[str],
    filed: Iterable[tuple[str, str, str | None]],
) -> list[Owed]:
    """`leaders`: (unit, person) on its team; `committees`: organ party committees;
    `filed`: (kind, unit, person) of the year's reports."""
    made = set(filed)
    made_by_unit = {(kind, unit) for kind, unit, _ in made}
    out = [
        Owed("LEADER", unit, person)
        for unit, person in sorted(set(leaders))
        if ("LEADER", unit, person) not in made
    ]
    out += [
        Owed("DISCIPLINE_COMMITTEE", unit, None)
        for unit in sorted(set(committees))
        if ("DISCIPLINE_COMMITTEE", unit) not in made_by_unit
    ]
    return out
