"""Power controls (part 三(二) of the source text).

主要负责人"五个不直接分管": a principal leader does not directly oversee personnel, finance,
construction projects, procurement or administrative approvals. `principal_oversight` finds
every time someone held an IN_CHARGE item whose scope names a unit carrying such functions
while holding the PRINCIPAL post of that unit's organ: the three periods intersected, split
where the unit's functions change. Only units the item names count (直接分管): an item over a
parent is not direct oversight of the units below it. A finding, not a refusal.

三重一大 collectively, 末位表态, 回避: `decision_check` reads a decision's minutes against the
unit's leadership team on the day (its PRINCIPAL, TEAM_MEMBERs and DISCIPLINE_SECRETARY, and
the UNIT_HEAD of a unit other than an organ); its principal is the PRINCIPAL, or the UNIT_HEAD
where there is none. Flags:
- LOW_ATTENDANCE: fewer than half of the team attended (exactly half is enough);
- PRINCIPAL_NOT_LAST: a principal attended and was not the last to state a view (also when
  they stated none);
- RECUSED_SPOKE: someone who withdrew (回避) stated a view.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ledger.domain.rules.periods import day_after, day_before, holds_on
from ledger.domain.rules.rows import PostRow

DECISION_TEAM_ROLES = ("PRINCIPAL", "TEAM_MEMBER", "DISCIPLINE_SECRETARY", "UNIT_HEAD")


@dataclass(frozen=True)
class Charge:
    """One holding of an IN_CHARGE item whose scope names `unit_id`."""

    item_id: str
    holder_id: str
    unit_id: str
    valid_from: str
    valid_to: str | None


@dataclass(frozen=True)
class FunctionPeriod:
    unit_id: str
    function: str
    valid_from: str
    valid_to: str | None


@dataclass(frozen=True)
class PrincipalOversight:
    person_id: str
    item_id: str
    unit_id: str
    organ_id: str
    functions: tuple[str, ...]
    valid_from: str
    valid_to: str | None
    post_from: str  # the PRINCIPAL post that made them the principal
    post_to: str | None


def intersect(
    a_from: str, a_to: str | None, b_from: str, b_to: str | None
) -> tuple[str, str | None] | None:
    start = max(a_from, b_from)
    ends = [x for x in (a_to, b_to) if x is not None]
    end = min(ends) if ends else None
    return (start, end) if end is None or start <= end else None


def segments(
    start: str, end: str | None, periods: list[FunctionPeriod]
) -> list[tuple[str, str | None, tuple[str, ...]]]:
    """[start, end] split where the set of functions changes; parts without any dropped."""
    cuts = {start}
    for p in periods:
        if p.valid_from > start and (end is None or p.valid_from <= end):
            cuts.add(p.valid_from)
        if p.valid_to is not None and p.valid_to >= start and (end is None or p.valid_to < end):
            cuts.add(day_after(p.valid_to))
    bounds = sorted(cuts)
    out: list[tuple[str, str | None, tuple[str, ...]]] = []
    for n, cut in enumerate(bounds):
        stop = day_before(bounds[n + 1]) if n + 1 < len(bounds) else end
        found = tuple(
            sorted({p.function for p in periods if holds_on(p.valid_from, p.valid_to, cut)})
        )
        if out and out[-1][2] == found and out[-1][1] is not None and day_after(out[-1][1]) == cut:
            out[-1] = (out[-1][0], stop, found)
        else:
            out.append((cut, stop, found))
    return [s for s in out if s[2]]


def principal_oversight(
    charges: Iterable[Charge],
    principal_posts: Iterable[PostRow],
    functions: Iterable[FunctionPeriod],
    organ_of: dict[str, str | None],
) -> list[PrincipalOversight]:
    posts = [p for p in principal_posts if p.role == "PRINCIPAL"]
    by_unit: dict[str, list[FunctionPeriod]] = {}
    for f in functions:
        by_unit.setdefault(f.unit_id, []).append(f)
    out = []
    for charge in charges:
        organ = organ_of.get(charge.unit_id)
        carried = by_unit.get(charge.unit_id, [])
        if organ is None or not carried:
            continue
        for post in posts:
            if (post.person_id, post.unit_id) != (charge.holder_id, organ):
                continue
            span = intersect(charge.valid_from, charge.valid_to, post.valid_from, post.valid_to)
            if span is None:
                continue
            for start, end, found in segments(span[0], span[1], carried):
                out.append(
                    PrincipalOversight(
                        charge.holder_id,
                        charge.item_id,
                        charge.unit_id,
                        organ,
                        found,
                        start,
                        end,
                        post.valid_from,
                        post.valid_to,
                    )
                )
    return sorted(out, key=lambda o: (o.valid_from, o.person_id, o.item_id, o.unit_id))


@dataclass(frozen=True)
class DecisionCheck:
    team: tuple[str, ...]  # the leadership team on the day
    present: tuple[str, ...]  # its members who attended
    principals: tuple[str, ...]
    flags: tuple[str, ...]


def decision_check(
    unit_kind: str,
    decided_on: str,
    attendee_ids: list[str],
    speaker_ids: list[str],
    recused_ids: list[str],
    posts: Iterable[PostRow],
) -> DecisionCheck:
    """The minutes against the unit's team on `decided_on` (posts of the unit)."""
    roles = DECISION_TEAM_ROLES if unit_kind != "ORGAN" else DECISION_TEAM_ROLES[:3]
    on_day = [
        p for p in posts if p.role in roles and holds_on(p.valid_from, p.valid_to, decided_on)
    ]
    team = tuple(sorted({p.person_id for p in on_day}))
    present = tuple(p for p in team if p in attendee_ids)
    principals = tuple(sorted({p.person_id for p in on_day if p.role == "PRINCIPAL"})) or tuple(
        sorted({p.person_id for p in on_day if p.role == "UNIT_HEAD"})
    )
    flags = []
    if team and len(present) * 2 < len(team):
        flags.append("LOW_ATTENDANCE")
    attending = [p for p in principals if p in attendee_ids]
    if attending and (not speaker_ids or speaker_ids[-1] not in attending):
        flags.append("PRINCIPAL_NOT_LAST")
    if set(speaker_ids) & set(recused_ids):
        flags.append("RECUSED_SPOKE")
    return DecisionCheck(team, present, principals, tuple(flags))
