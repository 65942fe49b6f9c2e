"""六必谈: the talks the ledger owes, derived from what it records.

The source text: "新进干部必谈、岗位调整必谈、年度考核基本称职以下必谈、遇到重大挫折必谈、
家庭出现重大变化必谈、工作中出现重大差错必谈". Three of the six follow from facts the
ledger already keeps, the other three are recorded as triggers:
- NEW_CADRE: a person's first post (the earliest start of any of their posts);
- POST_CHANGE: every later day on which a post starts that does not continue a post of the
  same unit and role held the day before (a change of unit or role; a renewed term of the
  same post is no change);
- LOW_RATING: a personal yearly rating of BASICALLY_COMPETENT (基本称职) or INCOMPETENT;
- MAJOR_SETBACK, FAMILY_CHANGE, WORK_ERROR: a trigger recorded for the person.
One obligation per person, reason and day; it sits in the unit of the post (for a change,
the new post; of several starting that day, the highest role), the rating or the trigger.
It is due `due_days` after it arose. Obligations that arose before `since` (the day the
ledger went live) are not owed.

A talk meets an obligation when it names it and is held on or after the day it arose;
a talk naming none (or one that is not, or not yet, owed) meets every obligation of that
person that arose on or before the day it was held. Any kind of talk qualifies.

Status as of a day d (an obligation is listed as of d only once it has arisen):
DONE when met on or before d; else OVERDUE when d is after the due day; else OPEN.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from ledger.domain.labels import values_of
from ledger.domain.rules.periods import day_before, holds_on
from ledger.domain.rules.workdays import Calendar

REASONS = values_of("TalkObligationReason")
TRIGGER_KINDS = values_of("TalkTriggerKind")
RATINGS = values_of("PersonalRating")
LOW_RATINGS = ("BASICALLY_COMPETENT", "INCOMPETENT")  # 基本称职以下
ROLE_ORDER = {role: n for n, role in enumerate(values_of("PostRole"))}
DEFAULT_DUE_DAYS = 30
DEFAULT_REPLY_WORKING_DAYS = 15
MAX_DUE_DAYS = 366


@dataclass(frozen=True)
class TalkPolicy:
    """Configuration of the talk rules (`LEDGER_TALK_DUE_DAYS`, `LEDGER_TALKS_SINCE`,
    `LEDGER_HOLIDAYS`, `LEDGER_WORKDAYS`)."""

    due_days: int = DEFAULT_DUE_DAYS
    since: str | None = None
    reply_working_days: int = DEFAULT_REPLY_WORKING_DAYS
    calendar: Calendar = field(default_factory=Calendar)

    def __post_init__(self) -> None:
        if not 1 <= self.due_days <= MAX_DUE_DAYS:
            raise ValueError(f"the days a talk is due in must lie between 1 and {MAX_DUE_DAYS}")
        if self.since is not None:
            date.fromisoformat(self.since)

    def fingerprint(self) -> str:
        """What the derived obligations depend on (a change rebuilds their read model)."""
        return f"due={self.due_days};since={self.since}"


@dataclass(frozen=True)
class Rating:
    rating_id: str
    year: int
    rating: str
    unit_id: str
    rated_on: str


@dataclass(frozen=True)
class Trigger:
    trigger_id: str
    kind: str
    occurred_on: str
    unit_id: str


@dataclass(frozen=True)
class HeldTalk:
    talk_id: str
    held_on: str
    obligation_id: str | None = None


@dataclass(frozen=True)
class Obligation:
    obligation_id: str
    person_id: str
    reason: str
    unit_id: str
    arose_on: str
    due_on: str
    source: str  # what gave rise to it: "UNIT:ROLE" of a post, a rating id, a trigger id
    met_on: str | None = None
    met_by: str | None = None  # the talk that met it

    def status(self, as_of: str) -> str:
        """OPEN / DONE / OVERDUE as of a day on or after the day it arose."""
        if self.met_on is not None and self.met_on <= as_of:
            return "DONE"
        return "OVERDUE" if as_of > self.due_on else "OPEN"


def obligation_id(person_id: str, reason: str, arose_on: str) -> str:
    return f"{person_id}/{reason}/{arose_on}"


def person_of_obligation(value: str) -> str | None:
    """The person an obligation id belongs to (None when it is not one)."""
    head, sep, tail = value.rpartition("/")
    person, sep2, reason = head.rpartition("/")
    if not (sep and sep2 and person) or reason not in REASONS:
        return None
    try:
        date.fromisoformat(tail)
    except ValueError:
        return None
    return person


def add_days(iso_day: str, days: int) -> str:
    return (date.fromisoformat(iso_day) + timedelta(days=days)).isoformat()


def _best(posts: list[dict]) -> dict:
    return min(posts, key=lambda p: (ROLE_ORDER.get(p["role"], 99), p["unit_id"]))


def post_obligations(posts: Iterable[dict]) -> list[tuple[str, str, dict]]:
    """(reason, day, post) for the first post and every change of unit or role."""
    posts = list(posts)
    out: list[tuple[str, str, dict]] = []
    for n, start in enumerate(sorted({p["valid_from"] for p in posts})):
        starting = [p for p in posts if p["valid_from"] == start]
        if n == 0:
            out.append(("NEW_CADRE", start, _best(starting)))
            continue
        before = day_before(start)
        changed = [
            p
            for p in starting
            if not any(
                q is not p
                and (q["unit_id"], q["role"]) == (p["unit_id"], p["role"])
                and holds_on(q["valid_from"], q["valid_to"], before)
                for q in posts
            )
        ]
        if changed:
            out.append(("POST_CHANGE", start, _best(changed)))
    return out


def derive_obligations(
    person_id: str,
    posts: Iterable[dict],
    ratings: Iterable[Rating],
    triggers: Iterable[Trigger],
    talks: Iterable[HeldTalk],
    policy: TalkPolicy,
) -> list[Obligation]:
    """Every obligation of one person, each with the talk that met it (if any)."""
    found: dict[str, Obligation] = {}

    def owe(reason: str, day: str, unit_id: str, source: str) -> None:
        if policy.since is not None and day < policy.since:
            return
        oid = obligation_id(person_id, reason, day)
        if oid not in found:
            due = add_days(day, policy.due_days)
            found[oid] = Obligation(oid, person_id, reason, unit_id, day, due, source)

    for reason, day, post in post_obligations(posts):
        owe(reason, day, post["unit_id"], f"{post['unit_id']}:{post['role']}")
    for r in sorted(ratings, key=lambda r: (r.rated_on, r.rating_id)):
        if r.rating in LOW_RATINGS:
            owe("LOW_RATING", r.rated_on, r.unit_id, r.rating_id)
    for t in sorted(triggers, key=lambda t: (t.occurred_on, t.trigger_id)):
        owe(t.kind, t.occurred_on, t.unit_id, t.trigger_id)
    return meet(sorted(found.values(), key=lambda o: (o.arose_on, o.reason)), talks)


def meet(obligations: list[Obligation], talks: Iterable[HeldTalk]) -> list[Obligation]:
    """Which talk met which obligation (see the module's rule), talks in the order held."""
    by_id = {o.obligation_id: o for o in obligations}
    for talk in sorted(talks, key=lambda t: (t.held_on, t.talk_id)):
        named = by_id.get(talk.obligation_id or "")
        if named is not None and named.arose_on <= talk.held_on:
            if named.met_on is None:
                by_id[named.obligation_id] = replace(
                    named, met_on=talk.held_on, met_by=talk.talk_id
                )
            continue
        for oid, o in by_id.items():
            if o.met_on is None and o.arose_on <= talk.held_on:
                by_id[oid] = replace(o, met_on=talk.held_on, met_by=talk.talk_id)
    return [by_id[o.obligation_id] for o in obligations]
