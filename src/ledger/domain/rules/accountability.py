"""一案双查: who belongs to a case's accountability chain, level by level, and the gaps.

A case against subject S sits in unit U, where the facts occurred (F..G, one day when G is
not given). Its chain runs from U up to U's organ (the path), at valid time F..G:
  DIRECT       at U: its head (UNIT_HEAD / BRANCH_SECRETARY: 本单位负责人), unless U is an organ;
  PRINCIPAL    at each level that has one (always at the organ): its PRINCIPAL (主体责任);
  SUPERVISORY  at each level that has one (always at the organ): its DISCIPLINE_SECRETARY
               (监督责任);
  IN_CHARGE    every organ leader whose IN_CHARGE item covers U or an ancestor (一岗双责),
               for the days they held both the item and a leadership post of the organ.
Each link names its level, the post (and item) that put the person there and the dates held.
终身问责: people who have since moved on stay; successors who came after G never enter.
Where part of F..G has nobody in an expected role, the answer names a gap: HELD_BY_SUBJECT
when only S held it (their own conduct is the first 查; the levels above still answer),
VACANT when nobody did. `resolve` decides over rows the read side found; it reads nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ledger.domain.rules.periods import overlaps, split, uncovered
from ledger.domain.rules.rows import HoldingRow, PostRow
from ledger.domain.values import HEAD_ROLES

# The post roles that put someone in a chain at their own unit, and the link kind they give.
LEVEL_ROLES = {"PRINCIPAL": "PRINCIPAL", "DISCIPLINE_SECRETARY": "SUPERVISORY"}
CHAIN_ROLES = (*HEAD_ROLES, *LEVEL_ROLES)
KIND_ORDER = {"DIRECT": 0, "IN_CHARGE": 1, "PRINCIPAL": 2, "SUPERVISORY": 3}
TOP_KINDS = ("ORGAN", "WORKING_COMMITTEE")  # units whose head is their PRINCIPAL


@dataclass(frozen=True)
class Level:
    """One unit on the path from the facts unit up to its organ."""

    unit_id: str
    kind: str
    has_principal: bool = False  # a PRINCIPAL post was ever recorded for this unit
    has_supervisor: bool = False  # a DISCIPLINE_SECRETARY post was ever recorded for it

    def expects(self, kind: str) -> bool:
        """Is a gap in this role at this level worth naming? The organ always has both
        responsibilities; a unit below it only when it has such posts at all."""
        if kind == "PRINCIPAL":
            return self.kind == "ORGAN" or self.has_principal
        return self.kind == "ORGAN" or self.has_supervisor


@dataclass(frozen=True)
class CaseAt:
    """Where and when a case's facts occurred, against whom, and the path up to the organ."""

    case_id: str
    subject_id: str
    facts_on: str
    facts_until: str | None
    path: tuple[Level, ...]  # the facts unit first, its organ last

    @property
    def facts_end(self) -> str:
        return self.facts_until or self.facts_on

    @property
    def unit_id(self) -> str:
        return self.path[0].unit_id

    def level_of(self, unit_id: str) -> int:
        return next(i for i, level in enumerate(self.path) if level.unit_id == unit_id)


@dataclass(frozen=True)
class Link:
    person_id: str
    kind: str
    unit_id: str  # the level this responsibility sits at
    post: PostRow
    basis: HoldingRow | None
    held_from: str
    held_to: str | None
    measure: str | None = None


def link_from_record(record: dict) -> Link:
    """A link as a decision keeps it (`dataclasses.asdict` of the link at the time)."""
    basis = record.get("basis")
    return Link(
        **{
            **record,
            "post": PostRow(**record["post"]),
            "basis": HoldingRow(**basis) if basis else None,
        }
    )


@dataclass(frozen=True)
class Gap:
    kind: str
    unit_id: str
    gap_from: str
    gap_to: str
    reason: str  # VACANT | HELD_BY_SUBJECT


def resolve(
    case: CaseAt,
    posts: Iterable[PostRow],
    in_charge: Iterable[tuple[HoldingRow, str]],
    team_posts: dict[str, list[PostRow]],
    bases: Iterable[HoldingRow],
    measures: dict[str, str],
) -> tuple[list[Link], list[Gap]]:
    """The chain's links and gaps.

    `posts`: chain-role posts at the path's units overlapping the facts; `in_charge`:
    (IN_CHARGE holding overlapping the facts, the path unit its item covers); `team_posts`:
    each in-charge holder's leadership posts in the organ overlapping the facts; `bases`:
    the other items of the post holders over the path (what put them there); `measures`:
    the measure in force per person.
    """
    bases = list(bases)
    links: list[Link] = []
    spans: dict[tuple[str, str], tuple[list, list]] = {}  # (kind, unit) -> (others, subject's)

    def cover(kind: str, unit_id: str, person_id: str, start: str, end: str | None) -> None:
        others, subject = spans.setdefault((kind, unit_id), ([], []))
        (subject if person_id == case.subject_id else others).append((start, end))

    def during_facts(start: str, end: str | None) -> bool:
        return overlaps(start, end, case.facts_on, case.facts_end)

    for post in posts:
        kind = _post_kind(case, post)
        if kind is None or not during_facts(post.valid_from, post.valid_to):
            continue
        cover(kind, post.unit_id, post.person_id, post.valid_from, post.valid_to)
        if post.person_id != case.subject_id:
            basis = next(
                (h for h in bases if h.holder_id == post.person_id and h.kind == kind), None
            )
            links.append(
                Link(
                    post.person_id,
                    kind,
                    post.unit_id,
                    post,
                    basis,
                    post.valid_from,
                    post.valid_to,
                    measures.get(post.person_id),
                )
            )

    nearest: dict[tuple[str, str, str], tuple[HoldingRow, int]] = {}
    for holding, unit_id in in_charge:  # one item may cover several levels: the lowest counts
        key = (holding.item_id, holding.holder_id, holding.valid_from)
        level = case.level_of(unit_id)
        if key not in nearest or level < nearest[key][1]:
            nearest[key] = (holding, level)
    for holding, level in nearest.values():
        unit_id = case.path[level].unit_id
        for post, start, end in _while_leading(holding, team_posts.get(holding.holder_id, [])):
            if not during_facts(start, end):
                continue
            cover("IN_CHARGE", case.unit_id, holding.holder_id, start, end)
            if holding.holder_id != case.subject_id:
                links.append(
                    Link(
                        holding.holder_id,
                        "IN_CHARGE",
                        unit_id,
                        post,
                        holding,
                        start,
                        end,
                        measures.get(holding.holder_id),
                    )
                )

    gaps = []
    for kind, unit_id in _expected(case):
        others, subject = spans.get((kind, unit_id), ([], []))
        for gap_from, gap_to in uncovered(case.facts_on, case.facts_end, others):
            held, vacant = split(gap_from, gap_to, subject)
            gaps += [Gap(kind, unit_id, a, b, "HELD_BY_SUBJECT") for a, b in held]
            gaps += [Gap(kind, unit_id, a, b, "VACANT") for a, b in vacant]

    def place(unit_id: str, kind: str) -> tuple[int, int]:
        return case.level_of(unit_id), KIND_ORDER[kind]

    links.sort(key=lambda x: (*place(x.unit_id, x.kind), x.held_from, x.person_id))
    gaps.sort(key=lambda g: (*place(g.unit_id, g.kind), g.gap_from))
    return links, gaps


def _post_kind(case: CaseAt, post: PostRow) -> str | None:
    """The link kind a chain-role post gives at its level, or None (a head above the facts
    unit answers as PRINCIPAL of that level if they hold that post, not as its head)."""
    if post.role in HEAD_ROLES:
        top = case.path[0].kind in TOP_KINDS
        return "DIRECT" if post.unit_id == case.unit_id and not top else None
    return LEVEL_ROLES.get(post.role)


def _expected(case: CaseAt) -> list[tuple[str, str]]:
    """(kind, level) pairs whose uncovered days are gaps."""
    expected = []
    first = case.path[0]
    if first.kind not in TOP_KINDS:
        expected += [("DIRECT", first.unit_id), ("IN_CHARGE", first.unit_id)]
    for level in case.path:
        expected += [(k, level.unit_id) for k in ("PRINCIPAL", "SUPERVISORY") if level.expects(k)]
    return expected


def _while_leading(
    holding: HoldingRow, posts: list[PostRow]
) -> list[tuple[PostRow, str, str | None]]:
    """The parts of a holding during which its holder also held a leadership post of the
    organ (an IN_CHARGE item counts only then), with that post."""
    out = []
    for post in sorted(posts, key=lambda p: (p.valid_from, p.role != "TEAM_MEMBER")):
        start = max(holding.valid_from, post.valid_from)
        ends = [e for e in (holding.valid_to, post.valid_to) if e is not None]
        end = min(ends) if ends else None
        if end is None or start <= end:
            out.append((post, start, end))
    return out
