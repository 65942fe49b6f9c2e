"""一案双查: who belongs to a case's accountability chain, and where nobody did (责任空档).

For a case against subject S in unit U (root organ R) with facts period F..G:
  DIRECT       the head (UNIT_HEAD / BRANCH_SECRETARY) of U, unless that is S;
  IN_CHARGE    every holder of an IN_CHARGE item whose scope covers U or an ancestor of U;
  PRINCIPAL    the PRINCIPAL of R;
  SUPERVISORY  the DISCIPLINE_SECRETARY of R;
each counted when their post or holding overlaps F..G (终身问责: people who have moved on
stay; successors who came after G never appear). A role nobody but S covered for part of
F..G is a gap. `resolve` decides over rows the read side found; it reads nothing itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.domain.rules.periods import uncovered
from ledger.domain.rules.rows import HoldingRow, PostRow
from ledger.domain.values import HEAD_ROLES

ORGAN_ROLES = {"PRINCIPAL": "PRINCIPAL", "DISCIPLINE_SECRETARY": "SUPERVISORY"}
CHAIN_ROLES = (*HEAD_ROLES, *ORGAN_ROLES)  # only these posts can put someone in a chain
LINK_ORDER = {"DIRECT": 0, "IN_CHARGE": 1, "PRINCIPAL": 2, "SUPERVISORY": 3}


@dataclass(frozen=True)
class CaseAt:
    """Where and when a case's facts occurred, and against whom."""

    case_id: str
    unit_id: str
    unit_kind: str
    root_id: str
    subject_id: str
    facts_on: str
    facts_until: str | None

    @property
    def facts_end(self) -> str:
        return self.facts_until or self.facts_on


@dataclass(frozen=True)
class Link:
    person_id: str
    kind: str
    post: PostRow
    basis: HoldingRow | None
    held_from: str
    held_to: str | None
    measure: str | None
    post_recorded: bool = True


@dataclass(frozen=True)
class Gap:
    kind: str
    unit_id: str
    gap_from: str
    gap_to: str


def team_post(posts: list[PostRow], root_id: str) -> PostRow | None:
    """The post that shows an in-charge holder in the chain: their TEAM_MEMBER post in the
    organ if they had one, else another post in the organ, else any post they held."""

    def preference(post: PostRow) -> int:
        if post.unit_id == root_id:
            return 0 if post.role == "TEAM_MEMBER" else 1
        return 2

    best: PostRow | None = None
    for post in posts:
        if best is None or preference(post) < preference(best):
            best = post
    return best


def resolve(
    case: CaseAt,
    posts: list[PostRow],
    in_charge: list[HoldingRow],
    bases: list[HoldingRow],
    holder_posts: dict[str, list[PostRow]],
    measures: dict[str, str],
) -> tuple[list[Link], list[Gap]]:
    """The chain's links and gaps.

    `posts`: chain-role posts in U and R overlapping the facts; `in_charge`: IN_CHARGE
    holdings over U or an ancestor overlapping the facts; `bases`: other items of the post
    holders over those units (what put them there); `holder_posts`: the posts each in-charge
    holder held during the facts; `measures`: the measure in force per person.
    """
    links: list[Link] = []
    coverage: dict[str, list[tuple[str, str | None]]] = {k: [] for k in LINK_ORDER}

    def basis_for(person_id: str, kind: str) -> HoldingRow | None:
        return next((h for h in bases if h.holder_id == person_id and h.kind == kind), None)

    for post in posts:
        if post.unit_id == case.unit_id and post.role in HEAD_ROLES:
            kind = "DIRECT"
        elif post.unit_id == case.root_id and post.role in ORGAN_ROLES:
            kind = ORGAN_ROLES[post.role]
        else:
            continue
        coverage[kind].append((post.valid_from, post.valid_to))
        if post.person_id != case.subject_id:
            links.append(
                Link(
                    post.person_id,
                    kind,
                    post,
                    basis_for(post.person_id, kind),
                    post.valid_from,
                    post.valid_to,
                    measures.get(post.person_id),
                )
            )

    seen: set[tuple] = set()
    for holding in in_charge:
        coverage["IN_CHARGE"].append((holding.valid_from, holding.valid_to))
        key = (holding.item_id, holding.holder_id, holding.valid_from)
        if holding.holder_id == case.subject_id or key in seen:
            continue
        seen.add(key)
        post = team_post(holder_posts.get(holding.holder_id, []), case.root_id)
        links.append(
            Link(
                holding.holder_id,
                "IN_CHARGE",
                # No post recorded for the holder: show the item's span in the organ, and say so.
                post
                or PostRow(
                    holding.holder_id,
                    case.root_id,
                    "TEAM_MEMBER",
                    holding.valid_from,
                    holding.valid_to,
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
        if kind == "DIRECT" and case.unit_kind == "ORGAN":
            continue  # an organ's head is its PRINCIPAL
        unit_id = case.unit_id if kind in ("DIRECT", "IN_CHARGE") else case.root_id
        for gap_from, gap_to in uncovered(case.facts_on, case.facts_end, spans):
            gaps.append(Gap(kind, unit_id, gap_from, gap_to))
    links.sort(key=lambda link: (LINK_ORDER[link.kind], link.held_from, link.person_id))
    return links, gaps
