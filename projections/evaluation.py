"""Evaluation cycles: scores and manual adjustments by record time, results derived on demand.

Results are computed from bitemporal rows as of a position: the cycle's scores and
adjustments, and the cases and posts the rules read. A finalized cycle answers as of its
finalization position, so later cases or corrections never move its results, and any
earlier `knownAt` answer is reproduced exactly.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from projections.base import Envelope, Projector
from projections.bitemporal import NOW
from projections.cases import CaseRow, cases_by_id
from projections.db import Tx

RULE_PASSIVE = "PASSIVE_CASE"
RULE_LEADERSHIP_VETO = "LEADERSHIP_CASE_VETO"
RULE_MANUAL = {"DEDUCTION": "MANUAL_DEDUCTION", "BONUS": "MANUAL_BONUS", "VETO": "MANUAL_VETO"}


class EvaluationProjector(Projector):
    name = "evaluation"
    types = frozenset(
        (
            "EvaluationCycleOpened",
            "ScoreRecorded",
            "ScoreDeducted",
            "BonusAdded",
            "VetoApplied",
            "EvaluationCycleFinalized",
        )
    )
    tables = (
        (
            "rm_cycles",
            "CREATE TABLE IF NOT EXISTS rm_cycles (cycle_id TEXT PRIMARY KEY, "
            "aggregate_id TEXT NOT NULL, year INTEGER NOT NULL, title TEXT NOT NULL, "
            "period_from TEXT NOT NULL, period_to TEXT NOT NULL, rules TEXT NOT NULL, "
            "recorded_from BIGINT NOT NULL, finalized_at BIGINT)",
            ("CREATE INDEX IF NOT EXISTS rm_cycles_aggregate ON rm_cycles (aggregate_id)",),
        ),
        (
            "rm_cycle_units",
            "CREATE TABLE IF NOT EXISTS rm_cycle_units (cycle_id TEXT NOT NULL, "
            "unit_id TEXT NOT NULL, PRIMARY KEY (cycle_id, unit_id))",
            (),
        ),
        (
            "rm_scores",
            "CREATE TABLE IF NOT EXISTS rm_scores (cycle_id TEXT NOT NULL, unit_id TEXT NOT NULL, "
            "criterion TEXT NOT NULL, points DOUBLE PRECISION NOT NULL, "
            "recorded_from BIGINT NOT NULL)",
            ("CREATE INDEX IF NOT EXISTS rm_scores_cycle ON rm_scores (cycle_id, recorded_from)",),
        ),
        (
            "rm_adjustments",
            "CREATE TABLE IF NOT EXISTS rm_adjustments (cycle_id TEXT NOT NULL, "
            "unit_id TEXT NOT NULL, kind TEXT NOT NULL, points DOUBLE PRECISION NOT NULL, "
            "reason TEXT NOT NULL, case_id TEXT, recorded_from BIGINT NOT NULL)",
            (
                "CREATE INDEX IF NOT EXISTS rm_adjustments_cycle "
                "ON rm_adjustments (cycle_id, recorded_from)",
            ),
        ),
    )

    def apply(self, tx: Tx, envelope: Envelope) -> None:
        e, q, agg = envelope.event, envelope.position, envelope.aggregate_id.hex
        if envelope.type == "EvaluationCycleOpened":
            rules = {
                "criteria": e.criteria,
                "passive_case_deduction": e.passive_case_deduction,
                "veto_roles": e.veto_roles,
                "grade_bands": e.grade_bands,
            }
            tx.execute(
                "INSERT INTO rm_cycles (cycle_id, aggregate_id, year, title, period_from, "
                "period_to, rules, recorded_from) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    e.cycle_id,
                    agg,
                    e.year,
                    e.title,
                    e.period_from,
                    e.period_to,
                    json.dumps(rules, ensure_ascii=False),
                    q,
                ),
            )
            tx.executemany(
                "INSERT INTO rm_cycle_units (cycle_id, unit_id) VALUES (?, ?)",
                [(e.cycle_id, u) for u in e.unit_ids],
            )
            return
        cycle_id = tx.scalar("SELECT cycle_id FROM rm_cycles WHERE aggregate_id=?", (agg,))
        if envelope.type == "ScoreRecorded":
            tx.execute(
                "INSERT INTO rm_scores (cycle_id, unit_id, criterion, points, recorded_from) "
                "VALUES (?, ?, ?, ?, ?)",
                (cycle_id, e.unit_id, e.criterion, e.points, q),
            )
        elif envelope.type == "EvaluationCycleFinalized":
            tx.execute("UPDATE rm_cycles SET finalized_at=? WHERE cycle_id=?", (q, cycle_id))
        else:
            kind = {"ScoreDeducted": "DEDUCTION", "BonusAdded": "BONUS", "VetoApplied": "VETO"}[
                envelope.type
            ]
            tx.execute(
                "INSERT INTO rm_adjustments (cycle_id, unit_id, kind, points, reason, case_id, "
                "recorded_from) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (cycle_id, e.unit_id, kind, getattr(e, "points", 0.0), e.reason, e.case_id, q),
            )


# ---------------------------------------------------------------------- queries


@dataclass(frozen=True)
class CycleRow:
    cycle_id: str
    year: int
    title: str
    period_from: str
    period_to: str
    rules: dict
    unit_ids: list[str]
    finalized_at: int | None

    def effective(self, position: int | None) -> int:
        """The position results are computed at: never past the finalization."""
        p = NOW if position is None else position
        return min(p, self.finalized_at) if self.finalized_at else p


@dataclass(frozen=True)
class Line:
    rule: str
    points: float
    reason: str
    case_id: str | None = None


@dataclass
class ResultRow:
    unit_id: str
    base: float
    criteria: list[Line] = field(default_factory=list)
    deductions: list[Line] = field(default_factory=list)
    bonuses: list[Line] = field(default_factory=list)
    vetoes: list[Line] = field(default_factory=list)
    rank: int | None = None

    @property
    def total(self) -> float:
        return round(
            self.base
            + sum(x.points for x in self.deductions)
            + sum(x.points for x in self.bonuses),
            2,
        )

    @property
    def vetoed(self) -> bool:
        return bool(self.vetoes)

    def grade(self, bands: dict[str, float]) -> str:
        if self.vetoed:
            return "FAIL"
        for grade in ("EXCELLENT", "GOOD", "PASS"):
            if self.total >= bands[grade]:
                return grade
        return "FAIL"


def cycle(tx: Tx, cycle_id: str, position: int | None = None) -> CycleRow | None:
    r = tx.one(
        "SELECT cycle_id, year, title, period_from, period_to, rules, finalized_at, "
        "recorded_from FROM rm_cycles WHERE cycle_id=?",
        (cycle_id,),
    )
    if r is None or r["recorded_from"] > (NOW if position is None else position):
        return None
    units = [
        u["unit_id"]
        for u in tx.all(
            "SELECT unit_id FROM rm_cycle_units WHERE cycle_id=? ORDER BY unit_id", (cycle_id,)
        )
    ]
    finalized = r["finalized_at"]
    if finalized is not None and position is not None and finalized > position:
        finalized = None  # not yet finalized as known then
    return CycleRow(
        r["cycle_id"],
        r["year"],
        r["title"],
        r["period_from"],
        r["period_to"],
        json.loads(r["rules"]),
        units,
        finalized,
    )


def results(
    tx: Tx, c: CycleRow, position: int | None
) -> tuple[list[ResultRow], dict[str, CaseRow]]:
    """Every unit's explained result, ranked; and the cases the lines name."""
    p = c.effective(position)
    rules = c.rules
    by_unit = {u: ResultRow(u, 0.0) for u in c.unit_ids}
    titles = {x["code"]: x["title"] for x in rules["criteria"]}
    latest: dict[tuple[str, str], float] = {}
    for r in tx.all(
        "SELECT unit_id, criterion, points FROM rm_scores WHERE cycle_id=? AND "
        "recorded_from <= ? ORDER BY recorded_from",
        (c.cycle_id, p),
    ):
        latest[(r["unit_id"], r["criterion"])] = r["points"]
    for (unit_id, criterion), points in sorted(latest.items()):
        by_unit[unit_id].criteria.append(Line(criterion, points, titles.get(criterion, criterion)))
    for row in by_unit.values():
        row.base = round(sum(x.points for x in row.criteria), 2)

    for r in tx.all(
        "SELECT unit_id, kind, points, reason, case_id FROM rm_adjustments "
        "WHERE cycle_id=? AND recorded_from <= ? ORDER BY recorded_from",
        (c.cycle_id, p),
    ):
        line = Line(
            RULE_MANUAL[r["kind"]],
            -r["points"]
            if r["kind"] == "DEDUCTION"
            else (r["points"] if r["kind"] == "BONUS" else 0.0),
            r["reason"],
            r["case_id"],
        )
        target = by_unit[r["unit_id"]]
        {"DEDUCTION": target.deductions, "BONUS": target.bonuses, "VETO": target.vetoes}[
            r["kind"]
        ].append(line)

    marks = ", ".join("?" * len(c.unit_ids))
    window = (c.period_from, c.period_to, p, p)
    passive = tx.all(
        "SELECT t.ancestor_id AS evaluated, c.case_id, c.summary FROM rm_cases c "
        f"JOIN rm_unit_tree t ON t.unit_id = c.unit_id AND t.ancestor_id IN ({marks}) "
        "WHERE c.discovery = 'PASSIVE' AND c.registered_on >= ? AND c.registered_on <= ? "
        "AND c.recorded_from <= ? AND c.recorded_to > ? ORDER BY c.registered_on, c.case_id",
        (*c.unit_ids, *window),
    )
    for r in passive:
        by_unit[r["evaluated"]].deductions.append(
            Line(
                RULE_PASSIVE,
                -float(rules["passive_case_deduction"]),
                f"被动查处 (PASSIVE case): {r['summary']}",
                r["case_id"],
            )
        )

    roles = rules["veto_roles"]
    if roles:
        vetoing = tx.all(
            "SELECT DISTINCT po.unit_id AS evaluated, po.role, c.case_id, c.subject_id, "
            "c.registered_on, pe.name FROM rm_cases c JOIN rm_posts po ON po.person_id = c.subject_id "
            "JOIN rm_persons pe ON pe.person_id = c.subject_id "
            f"AND po.unit_id IN ({marks}) AND po.role IN ({', '.join('?' * len(roles))}) "
            "AND po.valid_from <= COALESCE(c.facts_until, c.facts_on) "
            "AND po.valid_to >= c.facts_on AND po.recorded_from <= ? AND po.recorded_to > ? "
            "WHERE c.registered_on >= ? AND c.registered_on <= ? "
            "AND c.recorded_from <= ? AND c.recorded_to > ? ORDER BY c.registered_on, c.case_id",
            (*c.unit_ids, *roles, p, p, *window),
        )
        for r in vetoing:
            by_unit[r["evaluated"]].vetoes.append(
                Line(
                    RULE_LEADERSHIP_VETO,
                    0.0,
                    f"一票否决: {r['name']} ({r['subject_id']}, {r['role']}) is the subject of a case "
                    f"registered {r['registered_on']}",
                    r["case_id"],
                )
            )

    ranked = sorted(by_unit.values(), key=lambda x: (x.vetoed, -x.total, x.unit_id))
    for n, row in enumerate(ranked):
        previous = ranked[n - 1] if n else None
        same = previous and (previous.vetoed, previous.total) == (row.vetoed, row.total)
        row.rank = previous.rank if same else n + 1
    case_ids = sorted(
        {
            x.case_id
            for row in ranked
            for x in (*row.deductions, *row.bonuses, *row.vetoes)
            if x.case_id
        }
    )
    return ranked, cases_by_id(tx, case_ids, p)
