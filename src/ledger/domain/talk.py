"""Talk: one talk (谈心谈话, 提醒谈话, 约谈, 诫勉谈话) with a person, the first form's work.

Who talked with whom, on which day, in which unit, about what, a short record, and why: a
六必谈 obligation it names, a case or a written inquiry it follows. A talk is never edited:
`Corrected` restates it with a reason, `Retracted` says it was recorded in error. Both are
new events, so an answer asked at an earlier `knownAt` stays what it was.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from eventsourcing.domain import Aggregate

from ledger.domain.base import Stamp, Stamped, create
from ledger.domain.errors import BadInput, Conflict
from ledger.domain.ids import aggregate_id
from ledger.domain.labels import values_of
from ledger.domain.person import Post, posts_during
from ledger.domain.rules.talks import person_of_obligation
from ledger.domain.values import business_id, choice, day, text

KINDS = values_of("TalkKind")
MAX_RECORD = 2000


def talk_uuid(talk_id: str):
    return aggregate_id("talk", talk_id)


def today() -> str:
    """Today in China, where the ledger's dates are kept: nothing is dated after it."""
    return datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()


def not_future(value: str, what: str) -> str:
    value = day(value, what)
    if value > today():
        raise BadInput(f"{what} ({value}) lies in the future")
    return value


def placed_on(unit_id: str, posts: list[Post], on: str, until: str | None = None) -> None:
    """A record about a person sits in a unit where they held a post on that day (or in that
    period). BAD_INPUT when they held posts elsewhere only, or when it is dated before
    their first post (they were not yet a cadre of any unit the ledger knows); a person
    with no post recorded at all is accepted."""
    if not posts:
        return
    during = sorted({p["unit_id"] for p in posts_during(posts, on, until or on)})
    if during and unit_id not in during:
        raise BadInput(
            f"the person held no post in {unit_id} then ({on}); they held posts in "
            f"{', '.join(during)}"
        )
    first = min(p["valid_from"] for p in posts)
    if not during and (until or on) < first:
        raise BadInput(
            f"dated {on}, before the person's first post ({first}): they were not yet a cadre "
            "of any unit the ledger knows"
        )


def _facts(
    kind: str,
    talker_id: str,
    person_id: str,
    held_on: str,
    topic: str,
    record: str,
    obligation_id: str | None,
) -> dict:
    if talker_id == person_id:
        raise BadInput("a talk is held by one person with another: talker and person are the same")
    if obligation_id is not None and person_of_obligation(obligation_id) != person_id:
        raise BadInput(f"{obligation_id!r} is not a 六必谈 obligation of {person_id}")
    return {
        "kind": choice(kind, KINDS, "kind"),
        "talker_id": talker_id,
        "held_on": not_future(held_on, "heldOn"),
        "topic": text(topic, "topic", max_length=200),
        "record": text(record, "record", max_length=MAX_RECORD, allow_newlines=True),
        "obligation_id": obligation_id,
    }


class Talk(Aggregate):
    TOPIC = "ledger:Talk"

    class Created(Aggregate.Created):
        TOPIC = "ledger:Talk.Created"  # required by eventsourcing's explicit topics; never emitted

    class Recorded(Aggregate.Created, Stamped):
        TOPIC = "ledger:TalkRecorded"
        NAMES = "talk_id"
        talk_id: str
        kind: str
        talker_id: str
        person_id: str
        unit_id: str
        held_on: str
        topic: str
        record: str
        obligation_id: str | None
        case_id: str | None
        inquiry_id: str | None

    class Corrected(Aggregate.Event, Stamped):
        TOPIC = "ledger:TalkCorrected"
        kind: str
        talker_id: str
        held_on: str
        topic: str
        record: str
        obligation_id: str | None
        case_id: str | None
        inquiry_id: str | None
        reason: str

        def apply(self, talk: Talk) -> None:
            talk.facts = talk.facts | {k: getattr(self, k) for k in talk.facts}

    class Retracted(Aggregate.Event, Stamped):
        TOPIC = "ledger:TalkRetracted"
        reason: str

        def apply(self, talk: Talk) -> None:
            talk.retracted = True

    def __init__(
        self,
        talk_id: str,
        kind: str,
        talker_id: str,
        person_id: str,
        unit_id: str,
        held_on: str,
        topic: str,
        record: str,
        obligation_id: str | None,
        case_id: str | None,
        inquiry_id: str | None,
    ):
        self.talk_id = talk_id
        self.person_id = person_id
        self.unit_id = unit_id
        self.facts = {
            "kind": kind,
            "talker_id": talker_id,
            "held_on": held_on,
            "topic": topic,
            "record": record,
            "obligation_id": obligation_id,
            "case_id": case_id,
            "inquiry_id": inquiry_id,
        }
        self.retracted = False

    @classmethod
    def record(
        cls,
        stamp: Stamp,
        talk_id: str,
        *,
        kind: str,
        talker_id: str,
        person_id: str,
        unit_id: str,
        held_on: str,
        topic: str,
        record: str,
        obligation_id: str | None,
        case_id: str | None,
        inquiry_id: str | None,
        person_posts: list[Post],
    ) -> Talk:
        talk_id = business_id(talk_id, "talk id")
        facts = _facts(kind, talker_id, person_id, held_on, topic, record, obligation_id)
        placed_on(unit_id, person_posts, facts["held_on"])
        return create(
            cls,
            cls.Recorded,
            stamp,
            talk_uuid(talk_id),
            talk_id=talk_id,
            person_id=person_id,
            unit_id=unit_id,
            case_id=case_id,
            inquiry_id=inquiry_id,
            **facts,
        )

    def correct(
        self,
        stamp: Stamp,
        *,
        kind: str,
        talker_id: str,
        held_on: str,
        topic: str,
        record: str,
        obligation_id: str | None,
        case_id: str | None,
        inquiry_id: str | None,
        reason: str,
        person_posts: list[Post],
    ) -> None:
        if self.retracted:
            raise Conflict(f"talk {self.talk_id} was retracted; record a new one")
        facts = _facts(kind, talker_id, self.person_id, held_on, topic, record, obligation_id)
        facts.update(case_id=case_id, inquiry_id=inquiry_id)
        reason = text(reason, "reason", max_length=2000, allow_newlines=True)
        if facts == self.facts:
            raise Conflict("the correction restates the talk exactly as recorded")
        placed_on(self.unit_id, person_posts, facts["held_on"])
        self.trigger_event(self.Corrected, **stamp.fields(), reason=reason, **facts)

    def retract(self, stamp: Stamp, reason: str) -> None:
        if self.retracted:
            raise Conflict(f"talk {self.talk_id} was already retracted")
        reason = text(reason, "reason", max_length=2000, allow_newlines=True)
        self.trigger_event(self.Retracted, **stamp.fields(), reason=reason)
