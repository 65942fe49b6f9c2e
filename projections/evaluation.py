"""Evaluation cycles: scores and manual adjustments by record time, results derived on demand.

Results are computed from bitemporal rows as of a position: the cycle's scores and
adjustments, and the cases and posts the rules read. A finalized cycle answers as of its
finalization position, so later cases or corrections never move its results, and any
earlier `knownAt` answer is reproduced exactly.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

from ledger.domain.evaluation import EvaluationCycle
from ledger.domain.rules.evaluation import (
    Adjustment,
    CaseFacts,
    CycleRules,
    RectificationAtEnd,
    Score,
    SubjectPost,
    TalkAtEnd,
    UnitResult,
    derive,
    rank,
)
from projections.base import Envelope, Memo, Projector, on
from projections.bitemporal import NOW, recorded_at
from projections.cases import CaseRow, cases_by_id
from projections.db import Tx, as_row
from projections.findings import rectifications_in
from projections.talk_obligations import overdue_in


class EvaluationProjector(Projector):
    name = "evaluation"
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
        (
            # Rules chosen after the opening (OVERDUE_RECTIFICATION), by record time.
            "rm_cycle_rules",
            "CREATE TABLE IF NOT EXISTS rm_cycle_rules (cycle_id TEXT NOT NULL, "
            "rule TEXT NOT NULL, points DOUBLE PRECISION NOT NULL, "
            "recorded_from BIGINT NOT NULL, PRIMARY KEY (cycle_id, recorded_from))",
            (),
        ),
        (
            "rm_reviews",
            "CREATE TABLE IF NOT EXISTS rm_reviews (cycle_id TEXT NOT NULL, unit_id TEXT NOT NULL, "
            "reason TEXT NOT NULL, recorded_from BIGINT NOT NULL, recorded_at TEXT NOT NULL)",
            (
                "CREATE INDEX IF NOT EXISTS rm_reviews_cycle ON rm_reviews (cycle_id, recorded_from)",
            ),
        ),
    )

    def __init__(self) -> None:
        self._cycle_of = Memo()  # aggregate -> cycle id (never changes)

    def reset_caches(self) -> None:
        self._cycle_of.clear()

    @on(EvaluationCycle.Opened)
    def _opened(self, tx: Tx, envelope: Envelope) -> None:
        e = envelope.event
        self._cycle_of.remember(envelope.aggregate_hex, e.cycle_id)
        rules = {
            "criteria": e.criteria,
            "passive_case_deduction": e.passive_case_deduction,
            "veto_roles": e.veto_roles,
            "grade_bands": e.grade_bands,
            "veto_forms": e.veto_forms,
        }
        tx.execute(
            "INSERT INTO rm_cycles (cycle_id, aggregate_id, year, title, period_from, "
            "period_to, rules, recorded_from) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                e.cycle_id,
                envelope.aggregate_hex,
                e.year,
                e.title,
                e.period_from,
                e.period_to,
                json.dumps(rules, ensure_ascii=False),
                envelope.position,
            ),
        )
        tx.executemany(
            "INSERT INTO rm_cycle_units (cycle_id, unit_id) VALUES (?, ?)",
            [(e.cycle_id, u) for u in e.unit_ids],
        )

    def _cycle_id(self, tx: Tx, envelope: Envelope) -> str:
        return self._cycle_of.fetch(
            envelope.aggregate_hex,
            lambda: tx.scalar(
                "SELECT cycle_id FROM rm_cycles WHERE aggregate_id=?", (envelope.aggregate_hex,)
            ),
        )

    @on(EvaluationCycle.ScoreRecorded)
    def _score(self, tx: Tx, envelope: Envelope) -> None:
        e = envelope.event
        tx.execute(
            "INSERT INTO rm_scores (cycle_id, unit_id, criterion, points, recorded_from) "
            "VALUES (?, ?, ?, ?, ?)",
            (self._cycle_id(tx, envelope), e.unit_id, e.criterion, e.points, envelope.position),
        )

    @on(EvaluationCycle.ScoreDeducted, EvaluationCycle.BonusAdded, EvaluationCycle.VetoApplied)
    def _adjustment(self, tx: Tx, envelope: Envelope) -> None:
        e = envelope.event
        kind = ADJUSTMENT_KINDS[type(e)]
        tx.execute(
            "INSERT INTO rm_adjustments (cycle_id, unit_id, kind, points, reason, case_id, "
            "recorded_from) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                self._cycle_id(tx, envelope),
                e.unit_id,
                kind,
                getattr(e, "points", 0.0),
                e.reason,
                e.case_id,
                envelope.position,
            ),
        )

    @on(EvaluationCycle.ResultReviewed)
    def _reviewed(self, tx: Tx, envelope: Envelope) -> None:
        e = envelope.event
        tx.execute(
            "INSERT INTO rm_reviews (cycle_id, unit_id, reason, recorded_from, recorded_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (
                self._cycle_id(tx, envelope),
                e.unit_id,
                e.reason,
                envelope.position,
                envelope.recorded_at.isoformat(),
            ),
        )

    @on(EvaluationCycle.OverdueRectificationRuleChosen)
    def _rule(self, tx: Tx, envelope: Envelope) -> None:
        tx.execute(
            "INSERT INTO rm_cycle_rules (cycle_id, rule, points, recorded_from) "
            "VALUES (?, 'OVERDUE_RECTIFICATION', ?, ?)",
            (self._cycle_id(tx, envelope), envelope.event.points, envelope.position),
        )

    @on(EvaluationCycle.OverdueTalkRuleChosen)
    def _talk_rule(self, tx: Tx, envelope: Envelope) -> None:
        tx.execute(
            "INSERT INTO rm_cycle_rules (cycle_id, rule, points, recorded_from) "
            "VALUES (?, 'OVERDUE_TALK', ?, ?)",
            (self._cycle_id(tx, envelope), envelope.event.points, envelope.position),
        )

    @on(EvaluationCycle.Finalized)
    def _finalized(self, tx: Tx, envelope: Envelope) -> None:
        tx.execute(
            "UPDATE rm_cycles SET finalized_at=? WHERE cycle_id=?",
            (envelope.position, self._cycle_id(tx, envelope)),
        )


ADJUSTMENT_KINDS = {
    EvaluationCycle.ScoreDeducted: "DEDUCTION",
    EvaluationCycle.BonusAdded: "BONUS",
    EvaluationCycle.VetoApplied: "VETO",
}


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


def cycle_ids(tx: Tx, year: int | None = None, unit_id: str | None = None) -> list[str]:
    """Cycles recorded now, newest year first: of `year`, and covering `unit_id` or a unit
    in its subtree (an organ finds the cycles of its affiliated units)."""
    sql, args = "SELECT c.cycle_id FROM rm_cycles c WHERE 1 = 1", []
    if year is not None:
        sql += " AND c.year = ?"
        args.append(year)
    if unit_id is not None:
        sql += (
            " AND EXISTS (SELECT 1 FROM rm_cycle_units cu JOIN rm_unit_tree t "
            "ON t.unit_id = cu.unit_id WHERE cu.cycle_id = c.cycle_id AND t.ancestor_id = ?)"
        )
        args.append(unit_id)
    return [r["cycle_id"] for r in tx.all(sql + " ORDER BY c.year DESC, c.cycle_id", args)]


@dataclass(frozen=True)
class Results:
    ranked: list[UnitResult]
    cases: dict[str, CaseRow]  # the cases the lines name
    reviewed_at: dict[str, str]  # unit -> when its finalized result was last reviewed (复核)


def results(tx: Tx, c: CycleRow, position: int | None) -> Results:
    """Every unit's explained result, ranked (by `domain.rules.evaluation`), from the rows
    recorded at the cycle's position: its finalization once finalized, or for a unit
    reviewed since (复核) the position of its latest review known at `position`."""
    p = c.effective(position)
    asked = NOW if position is None else position
    reviews = {
        r["unit_id"]: (r["recorded_from"], r["recorded_at"])
        for r in tx.all(
            "SELECT unit_id, recorded_from, recorded_at FROM rm_reviews WHERE cycle_id=? "
            "AND recorded_from <= ? ORDER BY recorded_from",
            (c.cycle_id, asked),
        )
    }
    rules = CycleRules.from_stored(c.period_from, c.period_to, c.rules)
    by_unit = {r.unit_id: r for r in _derive_at(tx, c, rules, c.unit_ids, p)}
    for unit_id, (reviewed, _) in reviews.items():
        by_unit[unit_id] = _derive_at(tx, c, rules, [unit_id], reviewed)[0]
    ranked = rank(list(by_unit.values()))
    case_ids = sorted(
        {
            x.case_id
            for row in ranked
            for x in (*row.deductions, *row.bonuses, *row.vetoes, *row.pending)
            if x.case_id
        }
    )
    latest = max([p, *(r for r, _ in reviews.values())])
    return Results(
        ranked, cases_by_id(tx, case_ids, latest), {u: at for u, (_, at) in reviews.items()}
    )


def _derive_at(
    tx: Tx, c: CycleRow, rules: CycleRules, unit_ids: list[str], p: int
) -> list[UnitResult]:
    """The results of `unit_ids` from the rows current at position `p`."""
    marks = ", ".join("?" * len(unit_ids))
    scores = [
        Score(r["unit_id"], r["criterion"], r["points"])
        for r in tx.all(
            f"SELECT unit_id, criterion, points FROM rm_scores WHERE cycle_id=? AND "
            f"unit_id IN ({marks}) AND recorded_from <= ? ORDER BY recorded_from",
            (c.cycle_id, *unit_ids, p),
        )
    ]
    adjustments = [
        Adjustment(r["unit_id"], r["kind"], r["points"], r["reason"], r["case_id"])
        for r in tx.all(
            "SELECT unit_id, kind, points, reason, case_id FROM rm_adjustments "
            f"WHERE cycle_id=? AND unit_id IN ({marks}) AND recorded_from <= ? "
            "ORDER BY recorded_from",
            (c.cycle_id, *unit_ids, p),
        )
    ]
    current = recorded_at("c")
    subtree_cases = [
        (r["evaluated"], _facts(r))
        for r in tx.all(
            f"SELECT t.ancestor_id AS evaluated, {FACTS} FROM rm_cases c "
            f"JOIN rm_unit_tree t ON t.unit_id = c.unit_id AND t.ancestor_id IN ({marks}) "
            "JOIN rm_persons pe ON pe.person_id = c.subject_id "
            f"WHERE c.discovery = 'PASSIVE' AND c.registered_on >= ? AND c.registered_on <= ? "
            f"AND {current} ORDER BY c.registered_on, c.case_id",
            (*unit_ids, c.period_from, c.period_to, p, p),
        )
    ]
    # Cases concluded in the period (they may veto) or open at its end (they may be pending).
    leadership_cases = [
        (_facts(r), as_row(SubjectPost, r))
        for r in tx.all(
            f"SELECT po.unit_id, po.role, po.valid_from, po.valid_to, {FACTS} FROM rm_cases c "
            "JOIN rm_posts po ON po.person_id = c.subject_id "
            "JOIN rm_persons pe ON pe.person_id = c.subject_id "
            f"AND po.unit_id IN ({marks}) AND {recorded_at('po')} "
            "WHERE ((c.concluded_on >= ? AND c.concluded_on <= ?) "
            "OR (c.concluded_on IS NULL AND c.registered_on <= ?)) "
            f"AND {current} ORDER BY c.registered_on, c.case_id, po.valid_from",
            (*unit_ids, p, p, c.period_from, c.period_to, c.period_to, p, p),
        )
    ]
    points = overdue_rule(tx, c.cycle_id, p)
    talk_points = overdue_rule(tx, c.cycle_id, p, "OVERDUE_TALK")
    return derive(
        unit_ids,
        replace(rules, overdue_rectification_deduction=points, overdue_talk_deduction=talk_points),
        scores,
        adjustments,
        subtree_cases,
        leadership_cases,
        _rectifications(tx, c, unit_ids, p) if points > 0 else [],
        _talks(tx, c, unit_ids, p) if talk_points > 0 else [],
    )


def overdue_rule(
    tx: Tx, cycle_id: str, position: int, rule: str = "OVERDUE_RECTIFICATION"
) -> float:
    """Points per overdue rectification (or 六必谈 obligation: rule OVERDUE_TALK), as chosen
    by `position` (0: not chosen)."""
    points = tx.scalar(
        "SELECT points FROM rm_cycle_rules WHERE cycle_id=? AND rule=? "
        "AND recorded_from <= ? ORDER BY recorded_from DESC LIMIT 1",
        (cycle_id, rule, position),
    )
    return float(points or 0.0)


def _talks(tx: Tx, c: CycleRow, unit_ids: list[str], p: int) -> list[tuple[str, TalkAtEnd]]:
    """The 六必谈 obligations overdue on the period's last day in the evaluated units'
    subtrees, as recorded at `p` (`projections.talk_obligations`)."""
    day = c.period_to
    return [
        (
            unit_id,
            TalkAtEnd(
                o.obligation_id, name, o.reason, o.arose_on, o.due_on, o.obligation().status(day)
            ),
        )
        for unit_id, o, name in overdue_in(tx, unit_ids, day, p)
    ]


def _rectifications(
    tx: Tx, c: CycleRow, unit_ids: list[str], p: int
) -> list[tuple[str, RectificationAtEnd]]:
    """The orders in the evaluated units' subtrees and where they stood at the period's
    end, as recorded at `p`."""
    out = []
    for unit_id, r in rectifications_in(tx, unit_ids, c.period_to, p):
        state = r.state(c.period_to)
        if state is None or unit_id is None:
            continue
        at_end = RectificationAtEnd(
            r.rectification_id, r.finding_id, r.requirement, state.status, state.due_on
        )
        out.append((unit_id, at_end))
    return out


FACTS = (
    "c.case_id, c.subject_id, pe.name AS subject_name, c.discovery, c.facts_on, c.facts_until, "
    "c.registered_on, c.summary, c.form, c.concluded_on"
)


def _facts(r) -> CaseFacts:
    return as_row(CaseFacts, r)
