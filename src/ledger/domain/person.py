"""Person: a cadre, and the posts they held (valid time), restated only by correction events."""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import Aggregate

from ledger.domain.base import Stamp, Stamped, create
from ledger.domain.errors import Conflict, NotFound
from ledger.domain.ids import aggregate_id
from ledger.domain.rules.periods import holds_on, overlaps
from ledger.domain.values import (
    POST_ROLES,
    TEAM_ROLES,
    business_id,
    choice,
    day,
    optional_day,
    ordered,
    text,
)

Post = dict[str, Any]  # {"unit_id", "role", "valid_from", "valid_to"}; JSON-native for snapshots


def person_uuid(person_id: str):
    return aggregate_id("person", person_id)


def posts_after(posts: list[Post], event: Any) -> list[Post]:
    """The person's posts once `event` is applied: shared by the aggregate and the projector."""
    posts = [dict(p) for p in posts]
    if isinstance(event, Person.PostAssumed):
        posts.append(
            {
                "unit_id": event.unit_id,
                "role": event.role,
                "valid_from": event.valid_from,
                "valid_to": None,
            }
        )
    elif isinstance(event, Person.PostLeft):
        post = _open_post(posts, event.unit_id, event.role)
        post["valid_to"] = event.valid_to
    elif isinstance(event, Person.PostCorrected):
        post = _post_started(posts, event.unit_id, event.role, event.original_from)
        post["valid_from"], post["valid_to"] = event.valid_from, event.valid_to
    posts.sort(key=lambda p: (p["valid_from"], p["unit_id"], p["role"]))
    return posts


def posts_during(posts: list[Post], start: str, end: str) -> list[Post]:
    """The posts held on at least one day of [start, end]."""
    return [p for p in posts if overlaps(p["valid_from"], p["valid_to"], start, end)]


def leads_on(posts: list[Post], organ_id: str, day: str) -> bool:
    """Did these posts put their holder in the organ's leadership team (班子) on `day`?"""
    return any(
        p["unit_id"] == organ_id
        and p["role"] in TEAM_ROLES
        and holds_on(p["valid_from"], p["valid_to"], day)
        for p in posts
    )


def leads_after(posts: list[Post], organ_id: str, day: str) -> bool:
    """Does some leadership post of the organ run past `day` (or start after it)?"""
    return any(
        p["unit_id"] == organ_id
        and p["role"] in TEAM_ROLES
        and (p["valid_to"] is None or p["valid_to"] > day)
        for p in posts
    )


def _open_post(posts: list[Post], unit_id: str, role: str) -> Post | None:
    for p in posts:
        if p["unit_id"] == unit_id and p["role"] == role and p["valid_to"] is None:
            return p
    return None


def _post_started(posts: list[Post], unit_id: str, role: str, valid_from: str) -> Post | None:
    for p in posts:
        if p["unit_id"] == unit_id and p["role"] == role and p["valid_from"] == valid_from:
            return p
    return None


class PostsRestated(Aggregate.Event, Stamped):
    """An event that changes a person's posts: the aggregate and the projector both derive
    the posts with `posts_after`, so the rule lives in one place."""

    def apply(self, person: Person) -> None:
        person.posts = posts_after(person.posts, self)


class Person(Aggregate):
    TOPIC = "ledger:Person"

    class Created(Aggregate.Created):
        TOPIC = (
            "ledger:Person.Created"  # required by eventsourcing's explicit topics; never emitted
        )

    class Registered(Aggregate.Created, Stamped):
        TOPIC = "ledger:PersonRegistered"
        NAMES = "person_id"
        person_id: str
        name: str

    class PostAssumed(PostsRestated):
        TOPIC = "ledger:PostAssumed"
        unit_id: str
        role: str
        valid_from: str

    class PostLeft(PostsRestated):
        TOPIC = "ledger:PostLeft"
        unit_id: str
        role: str
        valid_to: str

    class PostCorrected(PostsRestated):
        TOPIC = "ledger:PostCorrected"
        unit_id: str
        role: str
        original_from: str
        valid_from: str
        valid_to: str | None
        reason: str

    def __init__(self, person_id: str, name: str):
        self.person_id = person_id
        self.name = name
        self.posts: list[Post] = []

    @classmethod
    def register(cls, stamp: Stamp, person_id: str, name: str) -> Person:
        person_id = business_id(person_id, "person id")
        return create(
            cls,
            cls.Registered,
            stamp,
            person_uuid(person_id),
            person_id=person_id,
            name=text(name, "person name", max_length=100),
        )

    def assume_post(self, stamp: Stamp, unit_id: str, role: str, valid_from: str) -> None:
        role = choice(role, POST_ROLES, "post role")
        valid_from = day(valid_from, "from")
        if _open_post(self.posts, unit_id, role):
            raise Conflict(f"{self.person_id} already holds the {role} post in {unit_id}")
        for p in self.posts:
            if p["unit_id"] == unit_id and p["role"] == role and p["valid_to"] >= valid_from:
                raise Conflict(
                    f"{self.person_id} held the {role} post in {unit_id} until {p['valid_to']}; "
                    f"a new term cannot start on {valid_from}"
                )
        self.trigger_event(
            self.PostAssumed, **stamp.fields(), unit_id=unit_id, role=role, valid_from=valid_from
        )

    def leave_post(self, stamp: Stamp, unit_id: str, role: str, valid_to: str) -> None:
        role = choice(role, POST_ROLES, "post role")
        valid_to = day(valid_to, "to")
        post = _open_post(self.posts, unit_id, role)
        if post is None:
            raise Conflict(f"{self.person_id} does not hold a {role} post in {unit_id}")
        ordered(post["valid_from"], valid_to, f"the {role} post in {unit_id}")
        self.trigger_event(
            self.PostLeft, **stamp.fields(), unit_id=unit_id, role=role, valid_to=valid_to
        )

    def correct_post(
        self,
        stamp: Stamp,
        unit_id: str,
        role: str,
        original_from: str,
        valid_from: str,
        valid_to: str | None,
        reason: str,
    ) -> None:
        role = choice(role, POST_ROLES, "post role")
        original_from = day(original_from, "originalFrom")
        valid_from = day(valid_from, "from")
        valid_to = optional_day(valid_to, "to")
        reason = text(reason, "reason", max_length=2000, allow_newlines=True)
        ordered(valid_from, valid_to, "the corrected post")
        post = _post_started(self.posts, unit_id, role, original_from)
        if post is None:
            raise NotFound(
                f"{self.person_id} has no {role} post in {unit_id} recorded as starting "
                f"{original_from}"
            )
        if (post["valid_from"], post["valid_to"]) == (valid_from, valid_to):
            raise Conflict("the correction restates the post exactly as recorded")
        for other in self.posts:
            if other is post or (other["unit_id"], other["role"]) != (unit_id, role):
                continue
            if overlaps(other["valid_from"], other["valid_to"], valid_from, valid_to):
                raise Conflict(
                    f"the corrected term would overlap {self.person_id}'s other {role} term in "
                    f"{unit_id} from {other['valid_from']}"
                )
        self.trigger_event(
            self.PostCorrected,
            **stamp.fields(),
            unit_id=unit_id,
            role=role,
            original_from=original_from,
            valid_from=valid_from,
            valid_to=valid_to,
            reason=reason,
        )
