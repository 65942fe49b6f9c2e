"""RiskPost: a 廉政风险点 on a post — a unit and a post role, or a named position (岗位) —
with its risk level and the years after which its holder rotates (定期轮岗).

Who held a role-based risk post is the unit's post history (corrections included); who held
a named position is recorded on the risk post itself, the whole timeline restated each time
(`HoldersRecorded`), so corrections are new events like everything else. A revision restates
the level and the limit (a new assessment, valid from the start); retiring ends the risk
post's validity. Rotation due as of a date is a rule (`ledger.domain.rules.rotation`).
"""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import Aggregate

from ledger.domain.base import Stamp, Stamped, create
from ledger.domain.errors import BadInput, Conflict
from ledger.domain.ids import aggregate_id
from ledger.domain.labels import values_of
from ledger.domain.rules.periods import overlaps
from ledger.domain.values import POST_ROLES, business_id, choice, day, optional_day, ordered, text

RISK_LEVELS = values_of("RiskLevel")
MAX_YEARS = 30
MAX_PERIODS = 200


def risk_post_uuid(risk_post_id: str):
    return aggregate_id("risk-post", risk_post_id)


def _years(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_YEARS:
        raise BadInput(f"maxYears must be a whole number from 1 to {MAX_YEARS}, got {value!r}")
    return value


def holder_periods(periods: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A named position's holder timeline, checked: dates well formed and ordered, one
    person's periods apart (several people may hold a position at once)."""
    if len(periods) > MAX_PERIODS:
        raise BadInput(f"at most {MAX_PERIODS} periods")
    clean = []
    for n, p in enumerate(periods, 1):
        holder = business_id(p["holder_id"], f"period {n} holderId")
        start = day(p["valid_from"], f"period {n} from")
        end = optional_day(p["valid_to"], f"period {n} to")
        ordered(start, end, f"period {n}")
        for other in clean:
            if other["holder_id"] == holder and overlaps(
                other["valid_from"], other["valid_to"], start, end
            ):
                raise BadInput(f"{holder}'s periods from {other['valid_from']} and {start} overlap")
        clean.append({"holder_id": holder, "valid_from": start, "valid_to": end})
    return sorted(clean, key=lambda p: (p["valid_from"], p["holder_id"]))


class RiskPost(Aggregate):
    TOPIC = "ledger:RiskPost"

    class Created(Aggregate.Created):
        TOPIC = "ledger:RiskPost.Created"  # required by explicit topics; never emitted

    class Registered(Aggregate.Created, Stamped):
        TOPIC = "ledger:RiskPostRegistered"
        NAMES = "risk_post_id"
        risk_post_id: str
        unit_id: str
        role: str | None
        position: str | None
        level: str
        max_years: int
        risks: str
        identified_on: str

    class Revised(Aggregate.Event, Stamped):
        TOPIC = "ledger:RiskPostRevised"
        level: str
        max_years: int
        reason: str

        def apply(self, post: RiskPost) -> None:
            post.level, post.max_years = self.level, self.max_years

    class Retired(Aggregate.Event, Stamped):
        TOPIC = "ledger:RiskPostRetired"
        on: str
        reason: str

        def apply(self, post: RiskPost) -> None:
            post.retired_on = self.on

    class HoldersRecorded(Aggregate.Event, Stamped):
        TOPIC = "ledger:RiskPostHoldersRecorded"
        periods: list[dict]
        reason: str

        def apply(self, post: RiskPost) -> None:
            post.periods = [dict(p) for p in self.periods]

    def __init__(
        self,
        risk_post_id: str,
        unit_id: str,
        role: str | None,
        position: str | None,
        level: str,
        max_years: int,
        risks: str,
        identified_on: str,
    ):
        self.risk_post_id = risk_post_id
        self.unit_id = unit_id
        self.role = role
        self.position = position
        self.level = level
        self.max_years = max_years
        self.identified_on = identified_on
        self.retired_on: str | None = None
        self.periods: list[dict] = []

    @classmethod
    def register(
        cls,
        stamp: Stamp,
        risk_post_id: str,
        unit_id: str,
        level: str,
        max_years: int,
        risks: str,
        identified_on: str,
        role: str | None,
        position: str | None,
    ) -> RiskPost:
        risk_post_id = business_id(risk_post_id, "risk post id")
        if (role is None) == (position is None):
            raise BadInput("a risk post names either a post role or a named position, not both")
        return create(
            cls,
            cls.Registered,
            stamp,
            risk_post_uuid(risk_post_id),
            risk_post_id=risk_post_id,
            unit_id=unit_id,
            role=choice(role, POST_ROLES, "role") if role is not None else None,
            position=text(position, "position", max_length=100) if position is not None else None,
            level=choice(level, RISK_LEVELS, "level"),
            max_years=_years(max_years),
            risks=text(risks, "risks", max_length=2000, allow_newlines=True),
            identified_on=day(identified_on, "identifiedOn"),
        )

    def _current(self) -> None:
        if self.retired_on:
            raise Conflict(f"risk post {self.risk_post_id} was retired on {self.retired_on}")

    def revise(self, stamp: Stamp, level: str, max_years: int, reason: str) -> None:
        self._current()
        level, max_years = choice(level, RISK_LEVELS, "level"), _years(max_years)
        reason = text(reason, "reason", max_length=2000, allow_newlines=True)
        if (level, max_years) == (self.level, self.max_years):
            raise Conflict("the revision restates the risk post exactly as recorded")
        self.trigger_event(
            self.Revised, **stamp.fields(), level=level, max_years=max_years, reason=reason
        )

    def retire(self, stamp: Stamp, on: str, reason: str) -> None:
        self._current()
        on = day(on, "on")
        if on < self.identified_on:
            raise BadInput(f"{on} precedes the risk post ({self.identified_on})")
        reason = text(reason, "reason", max_length=2000, allow_newlines=True)
        self.trigger_event(self.Retired, **stamp.fields(), on=on, reason=reason)

    def record_holders(self, stamp: Stamp, periods: list[dict], reason: str) -> None:
        if self.position is None:
            raise BadInput(
                f"risk post {self.risk_post_id} is the {self.role} post of {self.unit_id}: its "
                "holders are that unit's post holders (assumePost, correctPost)"
            )
        periods = holder_periods(periods)
        reason = text(reason, "reason", max_length=2000, allow_newlines=True)
        if periods == self.periods:
            raise Conflict("the holders are restated exactly as recorded")
        self.trigger_event(self.HoldersRecorded, **stamp.fields(), periods=periods, reason=reason)
