"""Power controls: units' functions in two times, and 三重一大 decisions by record time.

`rm_unit_functions` rows are each function's periods (valid time) as recorded between two
positions; a declaration at position q closes the periods it changes and inserts the
restated ones (`close_and_insert`). `rm_major_decisions` keeps each decision's minutes in
record time: a correction closes the row and inserts the restated minutes. The checks
(who oversaw what as principal; attendance, speaking order, recusals) are rules read over
these rows and the organisation's posts and responsibility items at the same position.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ledger.domain.major_decision import MajorDecision
from ledger.domain.rules.power import (
    DECISION_TEAM_ROLES,
    Charge,
    FunctionPeriod,
    PrincipalOversight,
    principal_oversight,
)
from ledger.domain.rules.rows import PostRow
from ledger.domain.unit_functions import UnitFunctions, function_periods, timeline_after
from projections.base import Envelope, Projector, on
from projections.bitemporal import NOW, close_and_insert, open_date, recorded_at
from projections.db import OPEN_POSITION, Tx, as_row

DECISION_COLUMNS = "major_decision_id, unit_id, matter, title, decided_on, minutes"


class PowerProjector(Projector):
    name = "power"
    tables = (
        (
            "rm_unit_function_timeline",  # the current timeline, for this projector's own use
            "CREATE TABLE IF NOT EXISTS rm_unit_function_timeline (unit_id TEXT PRIMARY KEY, "
            "timeline TEXT NOT NULL)",
            (),
        ),
        (
            "rm_unit_functions",
            "CREATE TABLE IF NOT EXISTS rm_unit_functions (unit_id TEXT NOT NULL, "
            "function TEXT NOT NULL, valid_from TEXT NOT NULL, valid_to TEXT NOT NULL, "
            "recorded_from BIGINT NOT NULL, recorded_to BIGINT NOT NULL)",
            (
                "CREATE INDEX IF NOT EXISTS rm_unit_functions_unit "
                "ON rm_unit_functions (unit_id, recorded_to)",
            ),
        ),
        (
            "rm_major_decisions",
            "CREATE TABLE IF NOT EXISTS rm_major_decisions (major_decision_id TEXT NOT NULL, "
            "aggregate_id TEXT NOT NULL, unit_id TEXT NOT NULL, matter TEXT NOT NULL, "
            "title TEXT NOT NULL, decided_on TEXT NOT NULL, minutes TEXT NOT NULL, "
            "recorded_from BIGINT NOT NULL, recorded_to BIGINT NOT NULL, "
            "PRIMARY KEY (major_decision_id, recorded_from))",
            (
                "CREATE INDEX IF NOT EXISTS rm_major_decisions_aggregate "
                "ON rm_major_decisions (aggregate_id, recorded_to)",
                "CREATE INDEX IF NOT EXISTS rm_major_decisions_unit "
                "ON rm_major_decisions (unit_id, decided_on)",
            ),
        ),
    )

    @on(UnitFunctions.Declared, UnitFunctions.Redeclared)
    def _functions(self, tx: Tx, envelope: Envelope) -> None:
        e = envelope.event
        stored = tx.scalar(
            "SELECT timeline FROM rm_unit_function_timeline WHERE unit_id=?", (e.unit_id,)
        )
        before = json.loads(stored) if stored else []
        after = timeline_after(before, e)
        close_and_insert(
            tx,
            "rm_unit_functions",
            {"unit_id": e.unit_id},
            ("function",),
            function_periods(before),
            function_periods(after),
            envelope.position,
        )
        tx.execute("DELETE FROM rm_unit_function_timeline WHERE unit_id=?", (e.unit_id,))
        tx.execute(
            "INSERT INTO rm_unit_function_timeline (unit_id, timeline) VALUES (?, ?)",
            (e.unit_id, json.dumps(after)),
        )

    def _insert(self, tx: Tx, envelope: Envelope, row: tuple) -> None:
        tx.execute(
            f"INSERT INTO rm_major_decisions ({DECISION_COLUMNS}, aggregate_id, recorded_from, "
            "recorded_to) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (*row, envelope.aggregate_hex, envelope.position, OPEN_POSITION),
        )

    @on(MajorDecision.Recorded)
    def _decision(self, tx: Tx, envelope: Envelope) -> None:
        e = envelope.event
        minutes = {
            "attendee_ids": e.attendee_ids,
            "speaker_ids": e.speaker_ids,
            "recusals": e.recusals,
        }
        row = (e.major_decision_id, e.unit_id, e.matter, e.title, e.decided_on)
        self._insert(tx, envelope, (*row, json.dumps(minutes, ensure_ascii=False)))

    @on(MajorDecision.Corrected)
    def _corrected(self, tx: Tx, envelope: Envelope) -> None:
        e = envelope.event
        r = tx.one(
            f"SELECT {DECISION_COLUMNS} FROM rm_major_decisions WHERE aggregate_id=? "
            "AND recorded_to=?",
            (envelope.aggregate_hex, OPEN_POSITION),
        )
        tx.execute(
            "UPDATE rm_major_decisions SET recorded_to=? WHERE aggregate_id=? AND recorded_to=?",
            (envelope.position, envelope.aggregate_hex, OPEN_POSITION),
        )
        minutes = {
            "attendee_ids": e.attendee_ids,
            "speaker_ids": e.speaker_ids,
            "recusals": e.recusals,
        }
        row = (r["major_decision_id"], r["unit_id"], r["matter"], r["title"], r["decided_on"])
        self._insert(tx, envelope, (*row, json.dumps(minutes, ensure_ascii=False)))


# ---------------------------------------------------------------------- queries


def _p(position: int | None) -> int:
    return NOW if position is None else position


def _marks(values) -> str:
    return ", ".join("?" for _ in values)


def function_rows(tx: Tx, unit_ids: list[str], position: int | None) -> list[FunctionPeriod]:
    """Each function's periods of these units, as recorded at `position`."""
    if not unit_ids:
        return []
    p = _p(position)
    rows = tx.all(
        "SELECT unit_id, function, valid_from, valid_to FROM rm_unit_functions "
        f"WHERE unit_id IN ({_marks(unit_ids)}) AND {recorded_at()} "
        "ORDER BY unit_id, valid_from, function",
        (*unit_ids, p, p),
    )
    return [as_row(FunctionPeriod, r) for r in rows]


def oversight_by_principals(
    tx: Tx,
    root_id: str | None,
    position: int | None,
    scope: tuple[str, tuple] = ("", ()),
) -> list[PrincipalOversight]:
    """主要负责人"五个不直接分管": the rule over the units with functions in the root's subtree
    (every unit when None), their IN_CHARGE holdings and their organs' PRINCIPAL posts."""
    p = _p(position)
    where, params = [recorded_at("f")], [p, p]
    if root_id is not None:
        where.append("f.unit_id IN (SELECT unit_id FROM rm_unit_tree WHERE ancestor_id = ?)")
        params.append(root_id)
    found = tx.all(
        "SELECT f.unit_id, f.function, f.valid_from, f.valid_to, u.organ_id "
        "FROM rm_unit_functions f JOIN rm_units u ON u.unit_id = f.unit_id "
        f"WHERE {' AND '.join(where)}{scope[0]}",
        (*params, *scope[1]),
    )
    if not found:
        return []
    functions = [
        FunctionPeriod(r["unit_id"], r["function"], r["valid_from"], open_date(r["valid_to"]))
        for r in found
    ]
    organ_of = {r["unit_id"]: r["organ_id"] for r in found}
    units = sorted(organ_of)
    charges = [
        Charge(
            r["item_id"], r["holder_id"], r["unit_id"], r["valid_from"], open_date(r["valid_to"])
        )
        for r in tx.all(
            "SELECT s.unit_id, h.item_id, h.holder_id, h.valid_from, h.valid_to "
            "FROM rm_item_scope s JOIN rm_holdings h ON h.item_id = s.item_id "
            f"WHERE s.kind = 'IN_CHARGE' AND s.unit_id IN ({_marks(units)}) AND {recorded_at('h')}",
            (*units, p, p),
        )
    ]
    holders = sorted({c.holder_id for c in charges})
    if not holders:
        return []
    posts = [
        as_row(PostRow, r)
        for r in tx.all(
            "SELECT person_id, unit_id, role, valid_from, valid_to FROM rm_posts "
            f"WHERE person_id IN ({_marks(holders)}) AND role = 'PRINCIPAL' AND {recorded_at()}",
            (*holders, p, p),
        )
    ]
    return principal_oversight(charges, posts, functions, organ_of)


@dataclass(frozen=True)
class DecisionRow:
    major_decision_id: str
    unit_id: str
    matter: str
    title: str
    decided_on: str
    attendee_ids: tuple[str, ...]
    speaker_ids: tuple[str, ...]
    recusals: tuple[tuple[str, str], ...]  # (person, reason)


def _decision(r) -> DecisionRow:
    minutes = json.loads(r["minutes"])
    return DecisionRow(
        r["major_decision_id"],
        r["unit_id"],
        r["matter"],
        r["title"],
        r["decided_on"],
        tuple(minutes["attendee_ids"]),
        tuple(minutes["speaker_ids"]),
        tuple((x["person_id"], x["reason"]) for x in minutes["recusals"]),
    )


def decisions_by_id(tx: Tx, ids: list[str], position: int | None) -> dict[str, DecisionRow]:
    if not ids:
        return {}
    p = _p(position)
    rows = tx.all(
        f"SELECT {DECISION_COLUMNS} FROM rm_major_decisions WHERE major_decision_id IN "
        f"({_marks(ids)}) AND {recorded_at()}",
        (*ids, p, p),
    )
    return {r["major_decision_id"]: _decision(r) for r in rows}


def decisions_in(
    tx: Tx,
    root_id: str | None,
    start: str | None,
    end: str | None,
    position: int | None,
    scope: tuple[str, tuple] = ("", ()),
) -> list[DecisionRow]:
    p = _p(position)
    where, params = [recorded_at()], [p, p]
    if root_id is not None:
        where.append("unit_id IN (SELECT unit_id FROM rm_unit_tree WHERE ancestor_id = ?)")
        params.append(root_id)
    if start is not None:
        where.append("decided_on >= ?")
        params.append(start)
    if end is not None:
        where.append("decided_on <= ?")
        params.append(end)
    rows = tx.all(
        f"SELECT {DECISION_COLUMNS} FROM rm_major_decisions WHERE {' AND '.join(where)}"
        f"{scope[0]} ORDER BY decided_on, major_decision_id LIMIT 1000",
        (*params, *scope[1]),
    )
    return [_decision(r) for r in rows]


def teams(
    tx: Tx, decisions: list[DecisionRow], position: int | None
) -> tuple[dict[str, str], dict[str, list[PostRow]]]:
    """The kinds of the decisions' units, and the posts of their teams' roles (every period,
    as recorded at `position`; the rule picks the day)."""
    units = sorted({d.unit_id for d in decisions})
    if not units:
        return {}, {}
    p = _p(position)
    kinds = {
        r["unit_id"]: r["kind"]
        for r in tx.all(
            f"SELECT unit_id, kind FROM rm_units WHERE unit_id IN ({_marks(units)})", units
        )
    }
    posts: dict[str, list[PostRow]] = {u: [] for u in units}
    for r in tx.all(
        "SELECT person_id, unit_id, role, valid_from, valid_to FROM rm_posts "
        f"WHERE unit_id IN ({_marks(units)}) AND role IN ({_marks(DECISION_TEAM_ROLES)}) "
        f"AND {recorded_at()}",
        (*units, *DECISION_TEAM_ROLES, p, p),
    ):
        posts[r["unit_id"]].append(as_row(PostRow, r))
    return kinds, posts
