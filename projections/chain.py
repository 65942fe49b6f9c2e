"""一案双查: the rows a case's accountability chain is decided from, as recorded at a position.

Every lookup is indexed on rows valid in the facts period and current at the position, so
the cost does not grow with the length of history; who belongs to the chain and which gaps
remain is decided by `ledger.domain.rules.accountability`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.domain.rules.accountability import CHAIN_ROLES, CaseAt, Gap, Link, resolve
from ledger.domain.rules.rows import HoldingRow, PostRow
from projections.bitemporal import in_both_times, over_period
from projections.cases import CaseRow, cases_by_id, measures_at
from projections.db import Tx
from projections.organisation import post_row
from projections.responsibility import holding_row


@dataclass(frozen=True)
class ChainRow:
    case: CaseRow
    root_id: str
    links: list[Link]
    gaps: list[Gap]

    @property
    def people(self) -> set[str]:
        return {link.person_id for link in self.links}


def _marks(values) -> str:
    return ", ".join("?" * len(values))


def resolve_chain(tx: Tx, case_id: str, position: int | None) -> ChainRow | None:
    case = cases_by_id(tx, [case_id], position).get(case_id)
    if case is None:
        return None
    window = over_period(case.facts_on, case.facts_until or case.facts_on, position)
    unit = tx.one("SELECT kind, root_id FROM rm_units WHERE unit_id=?", (case.unit_id,))
    at = CaseAt(
        case.case_id,
        case.unit_id,
        unit["kind"],
        unit["root_id"],
        case.subject_id,
        case.facts_on,
        case.facts_until,
    )
    ancestors = [
        r["ancestor_id"]
        for r in tx.all("SELECT ancestor_id FROM rm_unit_tree WHERE unit_id=?", (case.unit_id,))
    ]
    posts = [
        post_row(r)
        for r in tx.all(
            "SELECT person_id, unit_id, role, valid_from, valid_to FROM rm_posts "
            f"WHERE unit_id IN (?, ?) AND role IN ({_marks(CHAIN_ROLES)}) "
            f"AND {in_both_times()} ORDER BY valid_from, person_id",
            (at.unit_id, at.root_id, *CHAIN_ROLES, *window),
        )
    ]
    # IN_CHARGE items covering U or an ancestor, held in F..G: the in-charge links.
    in_charge = _holdings(
        tx, f"s.unit_id IN ({_marks(ancestors)}) AND s.kind = 'IN_CHARGE'", ancestors, window
    )
    # The items behind the post-based links: asked of the few people holding those posts.
    post_holders = sorted({post.person_id for post in posts})
    bases = (
        _holdings(
            tx,
            f"h.holder_id IN ({_marks(post_holders)}) "
            f"AND s.unit_id IN ({_marks(ancestors)}) AND s.kind <> 'IN_CHARGE'",
            (*post_holders, *ancestors),
            window,
        )
        if post_holders
        else []
    )
    holder_posts = _posts_of(tx, sorted({h.holder_id for h in in_charge}), window)
    links, gaps = resolve(
        at, posts, in_charge, bases, holder_posts, measures_at(tx, case_id, position)
    )
    return ChainRow(case, at.root_id, links, gaps)


def _holdings(tx: Tx, where: str, params, window: tuple) -> list[HoldingRow]:
    """Holdings in force in the window, of items scoped as `where` says."""
    rows = tx.all(
        "SELECT DISTINCT h.item_id, h.holder_id, i.kind, i.area, i.title, h.valid_from, "
        "h.valid_to FROM rm_item_scope s JOIN rm_holdings h ON h.item_id = s.item_id "
        "JOIN rm_items i ON i.item_id = s.item_id "
        f"WHERE {where} AND i.recorded_from <= ? AND {in_both_times('h')} "
        "ORDER BY h.valid_from, h.item_id, h.holder_id",
        (*params, window[2], *window),
    )
    return [holding_row(r) for r in rows]


def _posts_of(tx: Tx, people: list[str], window: tuple) -> dict[str, list[PostRow]]:
    out: dict[str, list[PostRow]] = {}
    if people:
        for r in tx.all(
            "SELECT person_id, unit_id, role, valid_from, valid_to FROM rm_posts "
            f"WHERE person_id IN ({_marks(people)}) AND {in_both_times()} "
            "ORDER BY valid_from, unit_id, role",
            (*people, *window),
        ):
            out.setdefault(r["person_id"], []).append(post_row(r))
    return out
