"""WrittenInquiry (函询): a letter asking a person to explain, in writing, a matter raised
about them; the reply, and how it was concluded.

Sent to a person in a unit about a matter, with the day the reply is due (by default the
15th working day after it was sent: weekends and holidays skipped, see
`ledger.domain.rules.workdays`). Replied once; concluded once: 予以了结, 采信澄清, 谈话提醒,
诫勉, or 转初步核实 (then a case follows). A reply not in by its due day is overdue.
"""

from __future__ import annotations

from eventsourcing.domain import Aggregate

from ledger.domain.base import Stamp, Stamped, create
from ledger.domain.errors import BadInput, Conflict
from ledger.domain.ids import aggregate_id
from ledger.domain.labels import values_of
from ledger.domain.person import Post
from ledger.domain.talk import not_future, placed_on
from ledger.domain.values import business_id, choice, day, text

OUTCOMES = values_of("InquiryOutcome")


def inquiry_uuid(inquiry_id: str):
    return aggregate_id("written-inquiry", inquiry_id)


def _text(value: str, what: str) -> str:
    return text(value, what, max_length=2000, allow_newlines=True)


class WrittenInquiry(Aggregate):
    TOPIC = "ledger:WrittenInquiry"

    class Created(Aggregate.Created):
        TOPIC = "ledger:WrittenInquiry.Created"  # required by explicit topics; never emitted

    class Sent(Aggregate.Created, Stamped):
        TOPIC = "ledger:WrittenInquirySent"
        NAMES = "inquiry_id"
        inquiry_id: str
        person_id: str
        unit_id: str
        about: str
        sent_on: str
        reply_due: str

    class Replied(Aggregate.Event, Stamped):
        TOPIC = "ledger:WrittenInquiryReplied"
        on: str
        summary: str

        def apply(self, inquiry: WrittenInquiry) -> None:
            inquiry.replied_on = self.on

    class Concluded(Aggregate.Event, Stamped):
        TOPIC = "ledger:WrittenInquiryConcluded"
        outcome: str
        on: str
        note: str

        def apply(self, inquiry: WrittenInquiry) -> None:
            inquiry.concluded_on = self.on

    def __init__(
        self,
        inquiry_id: str,
        person_id: str,
        unit_id: str,
        about: str,
        sent_on: str,
        reply_due: str,
    ):
        self.inquiry_id = inquiry_id
        self.person_id = person_id
        self.unit_id = unit_id
        self.sent_on = sent_on
        self.replied_on: str | None = None
        self.concluded_on: str | None = None

    @classmethod
    def send(
        cls,
        stamp: Stamp,
        inquiry_id: str,
        *,
        person_id: str,
        unit_id: str,
        about: str,
        sent_on: str,
        reply_due: str | None,
        default_due: str | None,
        person_posts: list[Post],
    ) -> WrittenInquiry:
        """`reply_due` as the letter states it, else `default_due` (N working days later)."""
        inquiry_id = business_id(inquiry_id, "inquiry id")
        sent_on = not_future(sent_on, "sentOn")
        due = day(reply_due, "replyDue") if reply_due is not None else default_due
        if due is None or due <= sent_on:
            raise BadInput(f"the reply is due ({due}) after the inquiry is sent ({sent_on})")
        placed_on(unit_id, person_posts, sent_on)
        return create(
            cls,
            cls.Sent,
            stamp,
            inquiry_uuid(inquiry_id),
            inquiry_id=inquiry_id,
            person_id=person_id,
            unit_id=unit_id,
            about=_text(about, "about"),
            sent_on=sent_on,
            reply_due=due,
        )

    def reply(self, stamp: Stamp, on: str, summary: str) -> None:
        if self.concluded_on is not None:
            raise Conflict(f"inquiry {self.inquiry_id} was concluded on {self.concluded_on}")
        if self.replied_on is not None:
            raise Conflict(f"inquiry {self.inquiry_id} was already replied to on {self.replied_on}")
        on = not_future(on, "on")
        if on < self.sent_on:
            raise BadInput(f"a reply ({on}) cannot come before the inquiry ({self.sent_on})")
        self.trigger_event(self.Replied, **stamp.fields(), on=on, summary=_text(summary, "summary"))

    def conclude(self, stamp: Stamp, outcome: str, on: str, note: str) -> None:
        if self.concluded_on is not None:
            raise Conflict(
                f"inquiry {self.inquiry_id} was already concluded on {self.concluded_on}"
            )
        on = not_future(on, "on")
        start = max(self.sent_on, self.replied_on or self.sent_on)
        if on < start:
            raise BadInput(f"an inquiry cannot be concluded ({on}) before {start}")
        self.trigger_event(
            self.Concluded,
            **stamp.fields(),
            outcome=choice(outcome, OUTCOMES, "outcome"),
            on=on,
            note=_text(note, "note"),
        )
