"""Working days (工作日): weekends and public holidays skipped, make-up working days (调休)
counted.

A 函询 is answered "within 15 working days": the reply is due on the 15th working day after
the day the inquiry was sent. The calendar is configuration (`LEDGER_HOLIDAYS`,
`LEDGER_WORKDAYS`): the State Council publishes each year's holidays and the weekend days
worked in exchange; without them only weekends are skipped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from ledger.domain.errors import BadInput

MAX_WORKING_DAYS = 366


@dataclass(frozen=True)
class Calendar:
    holidays: frozenset[str] = field(default_factory=frozenset)  # ISO dates not worked
    workdays: frozenset[str] = field(default_factory=frozenset)  # weekend dates worked (调休)

    def is_working_day(self, day: date) -> bool:
        iso = day.isoformat()
        if iso in self.workdays:
            return True
        return day.weekday() < 5 and iso not in self.holidays

    def add_working_days(self, start: str, count: int) -> str:
        """The `count`-th working day after `start` (`start` itself is not counted)."""
        if not 1 <= count <= MAX_WORKING_DAYS:
            raise BadInput(f"a number of working days must lie between 1 and {MAX_WORKING_DAYS}")
        day, left = date.fromisoformat(start), count
        while left:
            day += timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        return day.isoformat()

    @classmethod
    def parse(cls, holidays: str = "", workdays: str = "") -> Calendar:
        """From configuration text: comma-separated ISO dates or ranges `FROM..TO`
        (`2024-10-01..2024-10-07,2025-01-01`). ValueError on anything else."""
        return cls(frozenset(_days(holidays)), frozenset(_days(workdays)))


def _days(text: str) -> Iterable[str]:
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        first, _, last = part.partition("..")
        a = date.fromisoformat(first.strip())
        b = date.fromisoformat(last.strip()) if last else a
        if b < a or (b - a).days > 366:
            raise ValueError(f"not a range of dates: {part!r}")
        while a <= b:
            yield a.isoformat()
            a += timedelta(days=1)
