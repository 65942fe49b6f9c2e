"""一案双查: the rows a case's accountability chain is decided from, as recorded at a position.

The path runs from the facts unit up to its organ (the closure table gives it in one
lookup); every other lookup is indexed on rows valid in the facts period and current at the
position, so the cost does not grow with the length of history. Who belongs to the chain
and which gaps remain is decided by `ledger.domain.rules.accountability`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.domain.rules.accountability import CHAIN_ROLES, CaseAt, Gap, Level, Link, resolve
from ledger.domain.rules.rows import PostRow
from ledger.domain.values import TEAM_ROLES
from projections.bitemporal import NOW, in_both_times, over_period
from projections.cases import CaseRow, cases_by_id, measures_at
from projections.db import Tx
from projections.organisation import post_row
from projections.responsibility import holding_row


@dataclass(frozen=True)
class ChainRow:
    case: CaseRow
    path: tuple[str, ...]  # the facts unit up to its organ
    links: list[Link]
    gaps: list[Gap]

    @property
    def people(self) -> set[str]:
        return {link.person_id for link in self.links}


def _marks(values) -> str:
    return ", ".join("?" * len(values))


def case_path(tx: Tx, unit_id: str, position: int | None) -> list[Level]:
    """The facts unit and its ancestors up to its organ, each with whether it has (ever
    had, as recorded at `position`) a PRINCIPAL or DISCIPLINE_SECRETARY post."""
    p = NOW if position is None else position
    rows = tx.all(
        "SELECT u.unit_id, u.kind, u.organ_id, t.distance, "
        "EXISTS (SELECT 1 FROM rm_posts po WHERE po.unit_id = u.unit_id AND po.role = 'PRINCIPAL' "
        "AND po.recorded_from <= ? AND po.recorded_to > ?) AS has_principal, "
        "EXISTS (SELECT 1 FROM rm_posts po WHERE po.unit_id = u.unit_id "
        "AND po.role = 'DISCIPLINE_SECRETARY' AND po.recorded_from <= ? AND po.recorded_to > ?) "
        "AS has_supervisor "
        "FROM rm_unit_tree t JOIN rm_units u ON u.unit_id = t.ancestor_id "
        "WHERE t.unit_id = ? ORDER BY t.distance",
        (p, p, p, p, unit_id),
    )
    path = []
    for r in rows:
        path.append(
            Level(r["unit_id"], r["kind"], bool(r["has_principal"]), bool(r["has_supervisor"]))
        )
        if r["kind"] == "ORGAN":
            break  # above the organ (a working committee) is not part of the chain
    return path


def resolve_chain(tx: Tx, case_id: str, position: int | None) -> ChainRow | None:
    case = cases_by_id(tx, [case_id], position).get(case_id)
    if case is None:
        return None
    window = over_period(case.facts_on, case.facts_until or case.facts_on, position)
    path = case_path(tx, case.unit_id, position)
    at = CaseAt(case.case_id, case.subject_id, case.facts_on, case.facts_until, tuple(path))
    units = [level.unit_id for level in path]
    organ_id = units[-1]
    posts = [
        post_row(r)
        for r in tx.all(
            "SELECT person_id, unit_id, role, valid_from, valid_to FROM rm_posts "
            f"WHERE unit_id IN ({_marks(units)}) AND role IN ({_marks(CHAIN_ROLES)}) "
            f"AND {in_both_times()} ORDER BY valid_from, person_id",
            (*units, *CHAIN_ROLES, *window),
        )
    ]
    in_charge = [
        (holding_row(r), r["unit_id"])
        for r in _holdings(
            tx, f"s.unit_id IN ({_marks(units)}) AND s.kind = 'IN_CHARGE'", units, window
        )
    ]
    # The items behind the post-based links: asked of the few people holding those posts.
    holders = sorted({post.person_id for post in posts})
    bases = (
        [
            holding_row(r)
            for r in _holdings(
                tx,
                f"h.holder_id IN ({_marks(holders)}) "
                f"AND s.unit_id IN ({_marks(units)}) AND s.kind <> 'IN_CHARGE'",
                (*holders, *units),
                window,
            )
        ]
        if holders
        else []
    )
    leaders = _team_posts(tx, organ_id, sorted({h.holder_id for h, _ in in_charge}), window)
    measures = measures_at(tx, case_id, position)
    links, gaps = resolve(at, posts, in_charge, leaders, bases, measures)
    return ChainRow(case, tuple(units), links, gaps)


def _holdings(tx: Tx, where: str, params, window: tuple) -> list:
    """Holdings in force in the window, of items scoped as `where` says (with the scope unit)."""
    return tx.all(
        "SELECT DISTINCT h.item_id, h.holder_id, i.kind, i.area, i.title, h.valid_from, "
        "h.valid_to, s.unit_id FROM rm_item_scope s JOIN rm_holdings h ON h.item_id = s.item_id "
        "JOIN rm_items i ON i.item_id = s.item_id "
        f"WHERE {where} AND i.recorded_from <= ? AND {in_both_times('h')} "
        "ORDER BY h.valid_from, h.item_id, h.holder_id, s.unit_id",
        (*params, window[2], *window),
    )


def _team_posts(
    tx: Tx, organ_id: str, people: list[str], window: tuple
) -> dict[str, list[PostRow]]:
    """The leadership posts of the organ that these people held during the facts."""
    out: dict[str, list[PostRow]] = {}
    if people:
        for r in tx.all(
            "SELECT person_id, unit_id, role, valid_from, valid_to FROM rm_posts "
            f"WHERE person_id IN ({_marks(people)}) AND unit_id = ? "
            f"AND role IN ({_marks(TEAM_ROLES)}) AND {in_both_times()} "
            "ORDER BY valid_from, role",
            (*people, organ_id, *TEAM_ROLES, *window),
        ):
            out.setdefault(r["person_id"], []).append(post_row(r))
    return out


def holds(chain: ChainRow | None, link: dict) -> bool:
    """Does this chain still hold a decision's link (the same person, kind and level)?"""
    if chain is None:
        return False
    return any(
        (x.person_id, x.kind, x.unit_id) == (link["person_id"], link["kind"], link["unit_id"])
        for x in chain.links
    )
