"""Cases in two times, and their accountability decisions.

Each case event closes the current case row and inserts the restated one (record time),
so a question about a case as known at an instant reads the rows current then. Decisions
are appended once each; a revocation marks its decision with the position it was recorded
at, so a decision revoked later is still in force for earlier `knownAt` answers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields, replace

from ledger.domain.case import Case, decision_id
from projections.base import Envelope, Memo, Projector, on
from projections.bitemporal import NOW
from projections.db import OPEN_POSITION, Tx, Versions, as_row


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
    source: str | None = None
    subject_rank: str | None = None
    submitted_for_approval: bool = False
    subject_post_recorded: bool | None = None


CASE_FIELDS = tuple(f.name for f in fields(CaseRow))
CASE_COLUMNS = ", ".join(CASE_FIELDS)


def _case(r) -> CaseRow:
    row = as_row(CaseRow, r)
    return replace(
        row,
        submitted_for_approval=bool(row.submitted_for_approval),
        subject_post_recorded=None
        if row.subject_post_recorded is None
        else bool(row.subject_post_recorded),
    )


@dataclass(frozen=True)
class DecisionRow:
    case_id: str
    decision_id: str
    person_id: str | None
    unit_id: str | None
    measures: list[str]
    degree: str | None
    reason: str
    decided_on: str
    link: dict | None
    revoked_on: str | None


class CaseProjector(Projector):
    name = "cases"
    tables = (
        (
            "rm_cases",
            "CREATE TABLE IF NOT EXISTS rm_cases (case_id TEXT NOT NULL, aggregate_id TEXT NOT NULL, "
            "unit_id TEXT NOT NULL, subject_id TEXT NOT NULL, category TEXT NOT NULL, "
            "discovery TEXT NOT NULL, facts_on TEXT NOT NULL, facts_until TEXT, "
            "registered_on TEXT NOT NULL, summary TEXT NOT NULL, form TEXT, decision TEXT, "
            "concluded_on TEXT, source TEXT, subject_rank TEXT, "
            "submitted_for_approval BOOLEAN NOT NULL, subject_post_recorded BOOLEAN, "
            "recorded_from BIGINT NOT NULL, recorded_to BIGINT NOT NULL)",
            (
                "CREATE INDEX IF NOT EXISTS rm_cases_case ON rm_cases (case_id, recorded_to)",
                "CREATE INDEX IF NOT EXISTS rm_cases_aggregate ON rm_cases (aggregate_id, recorded_to)",
                "CREATE INDEX IF NOT EXISTS rm_cases_registered ON rm_cases (recorded_to, registered_on)",
                "CREATE INDEX IF NOT EXISTS rm_cases_concluded ON rm_cases (recorded_to, concluded_on)",
                "CREATE INDEX IF NOT EXISTS rm_cases_unit ON rm_cases (unit_id, recorded_to)",
            ),
        ),
        (
            "rm_decisions",
            "CREATE TABLE IF NOT EXISTS rm_decisions (case_id TEXT NOT NULL, "
            "decision_id TEXT PRIMARY KEY, person_id TEXT, unit_id TEXT, measures TEXT NOT NULL, "
            "degree TEXT, reason TEXT NOT NULL, decided_on TEXT NOT NULL, link TEXT, "
            "recorded_from BIGINT NOT NULL, revoked_on TEXT, revoked_reason TEXT, "
            "revoked_at BIGINT)",
            (
                "CREATE INDEX IF NOT EXISTS rm_decisions_case "
                "ON rm_decisions (case_id, recorded_from)",
            ),
        ),
    )

    def __init__(self) -> None:
        self._cases = Memo()  # aggregate -> the case's current row, as `_current` reads it

    def reset_caches(self) -> None:
        self._cases.clear()

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
            source=e.source,
            subject_rank=e.subject_rank,
            submitted_for_approval=e.submitted_for_approval,
            subject_post_recorded=e.subject_post_recorded,
        )
        self._insert(tx, envelope.aggregate_hex, row, envelope.position)

    def _current(self, tx: Tx, envelope: Envelope) -> CaseRow:
        row = self._cases.get(envelope.aggregate_hex)
        if row is None:
            row = _case(
                tx.one(
                    f"SELECT {CASE_COLUMNS} FROM rm_cases WHERE aggregate_id=? AND recorded_to=?",
                    (envelope.aggregate_hex, OPEN_POSITION),
                )
            )
            self._cases.remember(envelope.aggregate_hex, row)
        return row

    @on(Case.AccountabilityDetermined)
    def _determined(self, tx: Tx, envelope: Envelope) -> None:
        e, case_id = envelope.event, self._current(tx, envelope).case_id
        tx.execute(
            "INSERT INTO rm_decisions (case_id, decision_id, person_id, unit_id, measures, "
            "degree, reason, decided_on, link, recorded_from) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                case_id,
                decision_id(case_id, envelope.version),
                e.person_id,
                e.unit_id,
                json.dumps(e.measures),
                e.degree,
                e.reason,
                e.on,
                json.dumps(e.link, ensure_ascii=False) if e.link else None,
                envelope.position,
            ),
        )

    @on(Case.AccountabilityRevoked)
    def _revoked(self, tx: Tx, envelope: Envelope) -> None:
        e = envelope.event
        tx.execute(
            "UPDATE rm_decisions SET revoked_on=?, revoked_reason=?, revoked_at=? "
            "WHERE decision_id=?",
            (e.on, e.reason, envelope.position, e.decision_id),
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
        q, agg = envelope.position, envelope.aggregate_hex
        _versions(tx).close((agg,), q)
        self._insert(tx, agg, restated, q)

    def _insert(self, tx: Tx, agg: str, row: CaseRow, q: int) -> None:
        """Insert the case's version current from q (and keep it as reading it back gives it)."""
        values = tuple(getattr(row, f.name) for f in fields(CaseRow))
        self._cases.remember(agg, _case(dict(zip(CASE_FIELDS, values, strict=True))))
        _versions(tx).insert((agg,), (*values, agg), q)


def _versions(tx: Tx) -> Versions:
    """A case's versions, by aggregate (each event closes the current one, then inserts)."""
    return tx.versions("rm_cases", ("aggregate_id",), (*CASE_FIELDS, "aggregate_id"))


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


@dataclass(frozen=True)
class CaseFilter:
    """Which current cases a list or a statistic covers: a subtree, a registration period,
    and optional category, rank of the subject and 报批."""

    root_id: str | None = None
    date_from: str | None = None
    date_to: str | None = None
    category: str | None = None
    rank: str | None = None
    submitted_for_approval: bool | None = None
    scope: tuple[str, tuple] = ("", ())  # a condition on c.unit_id: a token's units

    def sql(self) -> tuple[str, list]:
        """FROM ... WHERE ... over `rm_cases c` (and `rm_units u`, the case's unit)."""
        where, params = ["c.recorded_to = ?"], [OPEN_POSITION]
        join = ""
        if self.root_id:
            join = "JOIN rm_unit_tree t ON t.unit_id = c.unit_id AND t.ancestor_id = ? "
            params.insert(0, self.root_id)
        for condition, value in (
            ("c.registered_on >= ?", self.date_from),
            ("c.registered_on <= ?", self.date_to),
            ("c.category = ?", self.category),
            ("c.subject_rank = ?", self.rank),
            ("c.submitted_for_approval = ?", self.submitted_for_approval),
        ):
            if value is not None:
                where.append(condition)
                params.append(value)
        sql = (
            f"FROM rm_cases c {join}JOIN rm_units u ON u.unit_id = c.unit_id "
            f"WHERE {' AND '.join(where)}{self.scope[0]}"
        )
        return sql, [*params, *self.scope[1]]


def list_cases(tx: Tx, selection: CaseFilter, limit: int = 1000) -> list[CaseRow]:
    """Cases as recorded now that the filter selects, in registration order."""
    base, params = selection.sql()
    cols = ", ".join(f"c.{f.name}" for f in fields(CaseRow))
    rows = tx.all(
        f"SELECT {cols} {base} ORDER BY c.registered_on, c.case_id LIMIT ?", (*params, limit)
    )
    return [_case(r) for r in rows]


def decisions_of(tx: Tx, case_id: str, position: int | None) -> list[DecisionRow]:
    """Every decision on a case recorded by `position`, revoked ones included (revoked only
    when the revocation too was recorded by then)."""
    p = _at(position)
    rows = tx.all(
        "SELECT case_id, decision_id, person_id, unit_id, measures, degree, reason, decided_on, "
        "link, revoked_on, revoked_at FROM rm_decisions WHERE case_id=? AND recorded_from <= ? "
        "ORDER BY recorded_from",
        (case_id, p),
    )
    return [
        DecisionRow(
            r["case_id"],
            r["decision_id"],
            r["person_id"],
            r["unit_id"],
            json.loads(r["measures"]),
            r["degree"],
            r["reason"],
            r["decided_on"],
            json.loads(r["link"]) if r["link"] else None,
            r["revoked_on"] if r["revoked_at"] is not None and r["revoked_at"] <= p else None,
        )
        for r in rows
    ]


def measures_at(tx: Tx, case_id: str, position: int | None) -> dict[str, str]:
    """The measure in force for each person of a case as recorded by `position`: the first
    measure of their latest decision not revoked by then."""
    out: dict[str, str] = {}
    for d in decisions_of(tx, case_id, position):
        if d.person_id and d.revoked_on is None:
            out[d.person_id] = d.measures[0]
    return out


# The kind of the organ's child whose subtree holds the case (a branch of an affiliated unit
# counts as AFFILIATED_UNIT, as the source text counts 直属单位); ORGAN for the organ itself.
TOP_KIND = (
    "COALESCE((SELECT a.kind FROM rm_unit_tree t2 JOIN rm_units a ON a.unit_id = t2.ancestor_id "
    "WHERE t2.unit_id = c.unit_id AND a.parent_id = u.organ_id), u.kind)"
)


@dataclass(frozen=True)
class Bucket:
    key: str
    count: int
    share: float


def statistics(tx: Tx, selection: CaseFilter) -> tuple[int, dict[str, list[Bucket]]]:
    """Counts and shares of the cases a filter selects, by dimension."""
    base, params = selection.sql()
    total = tx.scalar(f"SELECT COUNT(*) {base}", params) or 0
    out: dict[str, list[Bucket]] = {}
    for name, column in (
        ("category", "c.category"),
        ("discovery", "c.discovery"),
        ("form", "COALESCE(c.form, 'UNCONCLUDED')"),
        ("unit_kind", TOP_KIND),
        ("rank", "COALESCE(c.subject_rank, 'UNKNOWN')"),
        ("source", "COALESCE(c.source, 'UNKNOWN')"),
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
