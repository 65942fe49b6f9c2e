"""Task letters and their tasks, in record time.

Every row of a letter or a task is one version of it, current from `recorded_from` until
`recorded_to` (positions, half-open; OPEN_POSITION while current). An event at position q
that changes a letter (signed for, withdrawn, its status) or a task (progress reported or
corrected, completed) closes the version it supersedes and inserts the new one; nothing is
ever updated otherwise. So "which letters had unit U signed by 30 June, as the ledger knew
it on 1 July" reads the versions current at the position known then: an indexed lookup,
never a replay, and a correction of progress leaves every earlier answer as it was.

`seq` is the position of the letter's issue event: paging on it is stable while new
letters arrive, since they always sort after every existing one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ledger.domain.letter import TaskLetter
from ledger.domain.rules.letters import letter_status, task_status
from projections.base import Envelope, Projector, on
from projections.bitemporal import NOW, recorded_at
from projections.db import OPEN_POSITION, Tx, Versions, as_row

LETTER_COLUMNS = (
    "letter_id, seq, number, title, issuer_id, recipient_id, issued_on, "
    "acknowledged_by, acknowledged_on, withdrawn_on, status"
)
TASK_COLUMNS = "letter_id, task_id, title, area, deadline, percent, progress_since, completed_on"
LETTER_FIELDS = tuple(c.strip() for c in LETTER_COLUMNS.split(","))
TASK_FIELDS = tuple(c.strip() for c in TASK_COLUMNS.split(","))


class LetterProjector(Projector):
    name = "letters"
    rebuild_cost = 20.0
    # Applying reads a letter by its aggregate (when not kept in memory) and its tasks by
    # letter; closing a version finds it by the primary key's prefix.
    deferred = frozenset(
        {
            "rm_letters_current",
            "rm_letters_seq",
            "rm_letters_recipient",
            "rm_letters_issuer",
            "rm_letters_status",
            "rm_tasks_current",
        }
    )
    tables = (
        (
            "rm_letters",
            "CREATE TABLE IF NOT EXISTS rm_letters (letter_id TEXT NOT NULL, "
            "aggregate_id TEXT NOT NULL, seq BIGINT NOT NULL, number TEXT NOT NULL, "
            "title TEXT NOT NULL, issuer_id TEXT NOT NULL, recipient_id TEXT NOT NULL, "
            "issued_on TEXT NOT NULL, acknowledged_by TEXT, acknowledged_on TEXT, "
            "withdrawn_on TEXT, status TEXT NOT NULL, recorded_from BIGINT NOT NULL, "
            "recorded_to BIGINT NOT NULL, PRIMARY KEY (letter_id, recorded_from))",
            (
                "CREATE INDEX IF NOT EXISTS rm_letters_current ON rm_letters (letter_id, recorded_to)",
                "CREATE INDEX IF NOT EXISTS rm_letters_seq ON rm_letters (seq, recorded_to)",
                "CREATE INDEX IF NOT EXISTS rm_letters_aggregate "
                "ON rm_letters (aggregate_id, recorded_to)",
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
            "recorded_from BIGINT NOT NULL, recorded_to BIGINT NOT NULL, "
            "PRIMARY KEY (letter_id, task_id, recorded_from))",
            ("CREATE INDEX IF NOT EXISTS rm_tasks_current ON rm_tasks (letter_id, recorded_to)",),
        ),
    )

    def __init__(self) -> None:
        # The current version of letters (by aggregate) and of their tasks (by letter, then
        # task), as the tables hold them: a progress report reads no row.
        self._letters: dict[str, dict[str, Any]] = {}
        self._tasks: dict[str, dict[str, dict[str, Any]]] = {}

    def reset_caches(self) -> None:
        self._letters.clear()
        self._tasks.clear()

    def _remember(self, aggregate: str, letter: dict[str, Any]) -> None:
        if len(self._letters) > CACHED_LETTERS:
            self._letters.clear()
            self._tasks.clear()
        self._letters[aggregate] = letter

    @on(TaskLetter.Issued)
    def _issued(self, tx: Tx, envelope: Envelope) -> None:
        e = envelope.event
        q = envelope.position
        letter = {
            "letter_id": e.letter_id,
            "seq": q,
            "number": e.number,
            "title": e.title,
            "issuer_id": e.issuer_id,
            "recipient_id": e.recipient_id,
            "issued_on": e.issued_on,
            "acknowledged_by": None,
            "acknowledged_on": None,
            "withdrawn_on": None,
            "status": "ISSUED",
        }
        _letters(tx).insert((e.letter_id,), _letter_values(letter, envelope.aggregate_hex), q)
        tasks = {}
        writer = _tasks(tx)
        for t in e.tasks:
            task = {
                "letter_id": e.letter_id,
                "task_id": t["task_id"],
                "title": t["title"],
                "area": t["area"],
                "deadline": t["deadline"],
                "percent": 0,
                "progress_since": None,
                "completed_on": None,
            }
            writer.insert((e.letter_id, t["task_id"]), [task[f] for f in TASK_FIELDS], q)
            tasks[t["task_id"]] = task
        self._remember(envelope.aggregate_hex, letter)
        self._tasks[e.letter_id] = tasks

    def _current(self, tx: Tx, aggregate: str) -> tuple[dict[str, Any], dict[str, dict]]:
        """The letter's current version and its tasks' (read once, then kept)."""
        letter = self._letters.get(aggregate)
        if letter is None:
            row = tx.one(
                f"SELECT {LETTER_COLUMNS} FROM rm_letters WHERE aggregate_id=? AND recorded_to=?",
                (aggregate, OPEN_POSITION),
            )
            letter = {name: row[name] for name in LETTER_FIELDS}
            self._remember(aggregate, letter)
        tasks = self._tasks.get(letter["letter_id"])
        if tasks is None:
            rows = tx.all(
                f"SELECT {TASK_COLUMNS} FROM rm_tasks WHERE letter_id=? AND recorded_to=?",
                (letter["letter_id"], OPEN_POSITION),
            )
            tasks = {r["task_id"]: {name: r[name] for name in TASK_FIELDS} for r in rows}
            self._tasks[letter["letter_id"]] = tasks
        return letter, tasks

    @on(
        TaskLetter.Acknowledged,
        TaskLetter.ProgressReported,
        TaskLetter.ProgressCorrected,
        TaskLetter.TaskCompleted,
        TaskLetter.Withdrawn,
    )
    def _changed(self, tx: Tx, envelope: Envelope) -> None:
        e, q = envelope.event, envelope.position
        letter, tasks = self._current(tx, envelope.aggregate_hex)
        letter_id = letter["letter_id"]
        changes: dict[str, object] = {}
        if isinstance(e, TaskLetter.Acknowledged):
            changes.update(acknowledged_by=e.person_id, acknowledged_on=e.on)
        elif isinstance(e, TaskLetter.Withdrawn):
            changes.update(withdrawn_on=e.on)
        else:
            restated = dict(tasks[e.task_id])
            if isinstance(e, TaskLetter.ProgressReported):
                restated["percent"] = e.percent
                if restated["progress_since"] is None and e.percent > 0:
                    restated["progress_since"] = e.on
            elif isinstance(e, TaskLetter.ProgressCorrected):
                restated["percent"] = e.percent
                if e.percent == 0:
                    restated["progress_since"] = None
            else:  # completed
                restated.update(percent=100, completed_on=e.on)
                restated["progress_since"] = restated["progress_since"] or e.on
            _tasks(tx).restate((letter_id, e.task_id), [restated[f] for f in TASK_FIELDS], q)
            tasks[e.task_id] = restated
        open_tasks = sum(1 for task in tasks.values() if task["completed_on"] is None)
        stated = {**letter, **changes}
        stated["status"] = letter_status(
            bool(stated["withdrawn_on"]), open_tasks, bool(stated["acknowledged_by"])
        )
        if any(stated[name] != letter[name] for name in LETTER_FIELDS):
            _letters(tx).restate((letter_id,), _letter_values(stated, envelope.aggregate_hex), q)
            self._letters[envelope.aggregate_hex] = stated


CACHED_LETTERS = 100_000  # letters whose current version (and tasks') are kept in memory


def _letters(tx: Tx) -> Versions:
    return tx.versions("rm_letters", ("letter_id",), (*LETTER_FIELDS, "aggregate_id"))


def _tasks(tx: Tx) -> Versions:
    return tx.versions("rm_tasks", ("letter_id", "task_id"), TASK_FIELDS)


def _letter_values(letter: dict[str, Any], aggregate: str) -> list[Any]:
    return [*(letter[name] for name in LETTER_FIELDS), aggregate]


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


def _p(position: int | None) -> int:
    return NOW if position is None else position


def letters_by_id(tx: Tx, ids: list[str], position: int | None = None) -> dict[str, LetterRow]:
    """The letters as recorded at `position` (None: now)."""
    if not ids:
        return {}
    p = _p(position)
    rows = tx.all(
        f"SELECT {LETTER_COLUMNS} FROM rm_letters WHERE letter_id IN ({', '.join('?' * len(ids))}) "
        f"AND {recorded_at()}",
        (*ids, p, p),
    )
    return {r["letter_id"]: _letter(r) for r in rows}


def tasks_by_letter(
    tx: Tx, letter_ids: list[str], position: int | None = None
) -> dict[str, list[TaskRow]]:
    """The letters' tasks as recorded at `position` (None: now)."""
    out: dict[str, list[TaskRow]] = {i: [] for i in letter_ids}
    p = _p(position)
    if letter_ids:
        for r in tx.all(
            f"SELECT {TASK_COLUMNS} FROM rm_tasks WHERE letter_id IN "
            f"({', '.join('?' * len(letter_ids))}) AND {recorded_at()} ORDER BY deadline, task_id",
            (*letter_ids, p, p),
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
    position: int | None = None,
) -> tuple[list[LetterRow], bool, int]:
    """One page after a cursor, whether more follow, and the total under the same filters
    (`scope`: a condition restricting the recipients to a token's units), as recorded at
    `position` (None: now)."""
    p = _p(position)
    where, params = [recorded_at()], [p, p]
    for column, value in (
        ("recipient_id", recipient_id),
        ("issuer_id", issuer_id),
        ("status", status),
    ):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    filters = " AND ".join(where) + scope[0]
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


def transmission(tx: Tx, root_id: str, as_of: str, position: int | None = None) -> list[LevelRow]:
    """层层传导: per depth below the root, letters in force on `as_of`, the share signed for,
    the share of their tasks done, and the tasks overdue, as recorded at `position`."""
    p = _p(position)
    rows = tx.all(
        f"SELECT {', '.join('l.' + c for c in LETTER_FIELDS)}, t.distance "
        "FROM rm_letters l JOIN rm_unit_tree t ON t.unit_id = l.recipient_id AND t.ancestor_id = ? "
        "WHERE l.issued_on <= ? AND (l.withdrawn_on IS NULL OR l.withdrawn_on > ?) "
        f"AND {recorded_at('l')}",
        (root_id, as_of, as_of, p, p),
    )
    letters = [(_letter(r), r["distance"]) for r in rows]
    tasks = tasks_by_letter(tx, [letter.letter_id for letter, _ in letters], position)
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
