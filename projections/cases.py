"""Cases in two times: each case event closes the current case row and inserts the restated one.

Accountability measures are appended per (case, person); the latest recorded by a
position is the one in force then.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ledger.domain.case import Case
from projections.base import Envelope, Projector, on
from projections.bitemporal import NOW
from projections.db import OPEN_POSITION, Tx, as_row

CASE_COLUMNS = (
    "case_id, unit_id, subject_id, category, discovery, facts_on, facts_until, registered_on, "
    "summary, form, decision, concluded_on"
)


@dataclass(frozen=True)
class CaseRow:
    case_id: str
    unit_id: str
    subject_id: str
    category: str
    discovery: str
    facts_on: str
    facts_until: str | None
    registered_on: str
    summary: str
    form: str | None = None
    decision: str | None = None
    concluded_on: str | None = None

    def values(self) -> tuple:
        return (
            self.case_id,
            self.unit_id,
            self.subject_id,
            self.category,
            self.discovery,
            self.facts_on,
            self.facts_until,
            self.registered_on,
            self.summary,
            self.form,
            self.decision,
            self.concluded_on,
        )


def _case(r) -> CaseRow:
    return as_row(CaseRow, r)


class CaseProjector(Projector):
    name = "cases"
    tables = (
        (
            "rm_cases",
            "CREATE TABLE IF NOT EXISTS rm_cases (case_id TEXT NOT NULL, aggregate_id TEXT NOT NULL, "
            "unit_id TEXT NOT NULL, subject_id TEXT NOT NULL, category TEXT NOT NULL, "
            "discovery TEXT NOT NULL, facts_on TEXT NOT NULL, facts_until TEXT, "
            "registered_on TEXT NOT NULL, summary TEXT NOT NULL, form TEXT, decision TEXT, "
            "concluded_on TEXT, recorded_from BIGINT NOT NULL, recorded_to BIGINT NOT NULL)",
            (
                "CREATE INDEX IF NOT EXISTS rm_cases_case ON rm_cases (case_id, recorded_to)",
                "CREATE INDEX IF NOT EXISTS rm_cases_aggregate ON rm_cases (aggregate_id, recorded_to)",
                "CREATE INDEX IF NOT EXISTS rm_cases_registered ON rm_cases (recorded_to, registered_on)",
                "CREATE INDEX IF NOT EXISTS rm_cases_unit ON rm_cases (unit_id, recorded_to)",
            ),
        ),
        (
            "rm_case_measures",
            "CREATE TABLE IF NOT EXISTS rm_case_measures (case_id TEXT NOT NULL, "
            "person_id TEXT NOT NULL, measure TEXT NOT NULL, reason TEXT NOT NULL, "
            "decided_on TEXT NOT NULL, recorded_from BIGINT NOT NULL)",
            (
                "CREATE INDEX IF NOT EXISTS rm_case_measures_case "
                "ON rm_case_measures (case_id, recorded_from)",
            ),
        ),
    )

    @on(Case.Registered)
    def _registered(self, tx: Tx, envelope: Envelope) -> None:
        e = envelope.event
        row = CaseRow(
            e.case_id,
            e.unit_id,
            e.subject_id,
            e.category,
            e.discovery,
            e.facts_on,
            e.facts_until,
            e.registered_on,
            e.summary,
        )
        self._insert(tx, envelope.aggregate_id.hex, row, envelope.position)

    def _current(self, tx: Tx, envelope: Envelope) -> CaseRow:
        row = tx.one(
            f"SELECT {CASE_COLUMNS} FROM rm_cases WHERE aggregate_id=? AND recorded_to=?",
            (envelope.aggregate_id.hex, OPEN_POSITION),
        )
        return _case(row)

    @on(Case.AccountabilityDetermined)
    def _determined(self, tx: Tx, envelope: Envelope) -> None:
        e, case_id = envelope.event, self._current(tx, envelope).case_id
        tx.execute(
            "INSERT INTO rm_case_measures (case_id, person_id, measure, reason, decided_on, "
            "recorded_from) VALUES (?, ?, ?, ?, ?, ?)",
            (case_id, e.person_id, e.measure, e.reason, e.on, envelope.position),
        )

    @on(Case.Concluded)
    def _concluded(self, tx: Tx, envelope: Envelope) -> None:
        e = envelope.event
        current = self._current(tx, envelope)
        restated = replace(current, form=e.form, decision=e.decision, concluded_on=e.on)
        self._restate(tx, envelope, restated)

    @on(Case.Corrected)
    def _corrected(self, tx: Tx, envelope: Envelope) -> None:
        e = envelope.event
        current = self._current(tx, envelope)
        restated = replace(
            current, unit_id=e.unit_id, facts_on=e.facts_on, facts_until=e.facts_until
        )
        self._restate(tx, envelope, restated)

    def _restate(self, tx: Tx, envelope: Envelope, restated: CaseRow) -> None:
        """Close the case's current row and insert the restated one, at this position."""
        q, agg = envelope.position, envelope.aggregate_id.hex
        tx.execute(
            "UPDATE rm_cases SET recorded_to=? WHERE aggregate_id=? AND recorded_to=?",
            (q, agg, OPEN_POSITION),
        )
        self._insert(tx, agg, restated, q)

    def _insert(self, tx: Tx, agg: str, row: CaseRow, q: int) -> None:
        tx.execute(
            f"INSERT INTO rm_cases ({CASE_COLUMNS}, aggregate_id, recorded_from, recorded_to) "
            f"VALUES ({', '.join('?' * 15)})",
            (*row.values(), agg, q, OPEN_POSITION),
        )


# ---------------------------------------------------------------------- queries


def _at(position: int | None) -> int:
    return NOW if position is None else position


def cases_by_id(tx: Tx, ids: list[str], position: int | None = None) -> dict[str, CaseRow]:
    if not ids:
        return {}
    p = _at(position)
    rows = tx.all(
        f"SELECT {CASE_COLUMNS} FROM rm_cases WHERE case_id IN ({', '.join('?' * len(ids))}) "
        "AND recorded_from <= ? AND recorded_to > ?",
        (*ids, p, p),
    )
    return {r["case_id"]: _case(r) for r in rows}


def list_cases(
    tx: Tx,
    unit_id: str | None,
    date_from: str | None,
    date_to: str | None,
    category: str | None,
    limit: int = 1000,
) -> list[CaseRow]:
    """Cases as recorded now, registered in [date_from, date_to], in a unit's subtree."""
    where, params = ["c.recorded_to = ?"], [OPEN_POSITION]
    join = ""
    if unit_id:
        join = "JOIN rm_unit_tree t ON t.unit_id = c.unit_id AND t.ancestor_id = ?"
        params.insert(0, unit_id)
    if date_from:
        where.append("c.registered_on >= ?")
        params.append(date_from)
    if date_to:
        where.append("c.registered_on <= ?")
        params.append(date_to)
    if category:
        where.append("c.category = ?")
        params.append(category)
    cols = ", ".join(f"c.{c.strip()}" for c in CASE_COLUMNS.split(","))
    rows = tx.all(
        f"SELECT {cols} FROM rm_cases c {join} WHERE {' AND '.join(where)} "
        "ORDER BY c.registered_on, c.case_id LIMIT ?",
        (*params, limit),
    )
    return [_case(r) for r in rows]


def measures_at(tx: Tx, case_id: str, position: int | None) -> dict[str, str]:
    """The measure in force for each person of a case, as recorded by `position`."""
    rows = tx.all(
        "SELECT person_id, measure FROM rm_case_measures WHERE case_id=? AND recorded_from <= ? "
        "ORDER BY recorded_from",
        (case_id, _at(position)),
    )
    return {r["person_id"]: r["measure"] for r in rows}


# The kind of the organ's child whose subtree holds the case (a branch of an affiliated unit
# counts as AFFILIATED_UNIT, as the source text counts 直属单位); ORGAN for the organ itself.
TOP_KIND = (
    "COALESCE((SELECT a.kind FROM rm_unit_tree t2 JOIN rm_units a ON a.unit_id = t2.ancestor_id "
    "WHERE t2.unit_id = c.unit_id AND a.depth = 1), u.kind)"
)


@dataclass(frozen=True)
class Bucket:
    key: str
    count: int
    share: float


def statistics(
    tx: Tx, root_id: str, date_from: str | None, date_to: str | None
) -> tuple[int, dict[str, list[Bucket]]]:
    """Counts and shares of the cases registered in a subtree over a period, by dimension."""
    where, params = ["c.recorded_to = ?"], [root_id, OPEN_POSITION]
    if date_from:
        where.append("c.registered_on >= ?")
        params.append(date_from)
    if date_to:
        where.append("c.registered_on <= ?")
        params.append(date_to)
    base = (
        "FROM rm_cases c JOIN rm_unit_tree t ON t.unit_id = c.unit_id AND t.ancestor_id = ? "
        "JOIN rm_units u ON u.unit_id = c.unit_id WHERE " + " AND ".join(where)
    )
    total = tx.scalar(f"SELECT COUNT(*) {base}", params) or 0
    out: dict[str, list[Bucket]] = {}
    for name, column in (
        ("category", "c.category"),
        ("discovery", "c.discovery"),
        ("form", "COALESCE(c.form, 'UNCONCLUDED')"),
        ("unit_kind", TOP_KIND),
    ):
        rows = tx.all(
            f"SELECT {column} AS k, COUNT(*) AS n {base} GROUP BY {column} "
            "ORDER BY COUNT(*) DESC, k",
            params,
        )
        out[name] = [
            Bucket(r["k"], r["n"], round(r["n"] / total, 4) if total else 0.0) for r in rows
        ]
    return total, out
