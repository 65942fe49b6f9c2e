"""Findings and their rectification orders, in record time.

A finding is recorded once. An order's row carries what a correction may restate (its due
date and owner) in record time (recorded_from..recorded_to, positions, half-open): a
correction at position q closes the row it supersedes and inserts the restated one. Its
steps (progress, completion, review) are appended with their positions and never change.
So "where did this order stand on day d, as the ledger knew it at position p" reads the
order's row current at p and its steps recorded by p, and the rule
(`ledger.domain.rules.rectification`) says the rest: an indexed lookup, never a replay.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.domain.finding import Finding
from ledger.domain.rectification import Rectification
from ledger.domain.rules.rectification import (
    ACCEPTED,
    COMPLETED,
    PROGRESS,
    REOPENED,
    RectificationState,
    Step,
    state_as_of,
)
from projections.base import Envelope, Projector, on
from projections.bitemporal import NOW, recorded_at
from projections.db import OPEN_POSITION, Tx

ORDER_COLUMNS = "rectification_id, finding_id, unit_id, owner_id, requirement, ordered_on, due_on"


class FindingProjector(Projector):
    name = "findings"
    tables = (
        (
            "rm_findings",
            "CREATE TABLE IF NOT EXISTS rm_findings (finding_id TEXT PRIMARY KEY, "
            "aggregate_id TEXT NOT NULL, unit_id TEXT NOT NULL, source TEXT NOT NULL, "
            "found_on TEXT NOT NULL, description TEXT NOT NULL, recorded_from BIGINT NOT NULL)",
            ("CREATE INDEX IF NOT EXISTS rm_findings_unit ON rm_findings (unit_id, found_on)",),
        ),
        (
            "rm_rectifications",
            "CREATE TABLE IF NOT EXISTS rm_rectifications (rectification_id TEXT NOT NULL, "
            "aggregate_id TEXT NOT NULL, finding_id TEXT NOT NULL, unit_id TEXT NOT NULL, "
            "owner_id TEXT NOT NULL, requirement TEXT NOT NULL, ordered_on TEXT NOT NULL, "
            "due_on TEXT NOT NULL, recorded_from BIGINT NOT NULL, recorded_to BIGINT NOT NULL, "
            "PRIMARY KEY (rectification_id, recorded_from))",
            (
                "CREATE INDEX IF NOT EXISTS rm_rectifications_aggregate "
                "ON rm_rectifications (aggregate_id, recorded_to)",
                "CREATE INDEX IF NOT EXISTS rm_rectifications_finding "
                "ON rm_rectifications (finding_id, recorded_to)",
                "CREATE INDEX IF NOT EXISTS rm_rectifications_unit "
                "ON rm_rectifications (unit_id, recorded_to)",
            ),
        ),
        (
            "rm_rectification_steps",
            "CREATE TABLE IF NOT EXISTS rm_rectification_steps (rectification_id TEXT NOT NULL, "
            "position BIGINT NOT NULL, kind TEXT NOT NULL, on_date TEXT NOT NULL, "
            "percent INTEGER, due_on TEXT, note TEXT NOT NULL, "
            "PRIMARY KEY (rectification_id, position))",
            (),
        ),
    )

    @on(Finding.Recorded)
    def _finding(self, tx: Tx, envelope: Envelope) -> None:
        e = envelope.event
        tx.execute(
            "INSERT INTO rm_findings (finding_id, aggregate_id, unit_id, source, found_on, "
            "description, recorded_from) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                e.finding_id,
                envelope.aggregate_hex,
                e.unit_id,
                e.source,
                e.found_on,
                e.description,
                envelope.position,
            ),
        )

    @on(Rectification.Ordered)
    def _ordered(self, tx: Tx, envelope: Envelope) -> None:
        e = envelope.event
        self._insert(
            tx,
            envelope,
            (e.rectification_id, e.finding_id, e.unit_id, e.owner_id, e.requirement),
            e.ordered_on,
            e.due_on,
        )

    def _insert(self, tx: Tx, envelope: Envelope, fixed: tuple, ordered_on: str, due: str) -> None:
        tx.execute(
            f"INSERT INTO rm_rectifications ({ORDER_COLUMNS}, aggregate_id, recorded_from, "
            "recorded_to) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                *fixed,
                ordered_on,
                due,
                envelope.aggregate_hex,
                envelope.position,
                OPEN_POSITION,
            ),
        )

    def _current(self, tx: Tx, envelope: Envelope):
        return tx.one(
            f"SELECT {ORDER_COLUMNS} FROM rm_rectifications WHERE aggregate_id=? AND recorded_to=?",
            (envelope.aggregate_hex, OPEN_POSITION),
        )

    @on(Rectification.Restated)
    def _restated(self, tx: Tx, envelope: Envelope) -> None:
        e, row = envelope.event, self._current(tx, envelope)
        tx.execute(
            "UPDATE rm_rectifications SET recorded_to=? WHERE aggregate_id=? AND recorded_to=?",
            (envelope.position, envelope.aggregate_hex, OPEN_POSITION),
        )
        fixed = (row["rectification_id"], row["finding_id"], row["unit_id"], e.owner_id)
        self._insert(tx, envelope, (*fixed, row["requirement"]), row["ordered_on"], e.due_on)

    @on(Rectification.ProgressReported, Rectification.Completed, Rectification.Reviewed)
    def _step(self, tx: Tx, envelope: Envelope) -> None:
        e, row = envelope.event, self._current(tx, envelope)
        if isinstance(e, Rectification.ProgressReported):
            kind, percent, due, note = PROGRESS, e.percent, None, e.note
        elif isinstance(e, Rectification.Completed):
            kind, percent, due, note = COMPLETED, 100, None, e.evidence
        else:
            kind = ACCEPTED if e.verdict == "ACCEPT" else REOPENED
            percent, due, note = None, e.due_on, e.opinion
        tx.execute(
            "INSERT INTO rm_rectification_steps (rectification_id, position, kind, on_date, "
            "percent, due_on, note) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (row["rectification_id"], envelope.position, kind, e.on, percent, due, note),
        )


# ---------------------------------------------------------------------- queries


@dataclass(frozen=True)
class FindingRow:
    finding_id: str
    unit_id: str
    source: str
    found_on: str
    description: str


@dataclass(frozen=True)
class StepRow:
    kind: str
    on: str
    percent: int | None
    due_on: str | None
    note: str
    position: int


@dataclass(frozen=True)
class RectificationRow:
    rectification_id: str
    finding_id: str
    unit_id: str
    owner_id: str
    requirement: str
    ordered_on: str
    due_on: str  # as ordered, or as a correction restated it
    steps: tuple[StepRow, ...]

    def state(self, as_of: str) -> RectificationState | None:
        steps = (Step(s.kind, s.on, s.percent, s.due_on) for s in self.steps)
        return state_as_of(self.ordered_on, self.due_on, steps, as_of)


FINDING_COLUMNS = "f.finding_id, f.unit_id, f.source, f.found_on, f.description"


def _position(position: int | None) -> int:
    return NOW if position is None else position


def _finding(r) -> FindingRow:
    return FindingRow(r["finding_id"], r["unit_id"], r["source"], r["found_on"], r["description"])


def _marks(values) -> str:
    return ", ".join("?" for _ in values)


def findings_by_id(tx: Tx, ids: list[str], position: int | None) -> dict[str, FindingRow]:
    if not ids:
        return {}
    rows = tx.all(
        f"SELECT {FINDING_COLUMNS} FROM rm_findings f WHERE f.finding_id IN ({_marks(ids)}) "
        "AND f.recorded_from <= ?",
        (*ids, _position(position)),
    )
    return {r["finding_id"]: _finding(r) for r in rows}


def findings_in(
    tx: Tx,
    root_id: str | None,
    as_of: str,
    position: int | None,
    *,
    source: str | None = None,
    scope: tuple[str, tuple] = ("", ()),
    limit: int = 1000,
) -> list[FindingRow]:
    """Findings made by `as_of` in the root's subtree (every unit when None), as recorded at
    `position`; `scope` restricts their units to a token's."""
    where, params = ["f.found_on <= ?", "f.recorded_from <= ?"], [as_of, _position(position)]
    if root_id is not None:
        where.append("f.unit_id IN (SELECT unit_id FROM rm_unit_tree WHERE ancestor_id = ?)")
        params.append(root_id)
    if source is not None:
        where.append("f.source = ?")
        params.append(source)
    rows = tx.all(
        f"SELECT {FINDING_COLUMNS} FROM rm_findings f WHERE {' AND '.join(where)}{scope[0]} "
        "ORDER BY f.found_on, f.finding_id LIMIT ?",
        (*params, *scope[1], limit),
    )
    return [_finding(r) for r in rows]


def _orders(tx: Tx, where: str, params: tuple, position: int | None) -> list[RectificationRow]:
    p = _position(position)
    rows = tx.all(
        f"SELECT {', '.join('r.' + c.strip() for c in ORDER_COLUMNS.split(','))} "
        f"FROM rm_rectifications r WHERE {where} AND {recorded_at('r')} "
        "ORDER BY r.ordered_on, r.rectification_id",
        (*params, p, p),
    )
    ids = [r["rectification_id"] for r in rows]
    steps: dict[str, list[StepRow]] = {i: [] for i in ids}
    for chunk in (ids[n : n + 500] for n in range(0, len(ids), 500)):
        for s in tx.all(
            "SELECT rectification_id, kind, on_date, percent, due_on, note, position "
            f"FROM rm_rectification_steps WHERE rectification_id IN ({_marks(chunk)}) "
            "AND position <= ? ORDER BY position",
            (*chunk, p),
        ):
            steps[s["rectification_id"]].append(
                StepRow(
                    s["kind"], s["on_date"], s["percent"], s["due_on"], s["note"], s["position"]
                )
            )
    return [
        RectificationRow(
            r["rectification_id"],
            r["finding_id"],
            r["unit_id"],
            r["owner_id"],
            r["requirement"],
            r["ordered_on"],
            r["due_on"],
            tuple(steps[r["rectification_id"]]),
        )
        for r in rows
    ]


def rectifications_by_id(
    tx: Tx, ids: list[str], position: int | None
) -> dict[str, RectificationRow]:
    if not ids:
        return {}
    found = _orders(tx, f"r.rectification_id IN ({_marks(ids)})", tuple(ids), position)
    return {r.rectification_id: r for r in found}


def rectifications_of(
    tx: Tx, finding_ids: list[str], position: int | None
) -> dict[str, list[RectificationRow]]:
    out: dict[str, list[RectificationRow]] = {f: [] for f in finding_ids}
    if finding_ids:
        where = f"r.finding_id IN ({_marks(finding_ids)})"
        for r in _orders(tx, where, tuple(finding_ids), position):
            out[r.finding_id].append(r)
    return out


def rectifications_in(
    tx: Tx,
    root_ids: list[str] | None,
    as_of: str,
    position: int | None,
    scope: tuple[str, tuple] = ("", ()),
) -> list[tuple[str | None, RectificationRow]]:
    """Orders in force on `as_of` (ordered by then) whose unit lies in the subtree of one of
    `root_ids` (every unit when None), as recorded at `position`: (the root, the order)."""
    if root_ids is None:
        found = _orders(tx, f"r.ordered_on <= ?{scope[0]}", (as_of, *scope[1]), position)
        return [(None, r) for r in found]
    if not root_ids:
        return []
    tree = tx.all(
        f"SELECT ancestor_id, unit_id FROM rm_unit_tree WHERE ancestor_id IN ({_marks(root_ids)})",
        root_ids,
    )
    roots_of: dict[str, list[str]] = {}
    for t in tree:
        roots_of.setdefault(t["unit_id"], []).append(t["ancestor_id"])
    where = (
        "r.ordered_on <= ? AND r.unit_id IN (SELECT unit_id FROM rm_unit_tree "
        f"WHERE ancestor_id IN ({_marks(root_ids)})){scope[0]}"
    )
    found = _orders(tx, where, (as_of, *root_ids, *scope[1]), position)
    return [(root, r) for r in found for root in roots_of.get(r.unit_id, [])]
