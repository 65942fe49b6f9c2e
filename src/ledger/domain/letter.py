"""TaskLetter: 《党风廉政建设主要工作任务函告书》 — tasks an organ sends a unit below it.

The recipient's head signs for it (签字背书); progress only moves forward unless a
correction event says otherwise; a letter is complete when every task is done.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import Aggregate

from ledger.domain.base import Stamp, Stamped, create
from ledger.domain.errors import BadInput, Conflict, NotFound
from ledger.domain.ids import aggregate_id
from ledger.domain.rules.periods import holds_on
from ledger.domain.values import HEAD_ROLES, RESPONSIBILITY_AREAS, business_id, choice, day, text

MAX_TASKS = 100


def letter_uuid(letter_id: str):
    return aggregate_id("letter", letter_id)


def heads_on(posts: list[dict], unit_id: str, on: str) -> bool:
    """Did these posts make their holder the head of `unit_id` on `on`?"""
    return any(
        p["unit_id"] == unit_id
        and p["role"] in HEAD_ROLES
        and holds_on(p["valid_from"], p["valid_to"], on)
        for p in posts
    )


class ProgressStated(Aggregate.Event, Stamped):
    """A task's progress as reported (or restated by a correction)."""

    task_id: str
    percent: int

    def apply(self, letter: TaskLetter) -> None:
        letter.tasks[self.task_id]["percent"] = self.percent


class TaskLetter(Aggregate):
    TOPIC = "ledger:TaskLetter"

    class Created(Aggregate.Created):
        TOPIC = "ledger:TaskLetter.Created"  # required by explicit topics; never emitted

    class Issued(Aggregate.Created, Stamped):
        TOPIC = "ledger:TaskLetterIssued"
        NAMES = "letter_id"
        letter_id: str
        number: str
        title: str
        issuer_id: str
        recipient_id: str
        issued_on: str
        tasks: list[dict]

    class Acknowledged(Aggregate.Event, Stamped):
        TOPIC = "ledger:TaskLetterAcknowledged"
        person_id: str
        on: str

        def apply(self, letter: TaskLetter) -> None:
            letter.acknowledged_by, letter.acknowledged_on = self.person_id, self.on

    class ProgressReported(ProgressStated):
        TOPIC = "ledger:TaskProgressReported"
        note: str
        on: str

    class ProgressCorrected(ProgressStated):
        TOPIC = "ledger:TaskProgressCorrected"
        reason: str

    class TaskCompleted(Aggregate.Event, Stamped):
        TOPIC = "ledger:TaskCompleted"
        task_id: str
        on: str
        evidence: str

        def apply(self, letter: TaskLetter) -> None:
            task = letter.tasks[self.task_id]
            task["percent"], task["completed_on"] = 100, self.on

    class Withdrawn(Aggregate.Event, Stamped):
        TOPIC = "ledger:TaskLetterWithdrawn"
        on: str
        reason: str

        def apply(self, letter: TaskLetter) -> None:
            letter.withdrawn_on = self.on

    def __init__(
        self,
        letter_id: str,
        number: str,
        title: str,
        issuer_id: str,
        recipient_id: str,
        issued_on: str,
        tasks: list[dict],
    ):
        self.letter_id = letter_id
        self.number = number
        self.title = title
        self.issuer_id = issuer_id
        self.recipient_id = recipient_id
        self.issued_on = issued_on
        self.tasks: dict[str, dict[str, Any]] = {
            t["task_id"]: {**t, "percent": 0, "completed_on": None} for t in tasks
        }
        self.acknowledged_by: str | None = None
        self.acknowledged_on: str | None = None
        self.withdrawn_on: str | None = None

    @classmethod
    def issue(
        cls,
        stamp: Stamp,
        letter_id: str,
        number: str,
        title: str,
        issuer_id: str,
        recipient_id: str,
        issued_on: str,
        tasks: list[dict],
        recipient_is_below_issuer: bool,
    ) -> TaskLetter:
        letter_id = business_id(letter_id, "letter id")
        issued_on = day(issued_on, "issuedOn")
        if not recipient_is_below_issuer:
            raise BadInput(f"{recipient_id} is not below {issuer_id} in the unit tree")
        if not tasks:
            raise BadInput("a task letter needs at least one task")
        if len(tasks) > MAX_TASKS:
            raise BadInput(f"a task letter carries at most {MAX_TASKS} tasks")
        clean, seen = [], set()
        for n, t in enumerate(tasks, 1):
            task_id = business_id(t["task_id"], f"task {n} id")
            if task_id in seen:
                raise BadInput(f"task id {task_id} appears twice")
            seen.add(task_id)
            deadline = day(t["deadline"], f"task {task_id} deadline")
            if deadline < issued_on:
                raise BadInput(f"task {task_id}: the deadline {deadline} precedes the letter")
            clean.append(
                {
                    "task_id": task_id,
                    "title": text(t["title"], f"task {task_id} title", max_length=500),
                    "area": choice(t["area"], RESPONSIBILITY_AREAS, "area"),
                    "deadline": deadline,
                }
            )
        return create(
            cls,
            cls.Issued,
            stamp,
            letter_uuid(letter_id),
            letter_id=letter_id,
            number=text(number, "number", max_length=64),
            title=text(title, "title", max_length=500),
            issuer_id=issuer_id,
            recipient_id=recipient_id,
            issued_on=issued_on,
            tasks=clean,
        )

    # ------------------------------------------------------------------ guards

    def _open(self) -> None:
        if self.withdrawn_on:
            raise Conflict(f"letter {self.letter_id} was withdrawn on {self.withdrawn_on}")

    def _task(self, task_id: str) -> dict[str, Any]:
        if task_id not in self.tasks:
            raise NotFound(f"letter {self.letter_id} has no task {task_id!r}")
        return self.tasks[task_id]

    def _not_before_issue(self, on: str) -> str:
        on = day(on, "on")
        if on < self.issued_on:
            raise BadInput(f"{on} precedes the letter ({self.issued_on})")
        return on

    # ------------------------------------------------------------------ commands

    def acknowledge(self, stamp: Stamp, person_id: str, person_posts: list[dict], on: str) -> None:
        self._open()
        on = self._not_before_issue(on)
        if self.acknowledged_by:
            raise Conflict(f"letter {self.letter_id} was already signed by {self.acknowledged_by}")
        if not heads_on(person_posts, self.recipient_id, on):
            raise Conflict(
                f"{person_id} did not head {self.recipient_id} on {on}: only the head "
                "of the recipient unit signs for its letter (签字背书)"
            )
        self.trigger_event(self.Acknowledged, **stamp.fields(), person_id=person_id, on=on)

    def report_progress(self, stamp: Stamp, task_id: str, percent: int, note: str, on: str) -> None:
        self._open()
        task = self._task(task_id)
        on = self._not_before_issue(on)
        if not isinstance(percent, int) or not 0 <= percent <= 100:
            raise BadInput("percent must be a whole number from 0 to 100")
        if task["completed_on"]:
            raise Conflict(f"task {task_id} was completed on {task['completed_on']}")
        if percent < task["percent"]:
            raise Conflict(
                f"task {task_id} stands at {task['percent']}%; progress does not go "
                "backwards without a correction (correctTaskProgress)"
            )
        self.trigger_event(
            self.ProgressReported,
            **stamp.fields(),
            task_id=task_id,
            percent=percent,
            note=text(note, "note", max_length=2000, allow_newlines=True),
            on=on,
        )

    def correct_progress(self, stamp: Stamp, task_id: str, percent: int, reason: str) -> None:
        task = self._task(task_id)
        if not isinstance(percent, int) or not 0 <= percent <= 100:
            raise BadInput("percent must be a whole number from 0 to 100")
        if task["completed_on"]:
            raise Conflict(f"task {task_id} was completed on {task['completed_on']}")
        if percent == task["percent"]:
            raise Conflict(f"task {task_id} already stands at {percent}%")
        self.trigger_event(
            self.ProgressCorrected,
            **stamp.fields(),
            task_id=task_id,
            percent=percent,
            reason=text(reason, "reason", max_length=2000, allow_newlines=True),
        )

    def complete(self, stamp: Stamp, task_id: str, on: str, evidence: str) -> None:
        self._open()
        task = self._task(task_id)
        on = self._not_before_issue(on)
        if task["completed_on"]:
            raise Conflict(f"task {task_id} was already completed on {task['completed_on']}")
        self.trigger_event(
            self.TaskCompleted,
            **stamp.fields(),
            task_id=task_id,
            on=on,
            evidence=text(evidence, "evidence", max_length=4000, allow_newlines=True),
        )

    def withdraw(self, stamp: Stamp, on: str, reason: str) -> None:
        self._open()
        on = self._not_before_issue(on)
        if all(t["completed_on"] for t in self.tasks.values()):
            raise Conflict(f"letter {self.letter_id} is complete; it cannot be withdrawn")
        self.trigger_event(
            self.Withdrawn,
            **stamp.fields(),
            on=on,
            reason=text(reason, "reason", max_length=2000, allow_newlines=True),
        )
