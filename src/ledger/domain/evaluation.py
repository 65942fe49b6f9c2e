"""EvaluationCycle: a yearly scored evaluation (党风廉政建设责任制考核) of a set of units.

The rules that follow from cases (points per PASSIVE case, which post roles veto, grade
bands) are data of the cycle, chosen when it opens; the projector applies them. Once
finalized, the cycle refuses every score change.
"""

from __future__ import annotations

from eventsourcing.domain import Aggregate

from ledger.domain.base import Stamp, Stamped, create
from ledger.domain.errors import BadInput, Conflict, NotFound
from ledger.domain.ids import aggregate_id
from ledger.domain.labels import values_of
from ledger.domain.values import POST_ROLES, business_id, day, ordered, text

DEFAULT_GRADE_BANDS = {"EXCELLENT": 90.0, "GOOD": 80.0, "PASS": 60.0}
DEFAULT_VETO_ROLES = ("PRINCIPAL", "TEAM_MEMBER", "DISCIPLINE_SECRETARY", "UNIT_HEAD")
# 违纪违法行为 established: a 党纪政务处分 or more (second to fourth form), not a talk (first).
DEFAULT_VETO_FORMS = ("SECOND", "THIRD", "FOURTH")
FORMS = values_of("DisciplineForm")
MAX_POINTS = 1000.0
MAX_CRITERIA = 100
MAX_UNITS = 1000  # a province's organs and their units; the API refuses longer lists anyway


def cycle_uuid(cycle_id: str):
    return aggregate_id("evaluation", cycle_id)


def _points(value: float, what: str, low: float = 0.0, high: float = MAX_POINTS) -> float:
    if not isinstance(value, (int, float)) or value != value or not low <= value <= high:
        raise BadInput(f"{what} must lie between {low:g} and {high:g}, got {value}")
    return float(value)


class EvaluationCycle(Aggregate):
    TOPIC = "ledger:EvaluationCycle"

    class Created(Aggregate.Created):
        TOPIC = "ledger:EvaluationCycle.Created"  # required by explicit topics; never emitted

    class Opened(Aggregate.Created, Stamped):
        TOPIC = "ledger:EvaluationCycleOpened"
        NAMES = "cycle_id"
        cycle_id: str
        year: int
        title: str
        period_from: str
        period_to: str
        unit_ids: list[str]
        criteria: list[dict]
        passive_case_deduction: float
        veto_roles: list[str]
        grade_bands: dict
        veto_forms: list[str]

        class_version = 2  # version 2 added veto_forms; earlier cycles veto by the default

        @staticmethod
        def upcast_v1_v2(state: dict) -> None:
            state["veto_forms"] = list(DEFAULT_VETO_FORMS)

    class ScoreRecorded(Aggregate.Event, Stamped):
        TOPIC = "ledger:ScoreRecorded"
        unit_id: str
        criterion: str
        points: float

    class ScoreDeducted(Aggregate.Event, Stamped):
        TOPIC = "ledger:ScoreDeducted"
        unit_id: str
        points: float
        reason: str
        case_id: str | None

    class BonusAdded(Aggregate.Event, Stamped):
        TOPIC = "ledger:BonusAdded"
        unit_id: str
        points: float
        reason: str
        case_id: str | None

    class VetoApplied(Aggregate.Event, Stamped):
        TOPIC = "ledger:VetoApplied"
        unit_id: str
        reason: str
        case_id: str | None

    class ResultReviewed(Aggregate.Event, Stamped):
        """复核: one unit's finalized result is derived again from what is known now."""

        TOPIC = "ledger:EvaluationResultReviewed"
        unit_id: str
        reason: str

    class OverdueRectificationRuleChosen(Aggregate.Event, Stamped):
        """An optional rule chosen after opening: points off per rectification overdue at
        the period's end (0: none). Its own event, so the opening stays as it was."""

        TOPIC = "ledger:OverdueRectificationRuleChosen"
        points: float

    class OverdueTalkRuleChosen(Aggregate.Event, Stamped):
        """An optional rule chosen after opening: points off per 六必谈 obligation overdue at
        the period's end (0: none). Its own event, so the opening stays as it was."""

        TOPIC = "ledger:OverdueTalkRuleChosen"
        points: float

    class Finalized(Aggregate.Event, Stamped):
        TOPIC = "ledger:EvaluationCycleFinalized"

        def apply(self, cycle: EvaluationCycle) -> None:
            cycle.finalized = True

    def __init__(
        self,
        cycle_id: str,
        year: int,
        title: str,
        period_from: str,
        period_to: str,
        unit_ids: list[str],
        criteria: list[dict],
        passive_case_deduction: float,
        veto_roles: list[str],
        grade_bands: dict,
        veto_forms: list[str],
    ):
        self.cycle_id = cycle_id
        self.year = year
        self.unit_ids = list(unit_ids)
        self.criteria = {c["code"]: c for c in criteria}
        self.finalized = False

    @classmethod
    def open(
        cls,
        stamp: Stamp,
        cycle_id: str,
        year: int,
        title: str,
        period_from: str,
        period_to: str,
        unit_ids: list[str],
        criteria: list[dict],
        passive_case_deduction: float = 2.0,
        veto_roles: list[str] | None = None,
        grade_bands: dict | None = None,
        veto_forms: list[str] | None = None,
    ) -> EvaluationCycle:
        cycle_id = business_id(cycle_id, "cycle id")
        if not 1949 <= year <= 2100:
            raise BadInput(f"year must lie between 1949 and 2100, got {year}")
        period_from, period_to = day(period_from, "periodFrom"), day(period_to, "periodTo")
        ordered(period_from, period_to, "the evaluation period")
        units = list(dict.fromkeys(unit_ids))
        if not units:
            raise BadInput("an evaluation cycle covers at least one unit")
        if len(units) > MAX_UNITS:
            raise BadInput(f"an evaluation cycle covers at most {MAX_UNITS} units")
        if not criteria:
            raise BadInput("an evaluation cycle needs at least one criterion")
        if len(criteria) > MAX_CRITERIA:
            raise BadInput(f"an evaluation cycle has at most {MAX_CRITERIA} criteria")
        clean, seen = [], set()
        for c in criteria:
            code = business_id(c["code"], "criterion code")
            if code in seen:
                raise BadInput(f"criterion {code} appears twice")
            seen.add(code)
            clean.append(
                {
                    "code": code,
                    "title": text(c["title"], f"criterion {code} title"),
                    "max_points": _points(c["max_points"], f"criterion {code} maxPoints", low=0.5),
                }
            )
        roles = list(dict.fromkeys(veto_roles if veto_roles is not None else DEFAULT_VETO_ROLES))
        for role in roles:
            if role not in POST_ROLES:
                raise BadInput(f"veto role {role!r} is not a post role")
        forms = list(dict.fromkeys(veto_forms if veto_forms is not None else DEFAULT_VETO_FORMS))
        for form in forms:
            if form not in FORMS:
                raise BadInput(f"veto form {form!r} is not one of the four forms")
        bands = dict(DEFAULT_GRADE_BANDS if grade_bands is None else grade_bands)
        if set(bands) != set(DEFAULT_GRADE_BANDS) or not (
            MAX_POINTS >= bands["EXCELLENT"] >= bands["GOOD"] >= bands["PASS"] >= 0
        ):
            raise BadInput(f"grade bands need {MAX_POINTS:g} >= EXCELLENT >= GOOD >= PASS >= 0")
        return create(
            cls,
            cls.Opened,
            stamp,
            cycle_uuid(cycle_id),
            cycle_id=cycle_id,
            year=year,
            title=text(title, "title", max_length=200),
            period_from=period_from,
            period_to=period_to,
            unit_ids=units,
            criteria=clean,
            passive_case_deduction=_points(passive_case_deduction, "passiveCaseDeduction"),
            veto_roles=roles,
            grade_bands={k: float(v) for k, v in bands.items()},
            veto_forms=forms,
        )

    # ------------------------------------------------------------------ guards

    def _changeable(self, unit_id: str) -> None:
        if self.finalized:
            raise Conflict(f"evaluation cycle {self.cycle_id} is finalized; its results are frozen")
        if unit_id not in self.unit_ids:
            raise NotFound(f"unit {unit_id!r} is not evaluated in cycle {self.cycle_id}")

    # ------------------------------------------------------------------ commands

    def record_score(self, stamp: Stamp, unit_id: str, criterion: str, points: float) -> None:
        self._changeable(unit_id)
        if criterion not in self.criteria:
            raise BadInput(f"cycle {self.cycle_id} has no criterion {criterion!r}")
        maximum = self.criteria[criterion]["max_points"]
        self.trigger_event(
            self.ScoreRecorded,
            **stamp.fields(),
            unit_id=unit_id,
            criterion=criterion,
            points=_points(points, f"points for {criterion}", high=maximum),
        )

    def deduct(
        self, stamp: Stamp, unit_id: str, points: float, reason: str, case_id: str | None
    ) -> None:
        self._adjust(self.ScoreDeducted, stamp, unit_id, points, reason, case_id)

    def add_bonus(
        self, stamp: Stamp, unit_id: str, points: float, reason: str, case_id: str | None
    ) -> None:
        self._adjust(self.BonusAdded, stamp, unit_id, points, reason, case_id)

    def _adjust(
        self,
        event: type,
        stamp: Stamp,
        unit_id: str,
        points: float,
        reason: str,
        case_id: str | None,
    ) -> None:
        """Points off or on by hand, with a reason: refused on a frozen cycle."""
        self._changeable(unit_id)
        self.trigger_event(
            event,
            **stamp.fields(),
            unit_id=unit_id,
            points=_points(points, "points", low=0.01),
            reason=text(reason, "reason", max_length=2000),
            case_id=case_id,
        )

    def veto(self, stamp: Stamp, unit_id: str, reason: str, case_id: str | None) -> None:
        self._changeable(unit_id)
        self.trigger_event(
            self.VetoApplied,
            **stamp.fields(),
            unit_id=unit_id,
            reason=text(reason, "reason", max_length=2000),
            case_id=case_id,
        )

    def review(self, stamp: Stamp, unit_id: str, reason: str) -> None:
        if not self.finalized:
            raise Conflict(
                f"evaluation cycle {self.cycle_id} is not finalized: its results follow what is "
                "recorded, there is nothing to review"
            )
        if unit_id not in self.unit_ids:
            raise NotFound(f"unit {unit_id!r} is not evaluated in cycle {self.cycle_id}")
        reason = text(reason, "reason", max_length=2000)
        self.trigger_event(self.ResultReviewed, **stamp.fields(), unit_id=unit_id, reason=reason)

    def choose_overdue_rectification_rule(self, stamp: Stamp, points: float) -> None:
        if self.finalized:
            raise Conflict(f"evaluation cycle {self.cycle_id} is finalized; its rules are frozen")
        points = _points(points, "points", high=100.0)
        self.trigger_event(self.OverdueRectificationRuleChosen, **stamp.fields(), points=points)

    def choose_overdue_talk_rule(self, stamp: Stamp, points: float) -> None:
        if self.finalized:
            raise Conflict(f"evaluation cycle {self.cycle_id} is finalized; its rules are frozen")
        points = _points(points, "points", high=100.0)
        self.trigger_event(self.OverdueTalkRuleChosen, **stamp.fields(), points=points)

    def finalize(self, stamp: Stamp) -> None:
        if self.finalized:
            raise Conflict(f"evaluation cycle {self.cycle_id} is already finalized")
        self.trigger_event(self.Finalized, **stamp.fields())
