"""Handlers of talks, written inquiries (函询), 六必谈 ratings and triggers, and the cycle's
overdue-talk rule.

Registered in `ledger.application`'s handler table like every other command; kept in their
own module. Each checks that the ids it names exist (NOT_FOUND) before the aggregates
decide, so a refused command appends nothing.
"""

from __future__ import annotations

from types import SimpleNamespace

from eventsourcing.application import AggregateNotFoundError

from ledger import commands as c
from ledger.application import (
    ENTITY_KINDS,
    HANDLERS,
    LOADERS,
    Act,
    Decision,
    LedgerApplication,
    handles,
)
from ledger.domain.base import Stamp
from ledger.domain.errors import BadInput, NotFound
from ledger.domain.evaluation import EvaluationCycle
from ledger.domain.inquiry import WrittenInquiry, inquiry_uuid
from ledger.domain.personal_file import (
    RATING_MARK,
    TRIGGER_MARK,
    PersonalFile,
    file_uuid,
    split_id,
)
from ledger.domain.talk import Talk, talk_uuid
from ledger.domain.values import business_id, day


def talk(app: LedgerApplication, talk_id: str) -> Talk:
    return app.entity("talk_id", talk_id)  # type: ignore[return-value]


def inquiry(app: LedgerApplication, inquiry_id: str) -> WrittenInquiry:
    return app.entity("inquiry_id", inquiry_id)  # type: ignore[return-value]


def personal_file(app: LedgerApplication, entry: str, mark: str, what: str) -> PersonalFile:
    """The file a rating or trigger id belongs to (NOT_FOUND when there is none)."""
    person_id, _ = split_id(entry, mark, what)
    try:
        found = app.repository.get(file_uuid(person_id))
    except AggregateNotFoundError:
        raise NotFound(f"no {what} {entry!r}") from None
    if not isinstance(found, PersonalFile):
        raise NotFound(f"no {what} {entry!r}")
    return found


def _entry_unit(mark: str, what: str):
    def load(app: LedgerApplication, entry: str) -> SimpleNamespace:
        return SimpleNamespace(unit_id=personal_file(app, entry, mark, what).unit_of(entry))

    return load


ENTITY_KINDS.update(
    {
        "talk": (Talk, talk_uuid, "talk"),
        "inquiry": (WrittenInquiry, inquiry_uuid, "written inquiry"),
    }
)
LOADERS.update(
    rating=_entry_unit(RATING_MARK, "rating"),
    trigger=_entry_unit(TRIGGER_MARK, "六必谈 trigger"),
)


def _refs(
    app: LedgerApplication,
    person_id: str,
    obligation_id: str | None,
    case_id: str | None,
    inquiry_id: str | None,
    stamp: Stamp,
) -> None:
    """What a talk names must exist: the case, the inquiry (to the same person), the
    obligation (owed by the person, as recorded now; for a token limited to units, owed
    in one of them, or it is refused like one that does not exist)."""
    if case_id is not None:
        app.case(case_id)
    if inquiry_id is not None and inquiry(app, inquiry_id).person_id != person_id:
        raise BadInput(f"written inquiry {inquiry_id} was not sent to {person_id}")
    if obligation_id is not None:
        owed_in = app.read_side.talk_owed_in(obligation_id)
        if owed_in is None or not app.nameable(stamp)(owed_in):
            raise NotFound(f"no 六必谈 obligation {obligation_id!r} is owed")


@handles(c.RecordTalk)
def record_talk(app: LedgerApplication, cmd: c.RecordTalk, stamp: Stamp) -> Decision:
    business_id(cmd.id, "talk id")
    app.unit(cmd.unit_id)
    person = app.person(cmd.person_id)
    app.person(cmd.talker_id)
    _refs(app, cmd.person_id, cmd.obligation_id, cmd.case_id, cmd.inquiry_id, stamp)
    recorded = Talk.record(
        stamp,
        cmd.id,
        kind=cmd.kind,
        talker_id=cmd.talker_id,
        person_id=cmd.person_id,
        unit_id=cmd.unit_id,
        held_on=cmd.held_on,
        topic=cmd.topic,
        record=cmd.record,
        obligation_id=cmd.obligation_id,
        case_id=cmd.case_id,
        inquiry_id=cmd.inquiry_id,
        person_posts=person.posts,
    )
    app.new(recorded.id, "talk", cmd.id)
    return cmd.id, [recorded]


@handles(c.CorrectTalk)
def correct_talk(app: LedgerApplication, cmd: c.CorrectTalk, stamp: Stamp) -> Decision:
    found = talk(app, cmd.talk_id)
    app.person(cmd.talker_id)
    _refs(app, found.person_id, cmd.obligation_id, cmd.case_id, cmd.inquiry_id, stamp)
    found.correct(
        stamp,
        kind=cmd.kind,
        talker_id=cmd.talker_id,
        held_on=cmd.held_on,
        topic=cmd.topic,
        record=cmd.record,
        obligation_id=cmd.obligation_id,
        case_id=cmd.case_id,
        inquiry_id=cmd.inquiry_id,
        reason=cmd.reason,
        person_posts=app.person(found.person_id).posts,
    )
    return cmd.talk_id, [found]


def _open_file(app: LedgerApplication, person_id: str, stamp: Stamp) -> PersonalFile:
    try:
        return app.repository.get(file_uuid(person_id))
    except AggregateNotFoundError:
        return PersonalFile.open(stamp, person_id)


@handles(c.RecordPersonalRating)
def record_personal_rating(
    app: LedgerApplication, cmd: c.RecordPersonalRating, stamp: Stamp
) -> Decision:
    person = app.person(cmd.person_id)
    app.unit(cmd.unit_id)
    file = _open_file(app, cmd.person_id, stamp)
    rating = file.record_rating(
        stamp, cmd.year, cmd.rating, cmd.unit_id, cmd.rated_on, person.posts
    )
    return rating, [file]


@handles(c.CorrectPersonalRating)
def correct_personal_rating(
    app: LedgerApplication, cmd: c.CorrectPersonalRating, stamp: Stamp
) -> Decision:
    file = personal_file(app, cmd.rating_id, RATING_MARK, "rating")
    _, year = split_id(cmd.rating_id, RATING_MARK, "rating")
    posts = app.person(file.person_id).posts
    file.correct_rating(stamp, year, cmd.rating, cmd.rated_on, cmd.reason, posts)
    return cmd.rating_id, [file]


@handles(c.RecordTalkTrigger)
def record_talk_trigger(app: LedgerApplication, cmd: c.RecordTalkTrigger, stamp: Stamp) -> Decision:
    person = app.person(cmd.person_id)
    app.unit(cmd.unit_id)
    file = _open_file(app, cmd.person_id, stamp)
    trigger = file.record_trigger(
        stamp, cmd.kind, cmd.occurred_on, cmd.unit_id, cmd.note, person.posts
    )
    return trigger, [file]


@handles(c.RetractTalkTrigger)
def retract_talk_trigger(
    app: LedgerApplication, cmd: c.RetractTalkTrigger, stamp: Stamp
) -> Decision:
    file = personal_file(app, cmd.trigger_id, TRIGGER_MARK, "六必谈 trigger")
    file.retract_trigger(stamp, cmd.trigger_id, cmd.reason)
    return cmd.trigger_id, [file]


@handles(c.SendWrittenInquiry)
def send_written_inquiry(
    app: LedgerApplication, cmd: c.SendWrittenInquiry, stamp: Stamp
) -> Decision:
    business_id(cmd.id, "inquiry id")
    app.unit(cmd.unit_id)
    person = app.person(cmd.person_id)
    policy = app.talk_policy
    sent_on = day(cmd.sent_on, "sentOn")
    default_due = policy.calendar.add_working_days(sent_on, policy.reply_working_days)
    sent = WrittenInquiry.send(
        stamp,
        cmd.id,
        person_id=cmd.person_id,
        unit_id=cmd.unit_id,
        about=cmd.about,
        sent_on=sent_on,
        reply_due=cmd.reply_due,
        default_due=default_due,
        person_posts=person.posts,
    )
    app.new(sent.id, "written inquiry", cmd.id)
    return cmd.id, [sent]


HANDLERS.update(
    {
        c.RetractTalk: Act("talk_id", Talk.retract),
        c.RecordInquiryReply: Act("inquiry_id", WrittenInquiry.reply),
        c.ConcludeWrittenInquiry: Act("inquiry_id", WrittenInquiry.conclude),
        c.ChooseOverdueTalkRule: Act("cycle_id", EvaluationCycle.choose_overdue_talk_rule),
    }
)
