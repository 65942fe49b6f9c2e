"""Organisation: units (with their tree as a closure table), people, and posts in two times.

`rm_posts` rows carry valid time (valid_from..valid_to, dates, inclusive) and record time
(recorded_from..recorded_to, positions, half-open). An event at position q that changes a
person's posts closes the rows it supersedes (recorded_to = q) and inserts the restated
ones (recorded_from = q); nothing else is ever updated.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.domain.person import Person, posts_after
from ledger.domain.rules.rows import PostRow
from ledger.domain.unit import Unit
from projections.base import Envelope, Memo, Projector, on
from projections.bitemporal import NOW, both_times, close_and_insert, in_both_times, restated
from projections.db import OPEN_DATE, OPEN_POSITION, Tx, as_row


class OrganisationProjector(Projector):
    name = "organisation"
    tables = (
        (
            "rm_units",
            "CREATE TABLE IF NOT EXISTS rm_units (unit_id TEXT PRIMARY KEY, name TEXT NOT NULL, "
            "kind TEXT NOT NULL, parent_id TEXT, short_name TEXT, root_id TEXT NOT NULL, "
            "depth INTEGER NOT NULL, organ_id TEXT, "
            "recorded_from BIGINT NOT NULL)",
            (
                "CREATE INDEX IF NOT EXISTS rm_units_parent ON rm_units (parent_id, unit_id)",
                "CREATE INDEX IF NOT EXISTS rm_units_kind ON rm_units (kind, unit_id)",
            ),
        ),
        (
            "rm_unit_tree",
            "CREATE TABLE IF NOT EXISTS rm_unit_tree (ancestor_id TEXT NOT NULL, "
            "unit_id TEXT NOT NULL, distance INTEGER NOT NULL, PRIMARY KEY (ancestor_id, unit_id))",
            ("CREATE INDEX IF NOT EXISTS rm_unit_tree_unit ON rm_unit_tree (unit_id, distance)",),
        ),
        (
            "rm_persons",
            "CREATE TABLE IF NOT EXISTS rm_persons (person_id TEXT PRIMARY KEY, "
            "aggregate_id TEXT NOT NULL, name TEXT NOT NULL, recorded_from BIGINT NOT NULL)",
            ("CREATE INDEX IF NOT EXISTS rm_persons_aggregate ON rm_persons (aggregate_id)",),
        ),
        (
            "rm_posts",
            "CREATE TABLE IF NOT EXISTS rm_posts (person_id TEXT NOT NULL, unit_id TEXT NOT NULL, "
            "role TEXT NOT NULL, valid_from TEXT NOT NULL, valid_to TEXT NOT NULL, "
            "recorded_from BIGINT NOT NULL, recorded_to BIGINT NOT NULL)",
            (
                "CREATE INDEX IF NOT EXISTS rm_posts_person ON rm_posts (person_id, recorded_to)",
                "CREATE INDEX IF NOT EXISTS rm_posts_unit ON rm_posts (unit_id, role, recorded_to)",
            ),
        ),
    )

    def __init__(self) -> None:
        self._person_of = Memo()  # aggregate -> person id (never changes)
        self._posts_of = Memo()  # person id -> their current posts, as `_posts` reads them
        self._units = Memo()  # unit id -> (root_id, depth, organ_id) (never changes)

    def reset_caches(self) -> None:
        self._person_of.clear()
        self._posts_of.clear()
        self._units.clear()

    @on(Person.Registered)
    def _person(self, tx: Tx, envelope: Envelope) -> None:
        self._person_of.remember(envelope.aggregate_hex, envelope.event.person_id)
        self._posts_of.remember(envelope.event.person_id, [])
        tx.execute(
            "INSERT INTO rm_persons (person_id, aggregate_id, name, recorded_from) "
            "VALUES (?, ?, ?, ?)",
            (
                envelope.event.person_id,
                envelope.aggregate_hex,
                envelope.event.name,
                envelope.position,
            ),
        )

    @on(Unit.Registered)
    def _unit(self, tx: Tx, envelope: Envelope) -> None:
        event, q = envelope.event, envelope.position
        root_id, depth, organ_id = event.unit_id, 0, None
        if event.parent_id:
            parent = self._units.get(event.parent_id)
            if parent is None:
                row = tx.one(
                    "SELECT root_id, depth, organ_id FROM rm_units WHERE unit_id=?",
                    (event.parent_id,),
                )
                parent = (row["root_id"], row["depth"], row["organ_id"])
            root_id, depth, organ_id = parent[0], parent[1] + 1, parent[2]
        if event.kind == "ORGAN":
            organ_id = event.unit_id
        self._units.remember(event.unit_id, (root_id, depth, organ_id))
        tx.execute(
            "INSERT INTO rm_units (unit_id, name, kind, parent_id, short_name, root_id, depth, "
            "organ_id, recorded_from) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                event.unit_id,
                event.name,
                event.kind,
                event.parent_id,
                event.short_name,
                root_id,
                depth,
                organ_id,
                q,
            ),
        )
        tx.execute(
            "INSERT INTO rm_unit_tree (ancestor_id, unit_id, distance) VALUES (?, ?, 0)",
            (event.unit_id, event.unit_id),
        )
        if event.parent_id:
            tx.execute(
                "INSERT INTO rm_unit_tree (ancestor_id, unit_id, distance) "
                "SELECT ancestor_id, ?, distance + 1 FROM rm_unit_tree WHERE unit_id=?",
                (event.unit_id, event.parent_id),
            )

    @on(Person.PostAssumed, Person.PostLeft, Person.PostCorrected)
    def _posts(self, tx: Tx, envelope: Envelope) -> None:
        person_id = self._person_of.fetch(
            envelope.aggregate_hex,
            lambda: tx.scalar(
                "SELECT person_id FROM rm_persons WHERE aggregate_id=?", (envelope.aggregate_hex,)
            ),
        )
        before = self._posts_of.get(person_id)
        if before is None:
            rows = tx.all(
                "SELECT unit_id, role, valid_from, valid_to FROM rm_posts "
                "WHERE person_id=? AND recorded_to=? ORDER BY valid_from, unit_id, role",
                (person_id, OPEN_POSITION),
            )
            before = [_post(r) for r in rows]
        after = posts_after(before, envelope.event)
        kept = restated(before, after, POST_COLUMNS, ("unit_id", "role"))
        if kept is None:
            self._posts_of.pop(person_id, None)  # read back next time
        else:
            self._posts_of.remember(person_id, kept)
        close_and_insert(
            tx,
            "rm_posts",
            {"person_id": person_id},
            POST_COLUMNS,
            before,
            after,
            envelope.position,
        )


POST_COLUMNS = ("unit_id", "role")


def _post(row) -> dict:
    return {
        "unit_id": row["unit_id"],
        "role": row["role"],
        "valid_from": row["valid_from"],
        "valid_to": None if row["valid_to"] == OPEN_DATE else row["valid_to"],
    }


# ---------------------------------------------------------------------- queries


@dataclass(frozen=True)
class UnitRow:
    unit_id: str
    name: str
    kind: str
    parent_id: str | None
    root_id: str
    depth: int
    short_name: str | None = None
    organ_id: str | None = None


@dataclass(frozen=True)
class PersonRow:
    person_id: str
    name: str


def _marks(values) -> str:
    return ", ".join("?" for _ in values)


def _unit(r) -> UnitRow:
    return as_row(UnitRow, r)


UNIT_COLUMNS = "unit_id, name, kind, parent_id, root_id, depth, short_name, organ_id"


def units_by_id(tx: Tx, ids: list[str], position: int | None = None) -> dict[str, UnitRow]:
    if not ids:
        return {}
    rows = tx.all(
        f"SELECT {UNIT_COLUMNS} FROM rm_units WHERE unit_id IN ({_marks(ids)}) "
        "AND recorded_from <= ?",
        (*ids, NOW if position is None else position),
    )
    return {r["unit_id"]: _unit(r) for r in rows}


def list_units(
    tx: Tx,
    kind: str | None = None,
    parent_id: str | None = None,
    position: int | None = None,
    limit: int = 1000,
) -> list[UnitRow]:
    where, params = ["recorded_from <= ?"], [NOW if position is None else position]
    if kind:
        where.append("kind = ?")
        params.append(kind)
    if parent_id:
        where.append("parent_id = ?")
        params.append(parent_id)
    rows = tx.all(
        f"SELECT {UNIT_COLUMNS} FROM rm_units WHERE {' AND '.join(where)} "
        "ORDER BY depth, unit_id LIMIT ?",
        (*params, limit),
    )
    return [_unit(r) for r in rows]


def children_of(tx: Tx, parent_ids: list[str]) -> dict[str, list[UnitRow]]:
    out: dict[str, list[UnitRow]] = {p: [] for p in parent_ids}
    if parent_ids:
        for r in tx.all(
            f"SELECT {UNIT_COLUMNS} FROM rm_units WHERE parent_id IN ({_marks(parent_ids)}) "
            "ORDER BY unit_id",
            parent_ids,
        ):
            out[r["parent_id"]].append(_unit(r))
    return out


def subtree_units(tx: Tx, roots: list[str]) -> list[str]:
    """Every unit in the subtrees of these units (themselves included)."""
    if not roots:
        return []
    rows = tx.all(
        f"SELECT DISTINCT unit_id FROM rm_unit_tree WHERE ancestor_id IN ({_marks(roots)})", roots
    )
    return [r["unit_id"] for r in rows]


def units_of_person(tx: Tx, person_id: str) -> list[str]:
    """Every unit in which a person held a post, at any time, as recorded now."""
    rows = tx.all(
        "SELECT DISTINCT unit_id FROM rm_posts WHERE person_id = ? AND recorded_to = ?",
        (person_id, OPEN_POSITION),
    )
    return [r["unit_id"] for r in rows]


def persons_by_id(tx: Tx, ids: list[str]) -> dict[str, PersonRow]:
    if not ids:
        return {}
    rows = tx.all(f"SELECT person_id, name FROM rm_persons WHERE person_id IN ({_marks(ids)})", ids)
    return {r["person_id"]: as_row(PersonRow, r) for r in rows}


def _posts_where(column: str, ids: list[str], as_of: str, position: int | None):
    return (
        f"SELECT person_id, unit_id, role, valid_from, valid_to FROM rm_posts "
        f"WHERE {column} IN ({_marks(ids)}) AND {in_both_times()} ORDER BY valid_from, role, person_id",
        (*ids, *both_times(as_of, position)),
    )


def post_row(r) -> PostRow:
    return as_row(PostRow, r)


def posts_with_holders(
    tx: Tx, column: str, ids: list[str], as_of: str, position: int | None
) -> tuple[dict[str, list[PostRow]], dict[str, PersonRow]]:
    """`posts_by` and the holders `persons_by_id` would give, in one statement (a document
    asking for posts and who holds them: one read instead of two)."""
    out: dict[str, list[PostRow]] = {i: [] for i in ids}
    holders: dict[str, PersonRow] = {}
    if ids:
        for r in tx.all(
            "SELECT p.person_id, p.unit_id, p.role, p.valid_from, p.valid_to, h.name AS holder "
            "FROM rm_posts p LEFT JOIN rm_persons h ON h.person_id = p.person_id "
            f"WHERE p.{column} IN ({_marks(ids)}) AND {in_both_times('p')} "
            "ORDER BY p.valid_from, p.role, p.person_id",
            (*ids, *both_times(as_of, position)),
        ):
            out[r[column]].append(post_row(r))
            if r["holder"] is not None:
                holders[r["person_id"]] = PersonRow(r["person_id"], r["holder"])
    return out, holders


def posts_by(
    tx: Tx, column: str, ids: list[str], as_of: str, position: int | None
) -> dict[str, list[PostRow]]:
    """Posts in force on `as_of` as recorded at `position`, per unit or per person
    (`column`: "unit_id" or "person_id")."""
    out: dict[str, list[PostRow]] = {i: [] for i in ids}
    if ids:
        for r in tx.all(*_posts_where(column, ids, as_of, position)):
            out[r[column]].append(post_row(r))
    return out
