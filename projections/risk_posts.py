"""Risk posts (廉政风险点) in two times, and the holders of named positions.

`rm_risk_posts` rows carry the risk post's validity (identified_on .. retired_on) and its
assessment (level, max_years); a revision or a retirement at position q closes the row and
inserts the restated one. `rm_risk_post_holders` keeps who held a named position when, in
both times, restated whole by each recording (`close_and_insert`). Who held a role-based
risk post is read from `rm_posts` (the organisation's post history, corrections included) at
the same position, so rotation due as of a date and a knownAt is a few indexed reads.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.domain.risk_post import RiskPost
from ledger.domain.rules.rotation import RotationDue, rotation_due
from projections.base import Envelope, Projector, on
from projections.bitemporal import (
    NOW,
    both_times,
    close_and_insert,
    in_both_times,
    open_date,
    recorded_at,
)
from projections.db import OPEN_DATE, OPEN_POSITION, Tx

COLUMNS = (
    "risk_post_id",
    "unit_id",
    "role",
    "position",
    "level",
    "max_years",
    "risks",
    "valid_from",
    "valid_to",
)


class RiskPostProjector(Projector):
    name = "risk_posts"
    tables = (
        (
            "rm_risk_posts",
            "CREATE TABLE IF NOT EXISTS rm_risk_posts (risk_post_id TEXT NOT NULL, "
            "aggregate_id TEXT NOT NULL, unit_id TEXT NOT NULL, role TEXT, position TEXT, "
            "level TEXT NOT NULL, max_years INTEGER NOT NULL, risks TEXT NOT NULL, "
            "valid_from TEXT NOT NULL, valid_to TEXT NOT NULL, recorded_from BIGINT NOT NULL, "
            "recorded_to BIGINT NOT NULL, PRIMARY KEY (risk_post_id, recorded_from))",
            (
                "CREATE INDEX IF NOT EXISTS rm_risk_posts_aggregate "
                "ON rm_risk_posts (aggregate_id, recorded_to)",
                "CREATE INDEX IF NOT EXISTS rm_risk_posts_unit ON rm_risk_posts (unit_id, recorded_to)",
            ),
        ),
        (
            "rm_risk_post_holders",
            "CREATE TABLE IF NOT EXISTS rm_risk_post_holders (risk_post_id TEXT NOT NULL, "
            "holder_id TEXT NOT NULL, valid_from TEXT NOT NULL, valid_to TEXT NOT NULL, "
            "recorded_from BIGINT NOT NULL, recorded_to BIGINT NOT NULL)",
            (
                "CREATE INDEX IF NOT EXISTS rm_risk_post_holders_post "
                "ON rm_risk_post_holders (risk_post_id, recorded_to)",
            ),
        ),
    )

    def _insert(self, tx: Tx, envelope: Envelope, row: dict) -> None:
        tx.execute(
            f"INSERT INTO rm_risk_posts ({', '.join(COLUMNS)}, aggregate_id, recorded_from, "
            f"recorded_to) VALUES ({', '.join('?' * (len(COLUMNS) + 3))})",
            (
                *(row[c] for c in COLUMNS),
                envelope.aggregate_hex,
                envelope.position,
                OPEN_POSITION,
            ),
        )

    @on(RiskPost.Registered)
    def _registered(self, tx: Tx, envelope: Envelope) -> None:
        e = envelope.event
        row = {c: getattr(e, c, None) for c in COLUMNS}
        row.update(valid_from=e.identified_on, valid_to=OPEN_DATE)
        self._insert(tx, envelope, row)

    def _current(self, tx: Tx, envelope: Envelope) -> dict:
        r = tx.one(
            f"SELECT {', '.join(COLUMNS)} FROM rm_risk_posts WHERE aggregate_id=? "
            "AND recorded_to=?",
            (envelope.aggregate_hex, OPEN_POSITION),
        )
        return {c: r[c] for c in COLUMNS}

    @on(RiskPost.Revised, RiskPost.Retired)
    def _restated(self, tx: Tx, envelope: Envelope) -> None:
        e, row = envelope.event, self._current(tx, envelope)
        if isinstance(e, RiskPost.Revised):
            row.update(level=e.level, max_years=e.max_years)
        else:
            row.update(valid_to=e.on)
        tx.execute(
            "UPDATE rm_risk_posts SET recorded_to=? WHERE aggregate_id=? AND recorded_to=?",
            (envelope.position, envelope.aggregate_hex, OPEN_POSITION),
        )
        self._insert(tx, envelope, row)

    @on(RiskPost.HoldersRecorded)
    def _holders(self, tx: Tx, envelope: Envelope) -> None:
        risk_post_id = self._current(tx, envelope)["risk_post_id"]
        rows = tx.all(
            "SELECT holder_id, valid_from, valid_to FROM rm_risk_post_holders "
            "WHERE risk_post_id=? AND recorded_to=? ORDER BY valid_from, holder_id",
            (risk_post_id, OPEN_POSITION),
        )
        before = [
            {
                "holder_id": r["holder_id"],
                "valid_from": r["valid_from"],
                "valid_to": open_date(r["valid_to"]),
            }
            for r in rows
        ]
        close_and_insert(
            tx,
            "rm_risk_post_holders",
            {"risk_post_id": risk_post_id},
            ("holder_id",),
            before,
            envelope.event.periods,
            envelope.position,
        )


# ---------------------------------------------------------------------- queries


@dataclass(frozen=True)
class RiskPostRow:
    risk_post_id: str
    unit_id: str
    role: str | None
    position: str | None
    level: str
    max_years: int
    risks: str
    valid_from: str  # identified on
    valid_to: str | None  # retired on


Periods = dict[str, list[tuple[str, str | None]]]  # holder -> their periods


def _row(r) -> RiskPostRow:
    values = [r[c] for c in COLUMNS]
    values[-1] = open_date(values[-1])
    return RiskPostRow(*values)


def _marks(values) -> str:
    return ", ".join("?" for _ in values)


def risk_posts_by_id(tx: Tx, ids: list[str], position: int | None) -> dict[str, RiskPostRow]:
    if not ids:
        return {}
    p = NOW if position is None else position
    rows = tx.all(
        f"SELECT {', '.join(COLUMNS)} FROM rm_risk_posts WHERE risk_post_id IN ({_marks(ids)}) "
        f"AND {recorded_at()}",
        (*ids, p, p),
    )
    return {r["risk_post_id"]: _row(r) for r in rows}


def risk_posts_in(
    tx: Tx,
    root_id: str | None,
    as_of: str,
    position: int | None,
    level: str | None = None,
    scope: tuple[str, tuple] = ("", ()),
) -> list[RiskPostRow]:
    """Risk posts in force on `as_of` in the root's subtree (every unit when None)."""
    where, params = [in_both_times()], list(both_times(as_of, position))
    if root_id is not None:
        where.append("unit_id IN (SELECT unit_id FROM rm_unit_tree WHERE ancestor_id = ?)")
        params.append(root_id)
    if level is not None:
        where.append("level = ?")
        params.append(level)
    rows = tx.all(
        f"SELECT {', '.join(COLUMNS)} FROM rm_risk_posts WHERE {' AND '.join(where)}{scope[0]} "
        "ORDER BY unit_id, risk_post_id",
        (*params, *scope[1]),
    )
    return [_row(r) for r in rows]


def holdings(tx: Tx, posts: list[RiskPostRow], position: int | None) -> dict[str, Periods]:
    """Who held each risk post when, as recorded at `position`: a role-based post's holders
    from the unit's post history, a named position's from its own timeline."""
    p = NOW if position is None else position
    out: dict[str, Periods] = {r.risk_post_id: {} for r in posts}
    by_role = [r for r in posts if r.role]
    if by_role:
        units = sorted({r.unit_id for r in by_role})
        roles = sorted({r.role for r in by_role if r.role})
        found = tx.all(
            "SELECT person_id, unit_id, role, valid_from, valid_to FROM rm_posts "
            f"WHERE unit_id IN ({_marks(units)}) AND role IN ({_marks(roles)}) "
            f"AND {recorded_at()}",
            (*units, *roles, p, p),
        )
        for post in found:
            for r in by_role:
                if (r.unit_id, r.role) == (post["unit_id"], post["role"]):
                    out[r.risk_post_id].setdefault(post["person_id"], []).append(
                        (post["valid_from"], open_date(post["valid_to"]))
                    )
    named = [r.risk_post_id for r in posts if r.position]
    if named:
        for h in tx.all(
            "SELECT risk_post_id, holder_id, valid_from, valid_to FROM rm_risk_post_holders "
            f"WHERE risk_post_id IN ({_marks(named)}) AND {recorded_at()}",
            (*named, p, p),
        ):
            out[h["risk_post_id"]].setdefault(h["holder_id"], []).append(
                (h["valid_from"], open_date(h["valid_to"]))
            )
    return out


def rotations_due(
    tx: Tx,
    root_id: str | None,
    as_of: str,
    position: int | None,
    level: str | None,
    scope: tuple[str, tuple] = ("", ()),
) -> list[tuple[RiskPostRow, RotationDue]]:
    """定期轮岗: the holders of the risk posts in force on `as_of` whose unbroken holding
    reached the post's limit by then (the rule decides)."""
    posts = risk_posts_in(tx, root_id, as_of, position, level, scope)
    held = holdings(tx, posts, position)
    return [
        (post, due)
        for post in posts
        for due in rotation_due(held[post.risk_post_id], post.max_years, as_of)
    ]
