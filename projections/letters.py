"""Task letters and their tasks, as they stand now (letters carry no record-time questions).

`seq` is the position of the letter's issue event: paging on it is stable while new
letters arrive, since they always sort after every existing one.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.domain.letter import TaskLetter
from ledger.domain.rules.letters import letter_status, task_status
from projections.base import Envelope, Projector, on
from projections.db import Tx, as_row

LETTER_COLUMNS = (
    "letter_id, seq, number, title, issuer_id, recipient_id, issued_on, "
    "acknowledged_by, acknowledged_on, withdrawn_on, status"
)
TASK_COLUMNS = "letter_id, task_id, title, area, deadline, percent, progress_since, completed_on"


class LetterProjector(Projector):
    name = "letters"
    tables = (
        (
            "rm_letters",
            "CREATE TABLE IF NOT EXISTS rm_letters (letter_id TEXT PRIMARY KEY, "
            "aggregate_id TEXT NOT NULL, seq BIGINT NOT NULL, number TEXT NOT NULL, "
            "title TEXT NOT NULL, issuer_id TEXT NOT NULL, recipient_id TEXT NOT NULL, "
            "issued_on TEXT NOT NULL, acknowledged_by TEXT, acknowledged_on TEXT, "
            "withdrawn_on TEXT, status TEXT NOT NULL)",
            (
                "CREATE UNIQUE INDEX IF NOT EXISTS rm_letters_seq ON rm_letters (seq)",
                "CREATE INDEX IF NOT EXISTS rm_letters_aggregate ON rm_letters (aggregate_id)",
                "CREATE INDEX IF NOT EXISTS rm_letters_recipient ON rm_letters (recipient_id, seq)",
                "CREATE INDEX IF NOT EXISTS rm_letters_issuer ON rm_letters (issuer_id, seq)",
                "CREATE INDEX IF NOT EXISTS rm_letters_status ON rm_letters (status, seq)",
            ),
        ),
        (
            "rm_tasks",
            "CREATE TABLE IF NOT EXISTS rm_tasks (letter_id TEXT NOT NULL, task_id TEXT NOT NULL, "
            "title TEXT NOT NULL, area TEXT NOT NULL, deadline TEXT NOT NULL, "
            "percent INTEGER NOT NULL, progress_since TEXT, completed_on TEXT, "
            "PRIMARY KEY (letter_id, task_id))",
            (),
        ),
    )

    @on(TaskLetter.Issued)
    def _issued(self, tx: Tx, envelope: Envelope) -> None:
        e = envelope.event
        tx.execute(
            "INSERT INTO rm_letters (letter_id, aggregate_id, seq, number, title, issuer_id, "
            "recipient_id, issued_on, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'ISSUED')",
            (
                e.letter_id,
                envelope.aggregate_id.hex,
                envelope.position,
                e.number,
                e.title,
                e.issuer_id,
                e.recipient_id,
                e.issued_on,
            ),
        )
        tx.executemany(
            "INSERT INTO rm_tasks (letter_id, task_id, title, area, deadline, percent) "
            "VALUES (?, ?, ?, ?, ?, 0)",
            [(e.letter_id, t["task_id"], t["title"], t["area"], t["deadline"]) for t in e.tasks],
        )

    @on(
        TaskLetter.Acknowledged,
        TaskLetter.ProgressReported,
        TaskLetter.ProgressCorrected,
        TaskLetter.TaskCompleted,
        TaskLetter.Withdrawn,
    )
    def _changed(self, tx: Tx, envelope: Envelope) -> None:
        e = envelope.event
        letter_id = tx.scalar(
            "SELECT letter_id FROM rm_letters WHERE aggregate_id=?", (envelope.aggregate_id.hex,)
        )
        if isinstance(e, TaskLetter.Acknowledged):
            tx.execute(
                "UPDATE rm_letters SET acknowledged_by=?, acknowledged_on=? WHERE letter_id=?",
                (e.person_id, e.on, letter_id),
            )
        elif isinstance(e, TaskLetter.ProgressReported):
            tx.execute(
                "UPDATE rm_tasks SET percent=?, progress_since=COALESCE(progress_since, ?) "
                "WHERE letter_id=? AND task_id=?",
                (e.percent, e.on if e.percent > 0 else None, letter_id, e.task_id),
            )
        elif isinstance(e, TaskLetter.ProgressCorrected):
            tx.execute(
                "UPDATE rm_tasks SET percent=?, progress_since=CASE WHEN ? = 0 THEN NULL "
                "ELSE progress_since END WHERE letter_id=? AND task_id=?",
                (e.percent, e.percent, letter_id, e.task_id),
            )
        elif isinstance(e, TaskLetter.TaskCompleted):
            tx.execute(
                "UPDATE rm_tasks SET percent=100, completed_on=?, "
                "progress_since=COALESCE(progress_since, ?) WHERE letter_id=? AND task_id=?",
                (e.on, e.on, letter_id, e.task_id),
            )
        else:
            tx.execute("UPDATE rm_letters SET withdrawn_on=? WHERE letter_id=?", (e.on, letter_id))
        self._status(tx, letter_id)

    def _status(self, tx: Tx, letter_id: str) -> None:
        letter = tx.one(
            "SELECT acknowledged_by, withdrawn_on FROM rm_letters WHERE letter_id=?", (letter_id,)
        )
        open_tasks = tx.scalar(
            "SELECT COUNT(*) FROM rm_tasks WHERE letter_id=? AND completed_on IS NULL", (letter_id,)
        )
        status = letter_status(
            bool(letter["withdrawn_on"]), open_tasks, bool(letter["acknowledged_by"])
        )
        tx.execute("UPDATE rm_letters SET status=? WHERE letter_id=?", (status, letter_id))


# ---------------------------------------------------------------------- queries


@dataclass(frozen=True)
class LetterRow:
    letter_id: str
    seq: int
    number: str
    title: str
    issuer_id: str
    recipient_id: str
    issued_on: str
    acknowledged_by: str | None
    acknowledged_on: str | None
    withdrawn_on: str | None
    status: str


@dataclass(frozen=True)
class TaskRow:
    letter_id: str
    task_id: str
    title: str
    area: str
    deadline: str
    percent: int
    progress_since: str | None
    completed_on: str | None

    def status(self, as_of: str) -> str:
        return task_status(self.deadline, self.progress_since, self.completed_on, as_of)


def _letter(r) -> LetterRow:
    return as_row(LetterRow, r)


def _task(r) -> TaskRow:
    return as_row(TaskRow, r)


def letters_by_id(tx: Tx, ids: list[str]) -> dict[str, LetterRow]:
    if not ids:
        return {}
    rows = tx.all(
        f"SELECT {LETTER_COLUMNS} FROM rm_letters WHERE letter_id IN ({', '.join('?' * len(ids))})",
        ids,
    )
    return {r["letter_id"]: _letter(r) for r in rows}


def tasks_by_letter(tx: Tx, letter_ids: list[str]) -> dict[str, list[TaskRow]]:
    out: dict[str, list[TaskRow]] = {i: [] for i in letter_ids}
    if letter_ids:
        for r in tx.all(
            f"SELECT {TASK_COLUMNS} FROM rm_tasks WHERE letter_id IN "
            f"({', '.join('?' * len(letter_ids))}) ORDER BY deadline, task_id",
            letter_ids,
        ):
            out[r["letter_id"]].append(_task(r))
    return out


def letters_page(
    tx: Tx,
    *,
    recipient_id: str | None,
    issuer_id: str | None,
    status: str | None,
    first: int,
    after_seq: int,
    scope: tuple[str, tuple] = ("", ()),
) -> tuple[list[LetterRow], bool, int]:
    """One page after a cursor, whether more follow, and the total under the same filters
    (`scope`: a condition restricting the recipients to a token's units)."""
    where, params = [], []
    for column, value in (
        ("recipient_id", recipient_id),
        ("issuer_id", issuer_id),
        ("status", status),
    ):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    filters = (" AND ".join(where) or "1=1") + scope[0]
    params.extend(scope[1])
    rows = tx.all(
        f"SELECT {LETTER_COLUMNS} FROM rm_letters WHERE {filters} AND seq > ? ORDER BY seq LIMIT ?",
        (*params, after_seq, first + 1),
    )
    total = tx.scalar(f"SELECT COUNT(*) FROM rm_letters WHERE {filters}", params)
    return [_letter(r) for r in rows[:first]], len(rows) > first, total


@dataclass(frozen=True)
class LevelRow:
    depth: int
    letters: int
    acknowledged_rate: float
    completed_rate: float
    overdue_tasks: int


def transmission(tx: Tx, root_id: str, as_of: str) -> list[LevelRow]:
    """层层传导: per depth below the root, letters in force on `as_of`, the share signed for,
    the share of their tasks done, and the tasks overdue."""
    rows = tx.all(
        f"SELECT {', '.join('l.' + c.strip() for c in LETTER_COLUMNS.split(','))}, t.distance "
        "FROM rm_letters l JOIN rm_unit_tree t ON t.unit_id = l.recipient_id AND t.ancestor_id = ? "
        "WHERE l.issued_on <= ? AND (l.withdrawn_on IS NULL OR l.withdrawn_on > ?)",
        (root_id, as_of, as_of),
    )
    letters = [(_letter(r), r["distance"]) for r in rows]
    tasks = tasks_by_letter(tx, [letter.letter_id for letter, _ in letters])
    levels: dict[int, dict] = {}
    for letter, depth in letters:
        level = levels.setdefault(
            depth, {"letters": 0, "acknowledged": 0, "tasks": 0, "done": 0, "overdue": 0}
        )
        level["letters"] += 1
        if letter.acknowledged_on and letter.acknowledged_on <= as_of:
            level["acknowledged"] += 1
        for task in tasks[letter.letter_id]:
            status = task.status(as_of)
            level["tasks"] += 1
            level["done"] += status == "DONE"
            level["overdue"] += status == "OVERDUE"
    deepest = tx.scalar("SELECT MAX(distance) FROM rm_unit_tree WHERE ancestor_id = ?", (root_id,))
    empty = {"letters": 0, "acknowledged": 0, "tasks": 0, "done": 0, "overdue": 0}
    out = []
    for depth in range(0, (deepest or 0) + 1):
        v = levels.get(depth, empty)
        out.append(
            LevelRow(
                depth,
                v["letters"],
                round(v["acknowledged"] / v["letters"], 4) if v["letters"] else 0.0,
                round(v["done"] / v["tasks"], 4) if v["tasks"] else 0.0,
                v["overdue"],
            )
        )
    return out
