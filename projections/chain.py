"""一案双查: the accountability chain of a case, resolved from bitemporal read models.

For subject S in unit U with facts period F..G (G = F for a single date), as recorded at
position p:
  DIRECT       the head (UNIT_HEAD / BRANCH_SECRETARY) of U, unless that is S;
  IN_CHARGE    every holder of an IN_CHARGE item whose scope covers U or an ancestor of U;
  PRINCIPAL    the PRINCIPAL of the organ at the root of U's tree;
  SUPERVISORY  the DISCIPLINE_SECRETARY of that organ;
each counted when their post or holding overlaps F..G (终身问责: people who have moved on
stay; successors who came after G never appear). Where nobody covered a role for part of
F..G, the answer names the gap (责任空档). Every step is an indexed lookup on rows valid in
F..G and current at p, so the cost does not grow with the length of history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from projections.bitemporal import NOW, open_date
from projections.cases import CaseRow, cases_by_id, measures_at
from projections.db import OPEN_DATE, Tx
from projections.organisation import PostRow
from projections.responsibility import HoldingRow

HEAD_ROLES = ("UNIT_HEAD", "BRANCH_SECRETARY")
ORGAN_ROLES = {"PRINCIPAL": "PRINCIPAL", "DISCIPLINE_SECRETARY": "SUPERVISORY"}
CHAIN_ROLES = (*HEAD_ROLES, *ORGAN_ROLES)  # only these posts can put someone in a chain


@dataclass(frozen=True)
class LinkRow:
    person_id: str
    kind: str
    post: PostRow
    basis: HoldingRow | None
    held_from: str
    held_to: str | None
    measure: str | None
    post_recorded: bool = True


@dataclass(frozen=True)
class GapRow:
    kind: str
    unit_id: str
    gap_from: str
    gap_to: str


@dataclass(frozen=True)
class ChainRow:
    case: CaseRow
    root_id: str
    links: list[LinkRow]
    gaps: list[GapRow]

    @property
    def people(self) -> set[str]:
        return {link.person_id for link in self.links}


def _overlap(alias: str = "") -> str:
    a = f"{alias}." if alias else ""
    return (
        f"{a}valid_from <= ? AND {a}valid_to >= ? AND {a}recorded_from <= ? AND {a}recorded_to > ?"
    )


def resolve_chain(tx: Tx, case_id: str, position: int | None) -> ChainRow | None:
    p = NOW if position is None else position
    case = cases_by_id(tx, [case_id], position).get(case_id)
    if case is None:
        return None
    f, g = case.facts_on, case.facts_until or case.facts_on
    window = (g, f, p, p)
    unit = tx.one("SELECT kind, root_id FROM rm_units WHERE unit_id=?", (case.unit_id,))
    root_id = unit["root_id"]
    ancestors = [
        r["ancestor_id"]
        for r in tx.all("SELECT ancestor_id FROM rm_unit_tree WHERE unit_id=?", (case.unit_id,))
    ]

    posts = [
        _post(r)
        for r in tx.all(
            "SELECT person_id, unit_id, role, valid_from, valid_to FROM rm_posts "
            f"WHERE unit_id IN (?, ?) AND role IN ({', '.join('?' * len(CHAIN_ROLES))}) "
            f"AND {_overlap()} ORDER BY valid_from, person_id",
            (case.unit_id, root_id, *CHAIN_ROLES, *window),
        )
    ]
    # IN_CHARGE items covering U or an ancestor, held in F..G: the in-charge links.
    in_charge = _holdings(
        tx,
        f"s.unit_id IN ({', '.join('?' * len(ancestors))}) AND s.kind = 'IN_CHARGE'",
        (*ancestors,),
        p,
        window,
    )
    # The items behind the post-based links: asked of the few people holding those posts.
    post_holders = sorted({post.person_id for post in posts})
    bases = (
        _holdings(
            tx,
            f"h.holder_id IN ({', '.join('?' * len(post_holders))}) "
            f"AND s.unit_id IN ({', '.join('?' * len(ancestors))}) AND s.kind <> 'IN_CHARGE'",
            (*post_holders, *ancestors),
            p,
            window,
        )
        if post_holders
        else []
    )
    measures = measures_at(tx, case_id, position)

    links: list[LinkRow] = []
    coverage: dict[str, list[tuple[str, str | None]]] = {
        k: [] for k in ("DIRECT", "IN_CHARGE", "PRINCIPAL", "SUPERVISORY")
    }

    def basis_for(person_id: str, kind: str) -> HoldingRow | None:
        return next((h for h in bases if h.holder_id == person_id and h.kind == kind), None)

    for post in posts:
        if post.unit_id == case.unit_id and post.role in HEAD_ROLES:
            kind = "DIRECT"
        elif post.unit_id == root_id and post.role in ORGAN_ROLES:
            kind = ORGAN_ROLES[post.role]
        else:
            continue
        coverage[kind].append((post.valid_from, post.valid_to))
        if post.person_id != case.subject_id:
            links.append(
                LinkRow(
                    post.person_id,
                    kind,
                    post,
                    basis_for(post.person_id, kind),
                    post.valid_from,
                    post.valid_to,
                    measures.get(post.person_id),
                )
            )

    team_posts = _team_posts(tx, root_id, {h.holder_id for h in in_charge}, window)
    seen: set[tuple] = set()
    for holding in in_charge:
        coverage["IN_CHARGE"].append((holding.valid_from, holding.valid_to))
        key = (holding.item_id, holding.holder_id, holding.valid_from)
        if holding.holder_id == case.subject_id or key in seen:
            continue
        seen.add(key)
        post = team_posts.get(holding.holder_id)
        links.append(
            LinkRow(
                holding.holder_id,
                "IN_CHARGE",
                # No post recorded for the holder: show the item's span in the organ, and say so.
                post
                or PostRow(
                    holding.holder_id, root_id, "TEAM_MEMBER", holding.valid_from, holding.valid_to
                ),
                holding,
                holding.valid_from,
                holding.valid_to,
                measures.get(holding.holder_id),
                post_recorded=post is not None,
            )
        )

    gaps = []
    for kind, spans in coverage.items():
        if kind == "DIRECT" and unit["kind"] == "ORGAN":
            continue  # an organ's head is its PRINCIPAL
        for gap_from, gap_to in _uncovered(f, g, spans):
            gaps.append(
                GapRow(
                    kind,
                    case.unit_id if kind in ("DIRECT", "IN_CHARGE") else root_id,
                    gap_from,
                    gap_to,
                )
            )
    order = {"DIRECT": 0, "IN_CHARGE": 1, "PRINCIPAL": 2, "SUPERVISORY": 3}
    links.sort(key=lambda link: (order[link.kind], link.held_from, link.person_id))
    return ChainRow(case, root_id, links, gaps)


def _holdings(tx: Tx, where: str, params: tuple, p: int, window: tuple) -> list[HoldingRow]:
    """Holdings in force in the window as recorded at p, of items scoped as `where` says."""
    rows = tx.all(
        "SELECT DISTINCT h.item_id, h.holder_id, i.kind, i.area, i.title, h.valid_from, "
        "h.valid_to FROM rm_item_scope s JOIN rm_holdings h ON h.item_id = s.item_id "
        "JOIN rm_items i ON i.item_id = s.item_id "
        f"WHERE {where} AND i.recorded_from <= ? AND {_overlap('h')} "
        "ORDER BY h.valid_from, h.item_id, h.holder_id",
        (*params, p, *window),
    )
    return [_holding(r) for r in rows]


def _team_posts(tx: Tx, root_id: str, people: set[str], window: tuple) -> dict[str, PostRow]:
    """Each in-charge holder's post during the facts period: their TEAM_MEMBER post in the
    organ if they had one, else another post in the organ, else any post they held."""
    if not people:
        return {}
    rows = tx.all(
        "SELECT person_id, unit_id, role, valid_from, valid_to FROM rm_posts "
        f"WHERE person_id IN ({', '.join('?' * len(people))}) AND {_overlap()} "
        "ORDER BY valid_from, unit_id, role",
        (*sorted(people), *window),
    )

    def preference(post: PostRow) -> int:
        if post.unit_id == root_id:
            return 0 if post.role == "TEAM_MEMBER" else 1
        return 2

    out: dict[str, PostRow] = {}
    for r in rows:
        post = _post(r)
        if post.person_id not in out or preference(post) < preference(out[post.person_id]):
            out[post.person_id] = post
    return out


def _post(r) -> PostRow:
    return PostRow(
        r["person_id"], r["unit_id"], r["role"], r["valid_from"], open_date(r["valid_to"])
    )


def _holding(r) -> HoldingRow:
    return HoldingRow(
        r["item_id"],
        r["holder_id"],
        r["kind"],
        r["area"],
        r["title"],
        r["valid_from"],
        open_date(r["valid_to"]),
    )


def _uncovered(start: str, end: str, spans: list[tuple[str, str | None]]) -> list[tuple[str, str]]:
    """The parts of [start, end] (dates, inclusive) that no span covers."""
    one = timedelta(days=1)
    cursor = date.fromisoformat(start)
    last = date.fromisoformat(end)
    gaps = []
    for span_from, span_to in sorted(spans, key=lambda s: (s[0], s[1] or OPEN_DATE)):
        a = date.fromisoformat(span_from)
        b = date.fromisoformat(span_to) if span_to else last
        if a > cursor:
            gaps.append((cursor.isoformat(), min(a - one, last).isoformat()))
        cursor = max(cursor, b + one)
        if cursor > last:
            break
    if cursor <= last:
        gaps.append((cursor.isoformat(), last.isoformat()))
    return [(a, b) for a, b in gaps if a <= b]
