"""Rectification: one order (整改事项) on a finding, followed until it is done.

An order names its owner (整改责任人), the unit that rectifies and a due date. Progress is
reported, the order is completed with evidence, and a review accepts it (验收) or reopens
it (退回重新整改) with a new due date. Every step is dated on or after the one before it
(so record order is date order), and the first on or after the order itself. A correction
restates the due date (and owner) as it should have been recorded.

Status as of a date (OPEN / DONE / OVERDUE) is a rule (`ledger.domain.rules.rectification`).
"""

from __future__ import annotations

from eventsourcing.domain import Aggregate

from ledger.domain.base import Stamp, Stamped, create
from ledger.domain.errors import BadInput, Conflict
from ledger.domain.ids import aggregate_id
from ledger.domain.labels import values_of
from ledger.domain.values import business_id, choice, day, optional_day, text

VERDICTS = values_of("RectificationVerdict")
OPEN, COMPLETED, ACCEPTED = "OPEN", "COMPLETED", "ACCEPTED"


def rectification_uuid(rectification_id: str):
    return aggregate_id("rectification", rectification_id)


def _percent(percent: int) -> int:
    if isinstance(percent, bool) or not isinstance(percent, int) or not 0 <= percent <= 100:
        raise BadInput("percent must be a whole number from 0 to 100")
    return percent


class Rectification(Aggregate):
    TOPIC = "ledger:Rectification"

    class Created(Aggregate.Created):
        TOPIC = "ledger:Rectification.Created"  # required by explicit topics; never emitted

    class Ordered(Aggregate.Created, Stamped):
        TOPIC = "ledger:RectificationOrdered"
        NAMES = "rectification_id"
        rectification_id: str
        finding_id: str
        unit_id: str
        owner_id: str
        requirement: str
        found_on: str
        ordered_on: str
        due_on: str

    class ProgressReported(Aggregate.Event, Stamped):
        TOPIC = "ledger:RectificationProgressReported"
        percent: int
        note: str
        on: str

        def apply(self, r: Rectification) -> None:
            r.percent, r.last_on = self.percent, self.on

    class Completed(Aggregate.Event, Stamped):
        TOPIC = "ledger:RectificationCompleted"
        on: str
        evidence: str

        def apply(self, r: Rectification) -> None:
            r.state, r.last_on, r.percent = COMPLETED, self.on, 100

    class Reviewed(Aggregate.Event, Stamped):
        TOPIC = "ledger:RectificationReviewed"
        verdict: str
        on: str
        opinion: str
        due_on: str | None  # REOPEN: the new due date

        def apply(self, r: Rectification) -> None:
            r.last_on = self.on
            r.state = ACCEPTED if self.verdict == "ACCEPT" else OPEN

    class Restated(Aggregate.Event, Stamped):
        """A correction: the order's due date (and owner) as it should have been recorded (a
        reopened order keeps the due date its review gave it)."""

        TOPIC = "ledger:RectificationCorrected"
        due_on: str
        owner_id: str
        reason: str

        def apply(self, r: Rectification) -> None:
            r.due_on, r.owner_id = self.due_on, self.owner_id

    def __init__(
        self,
        rectification_id: str,
        finding_id: str,
        unit_id: str,
        owner_id: str,
        requirement: str,
        found_on: str,
        ordered_on: str,
        due_on: str,
    ):
        self.rectification_id = rectification_id
        self.finding_id = finding_id
        self.unit_id = unit_id
        self.owner_id = owner_id
        self.found_on = found_on
        self.ordered_on = ordered_on
        self.due_on = due_on
        self.state = OPEN
        self.percent = 0
        self.last_on = ordered_on

    @classmethod
    def order(
        cls,
        stamp: Stamp,
        rectification_id: str,
        finding_id: str,
        unit_id: str,
        owner_id: str,
        requirement: str,
        found_on: str,
        ordered_on: str,
        due_on: str,
    ) -> Rectification:
        rectification_id = business_id(rectification_id, "rectification id")
        ordered_on, due_on = day(ordered_on, "orderedOn"), day(due_on, "dueOn")
        if ordered_on < found_on:
            raise BadInput(f"the order ({ordered_on}) precedes the finding ({found_on})")
        if due_on < found_on:
            raise BadInput(f"the due date {due_on} precedes the finding ({found_on})")
        if due_on < ordered_on:
            raise BadInput(f"the due date {due_on} precedes the order ({ordered_on})")
        return create(
            cls,
            cls.Ordered,
            stamp,
            rectification_uuid(rectification_id),
            rectification_id=rectification_id,
            finding_id=finding_id,
            unit_id=unit_id,
            owner_id=owner_id,
            requirement=text(requirement, "requirement", max_length=2000, allow_newlines=True),
            found_on=found_on,
            ordered_on=ordered_on,
            due_on=due_on,
        )

    # ------------------------------------------------------------------ guards

    def _dated(self, on: str) -> str:
        """Steps are dated on or after the order and the step before them."""
        on = day(on, "on")
        if on < self.ordered_on:
            raise BadInput(f"{on} precedes the order ({self.ordered_on})")
        if on < self.last_on:
            raise BadInput(
                f"{on} precedes the last step of {self.rectification_id} ({self.last_on})"
            )
        return on

    def _open(self) -> None:
        if self.state != OPEN:
            word = "accepted" if self.state == ACCEPTED else "completed"
            raise Conflict(f"rectification {self.rectification_id} is already {word}")

    # ------------------------------------------------------------------ commands

    def report_progress(self, stamp: Stamp, percent: int, note: str, on: str) -> None:
        self._open()
        percent = _percent(percent)
        on = self._dated(on)
        if percent < self.percent:
            raise Conflict(
                f"rectification {self.rectification_id} stands at {self.percent}%; progress "
                "does not go backwards"
            )
        self.trigger_event(
            self.ProgressReported,
            **stamp.fields(),
            percent=percent,
            note=text(note, "note", max_length=2000, allow_newlines=True),
            on=on,
        )

    def complete(self, stamp: Stamp, on: str, evidence: str) -> None:
        self._open()
        on = self._dated(on)
        self.trigger_event(
            self.Completed,
            **stamp.fields(),
            on=on,
            evidence=text(evidence, "evidence", max_length=4000, allow_newlines=True),
        )

    def review(self, stamp: Stamp, verdict: str, on: str, opinion: str, due_on: str | None) -> None:
        verdict = choice(verdict, VERDICTS, "verdict")
        if self.state != COMPLETED:
            raise Conflict(
                f"rectification {self.rectification_id} is "
                + ("already accepted" if self.state == ACCEPTED else "not completed")
                + ": only a completed rectification is reviewed"
            )
        on = self._dated(on)
        due_on = optional_day(due_on, "dueOn")
        if verdict == "ACCEPT" and due_on is not None:
            raise BadInput("a new due date goes with REOPEN only")
        if due_on is not None and due_on < on:
            raise BadInput(f"the new due date {due_on} precedes the review ({on})")
        self.trigger_event(
            self.Reviewed,
            **stamp.fields(),
            verdict=verdict,
            on=on,
            opinion=text(opinion, "opinion", max_length=2000, allow_newlines=True),
            due_on=due_on,
        )

    def correct(self, stamp: Stamp, due_on: str, owner_id: str | None, reason: str) -> None:
        due_on = day(due_on, "dueOn")
        reason = text(reason, "reason", max_length=2000, allow_newlines=True)
        if due_on < self.ordered_on:
            raise BadInput(f"the due date {due_on} precedes the order ({self.ordered_on})")
        owner_id = owner_id or self.owner_id
        if (due_on, owner_id) == (self.due_on, self.owner_id):
            raise Conflict("the correction restates the order exactly as recorded")
        self.trigger_event(
            self.Restated, **stamp.fields(), due_on=due_on, owner_id=owner_id, reason=reason
        )
