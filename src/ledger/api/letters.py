"""GraphQL types for task letters (函告书) and responsibility transmission (层层传导)."""

from __future__ import annotations

import base64
from datetime import date, datetime

import strawberry
from strawberry.types import Info

from ledger import commands
from ledger.api.context import as_of_text
from ledger.api.inputs import graphql_enum
from ledger.api.mutations import mutation
from ledger.api.organisation import Person, Unit, load_person, load_unit
from ledger.api.responsibility import ResponsibilityArea
from ledger.domain.errors import BadInput, NotFound
from projections import letters as rows

TaskLetterStatus = graphql_enum("TaskLetterStatus")


TaskStatus = graphql_enum("TaskStatus")


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


@strawberry.type
class Task:
    id: strawberry.ID
    title: str
    area: ResponsibilityArea
    deadline: date
    percent: int
    completed_on: date | None
    row: strawberry.Private[rows.TaskRow]
    position: strawberry.Private[int | None]

    @strawberry.field(
        description="OVERDUE when the deadline passed by `asOf` and the task is not done; as "
        "the ledger knew it at `knownAt` (default: as its letter was asked)"
    )
    def status(
        self, info: Info, as_of: date | None = None, known_at: datetime | None = None
    ) -> TaskStatus:
        row = self.row
        if known_at is not None:
            position = info.context.position(known_at)
            found = info.context.batch(
                "tasks",
                (position,),
                [],
                row.letter_id,
                lambda tx, ids: rows.tasks_by_letter(tx, ids, position),
            )
            then = next((t for t in found or [] if t.task_id == row.task_id), None)
            if then is None:
                raise NotFound(f"task {row.task_id} of {row.letter_id} was not recorded by knownAt")
            row = then
        return TaskStatus(row.status(as_of_text(as_of)))


@strawberry.type(
    description="党风廉政建设主要工作任务函告书 — a task letter from an organ to one of its units."
)
class TaskLetter:
    id: strawberry.ID
    number: str
    title: str
    issued_on: date
    status: TaskLetterStatus
    acknowledged_on: date | None
    row: strawberry.Private[rows.LetterRow]
    peers: strawberry.Private[tuple[rows.LetterRow, ...]]
    position: strawberry.Private[int | None]

    @strawberry.field
    def issuer(self, info: Info) -> Unit:
        return load_unit(info, self.row.issuer_id, [p.issuer_id for p in self.peers])

    @strawberry.field
    def recipient(self, info: Info) -> Unit:
        return load_unit(info, self.row.recipient_id, [p.recipient_id for p in self.peers])

    @strawberry.field
    def acknowledged_by(self, info: Info) -> Person | None:
        if not self.row.acknowledged_by:
            return None
        return load_person(
            info,
            self.row.acknowledged_by,
            [p.acknowledged_by for p in self.peers if p.acknowledged_by],
        )

    @strawberry.field
    def tasks(self, info: Info, as_of: date | None = None) -> list[Task]:
        position = self.position
        found = (
            info.context.batch(
                "tasks",
                (position,),
                [p.letter_id for p in self.peers],
                self.row.letter_id,
                lambda tx, ids: rows.tasks_by_letter(tx, ids, position),
            )
            or []
        )
        return [
            Task(
                id=strawberry.ID(t.task_id),
                title=t.title,
                area=ResponsibilityArea(t.area),
                deadline=date.fromisoformat(t.deadline),
                percent=t.percent,
                completed_on=_day(t.completed_on),
                row=t,
                position=position,
            )
            for t in found
        ]


def letters_from(found: list[rows.LetterRow], position: int | None = None) -> list[TaskLetter]:
    """Letters as recorded at `position` (None: now); their tasks are read at the same one."""
    peers = tuple(found)
    return [
        TaskLetter(
            id=strawberry.ID(r.letter_id),
            number=r.number,
            title=r.title,
            issued_on=date.fromisoformat(r.issued_on),
            status=TaskLetterStatus(r.status),
            acknowledged_on=_day(r.acknowledged_on),
            row=r,
            peers=peers,
            position=position,
        )
        for r in found
    ]


@strawberry.type
class TaskLetterEdge:
    cursor: str
    node: TaskLetter


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class TaskLetterConnection:
    edges: list[TaskLetterEdge]
    page_info: PageInfo
    total_count: int


def encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"letter:{seq}".encode()).decode()


def decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        kind, _, seq = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        if kind != "letter" or not seq.isdigit():
            raise ValueError
        return int(seq)
    except (ValueError, UnicodeDecodeError):
        raise BadInput(f"not a task-letter cursor: {cursor!r}") from None


@strawberry.type(
    description="How well responsibility is passed down one level of the unit tree (层层传导 / 上热下冷)."
)
class TransmissionLevel:
    depth: int = strawberry.field(description="0 = the root unit, 1 = its children, ...")
    letters: int
    acknowledged_rate: float
    completed_rate: float = strawberry.field(description="share of the level's tasks done by asOf")
    overdue_tasks: int


# ---------------------------------------------------------------------- mutations


@strawberry.type
class LetterMutations:
    issue_task_letter = mutation(commands.IssueTaskLetter)
    acknowledge_task_letter = mutation(commands.AcknowledgeTaskLetter)
    report_task_progress = mutation(commands.ReportTaskProgress)
    correct_task_progress = mutation(commands.CorrectTaskProgress)
    complete_task = mutation(commands.CompleteTask)
    withdraw_task_letter = mutation(commands.WithdrawTaskLetter)
