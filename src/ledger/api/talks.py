"""GraphQL types for talks, written inquiries (函询), 六必谈 obligations and the four forms.

Who talked with whom and what was said, a person's ratings and triggers, the inquiries
sent to them and the talks they are owed are personal data: the queries that answer them
are in `ledger.permissions.READS` (ADMIN and INSPECTOR, RECORDER and APPRAISER within
their units), and every answer is written to the access log with the ids it carried.
Counts (the four forms, obligations by status) are for every role, within its units.
Lists answer at most 500 rows a page (`first`, default 100) with a keyset cursor.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from ledger import commands
from ledger.api.cases import DisciplineForm
from ledger.api.context import as_of_text
from ledger.api.inputs import graphql_enum
from ledger.api.letters import PageInfo
from ledger.api.mutations import mutation
from ledger.api.organisation import Person, Unit, check_person_scope, load_person, load_unit
from ledger.domain.errors import BadInput, NotFound
from ledger.domain.labels import values_of
from ledger.domain.rules.four_forms import four_forms
from projections import talk_obligations as ob
from projections import talks as rows

TalkKind = graphql_enum("TalkKind", description="谈心谈话, 提醒谈话, 约谈, 诫勉谈话")
TalkObligationReason = graphql_enum("TalkObligationReason", description="六必谈: why a talk is due")
TalkTriggerKind = graphql_enum(
    "TalkTriggerKind", description="the 六必谈 situations recorded as triggers"
)
PersonalRating = graphql_enum("PersonalRating", description="年度考核: a person's yearly rating")
TalkObligationStatus = graphql_enum("TalkObligationStatus")
WrittenInquiryStatus = graphql_enum("WrittenInquiryStatus")
InquiryOutcome = graphql_enum("InquiryOutcome", description="how a 函询 was concluded")

DEFAULT_PAGE = 100


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _page(first: int | None) -> int:
    first = DEFAULT_PAGE if first is None else first
    if not 1 <= first <= rows.MAX_PAGE:
        raise BadInput(f"first must lie between 1 and {rows.MAX_PAGE}")
    return first


def encode_cursor(kind: str, key: str, id: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([kind, key, id]).encode()).decode()


def decode_cursor(kind: str, cursor: str | None) -> tuple[str, str] | None:
    if not cursor:
        return None
    try:
        found, key, id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if found != kind or not isinstance(key, str) or not isinstance(id, str):
            raise ValueError
        return key, id
    except (ValueError, TypeError, UnicodeDecodeError):
        raise BadInput(f"not a {kind} cursor: {cursor!r}") from None


def _paged(
    ctx: Any,
    kind: str,
    first: int | None,
    after: str | None,
    fetch: Callable[[Any, tuple[str, str] | None, int], list],
    key: Callable[[Any], tuple[str, str]],
) -> tuple[list, PageInfo]:
    """One page: `first` rows after the cursor, and whether more follow."""
    size = _page(first)
    found = ctx.read(lambda tx: fetch(tx, decode_cursor(kind, after), size + 1))
    page = found[:size]
    end = encode_cursor(kind, *key(page[-1])) if page else after
    return page, PageInfo(end_cursor=end, has_next_page=len(found) > size)


# ---------------------------------------------------------------------- types


@strawberry.type(description="A talk held with a person (personal data).")
class Talk:
    id: strawberry.ID
    kind: TalkKind
    held_on: date
    topic: str
    record: str = strawberry.field(description="a short record of the talk")
    obligation_id: strawberry.ID | None = strawberry.field(
        description="the 六必谈 obligation it names"
    )
    case_id: strawberry.ID | None = strawberry.field(description="the case it follows")
    inquiry_id: strawberry.ID | None = strawberry.field(
        description="the written inquiry it follows"
    )
    retracted: bool = strawberry.field(description="recorded in error: it no longer counts")
    note: str | None = strawberry.field(
        description="the reason of its latest correction or of its retraction"
    )
    row: strawberry.Private[rows.TalkRow]
    peers: strawberry.Private[tuple[rows.TalkRow, ...]]

    @strawberry.field(description="who held the talk")
    def talker(self, info: Info) -> Person | None:
        return load_person(info, self.row.talker_id, [p.talker_id for p in self.peers])

    @strawberry.field(description="who was talked with")
    def person(self, info: Info) -> Person | None:
        return load_person(info, self.row.person_id, [p.person_id for p in self.peers])

    @strawberry.field
    def unit(self, info: Info) -> Unit | None:
        return load_unit(info, self.row.unit_id, [p.unit_id for p in self.peers])


def talks_from(found: list[rows.TalkRow]) -> list[Talk]:
    peers = tuple(found)
    return [
        Talk(
            id=strawberry.ID(r.talk_id),
            kind=TalkKind(r.kind),
            held_on=date.fromisoformat(r.held_on),
            topic=r.topic,
            record=r.record,
            obligation_id=strawberry.ID(r.obligation_id) if r.obligation_id else None,
            case_id=strawberry.ID(r.case_id) if r.case_id else None,
            inquiry_id=strawberry.ID(r.inquiry_id) if r.inquiry_id else None,
            retracted=r.retracted,
            note=r.note,
            row=r,
            peers=peers,
        )
        for r in found
    ]


@strawberry.type(description="六必谈: a talk the ledger owes a person (personal data).")
class TalkObligation:
    id: strawberry.ID
    reason: TalkObligationReason
    status: TalkObligationStatus = strawberry.field(description="as of the day asked")
    arose_on: date
    due_on: date
    met_on: date | None = strawberry.field(description="when a talk met it (by the day asked)")
    met_by: strawberry.ID | None = strawberry.field(description="the talk that met it")
    source: str = strawberry.field(
        description="what gave rise to it: UNIT:ROLE of the post, a rating or trigger id"
    )
    row: strawberry.Private[ob.ObligationRow]
    peers: strawberry.Private[tuple[ob.ObligationRow, ...]]

    @strawberry.field
    def person(self, info: Info) -> Person | None:
        return load_person(info, self.row.person_id, [p.person_id for p in self.peers])

    @strawberry.field
    def unit(self, info: Info) -> Unit | None:
        return load_unit(info, self.row.unit_id, [p.unit_id for p in self.peers])


def obligations_from(found: list[ob.ObligationRow], as_of: str) -> list[TalkObligation]:
    peers = tuple(found)
    out = []
    for r in found:
        status = r.obligation().status(as_of)
        met = r.met_on if status == "DONE" else None  # a talk held after `as_of` is not known then
        out.append(
            TalkObligation(
                id=strawberry.ID(r.obligation_id),
                reason=TalkObligationReason(r.reason),
                status=TalkObligationStatus(status),
                arose_on=date.fromisoformat(r.arose_on),
                due_on=date.fromisoformat(r.due_on),
                met_on=_day(met),
                met_by=strawberry.ID(r.met_by) if met and r.met_by else None,
                source=r.source,
                row=r,
                peers=peers,
            )
        )
    return out


@strawberry.type(description="函询: a written inquiry sent to a person (personal data).")
class WrittenInquiry:
    id: strawberry.ID
    about: str
    sent_on: date
    reply_due: date
    replied_on: date | None
    reply: str | None
    outcome: InquiryOutcome | None
    concluded_on: date | None
    conclusion: str | None
    status: WrittenInquiryStatus = strawberry.field(description="as of the day asked")
    reply_overdue: bool = strawberry.field(
        description="as of the day asked: past its due day without a reply in time"
    )
    row: strawberry.Private[rows.InquiryRow]
    peers: strawberry.Private[tuple[rows.InquiryRow, ...]]

    @strawberry.field
    def person(self, info: Info) -> Person | None:
        return load_person(info, self.row.person_id, [p.person_id for p in self.peers])

    @strawberry.field
    def unit(self, info: Info) -> Unit | None:
        return load_unit(info, self.row.unit_id, [p.unit_id for p in self.peers])


def inquiries_from(found: list[rows.InquiryRow], as_of: str) -> list[WrittenInquiry]:
    """As of a day: what was replied or concluded after it is not shown."""
    peers = tuple(found)
    out = []
    for r in found:
        replied = r.replied_on is not None and r.replied_on <= as_of
        concluded = r.concluded_on is not None and r.concluded_on <= as_of
        out.append(
            WrittenInquiry(
                id=strawberry.ID(r.inquiry_id),
                about=r.about,
                sent_on=date.fromisoformat(r.sent_on),
                reply_due=date.fromisoformat(r.reply_due),
                replied_on=_day(r.replied_on) if replied else None,
                reply=r.reply if replied else None,
                outcome=InquiryOutcome(r.outcome) if concluded and r.outcome else None,
                concluded_on=_day(r.concluded_on) if concluded else None,
                conclusion=r.conclusion if concluded else None,
                status=WrittenInquiryStatus(r.status(as_of)),
                reply_overdue=r.reply_overdue(as_of),
                row=r,
                peers=peers,
            )
        )
    return out


@strawberry.type(description="年度考核: a person's yearly rating (personal data).")
class YearlyRating:
    id: strawberry.ID
    year: int
    rating: PersonalRating
    rated_on: date
    unit_id: strawberry.ID


@strawberry.type(description="A 六必谈 trigger recorded for a person (personal data).")
class TalkTrigger:
    id: strawberry.ID
    kind: TalkTriggerKind
    occurred_on: date
    note: str
    unit_id: strawberry.ID
    retracted: bool


@strawberry.type(description="What the ledger keeps about one person for 六必谈, as of a day.")
class TalkFile:
    person: Person
    as_of: date
    known_at: datetime
    ratings: list[YearlyRating]
    triggers: list[TalkTrigger] = strawberry.field(description="retracted ones included")
    obligations: list[TalkObligation] = strawberry.field(description="arisen by asOf")
    talks: list[Talk] = strawberry.field(description="held by asOf, latest first (at most 500)")
    inquiries: list[WrittenInquiry] = strawberry.field(
        description="sent by asOf, latest first (at most 500)"
    )


@strawberry.type
class TalkPage:
    talks: list[Talk]
    page_info: PageInfo


@strawberry.type
class TalkObligationPage:
    obligations: list[TalkObligation]
    page_info: PageInfo


@strawberry.type
class WrittenInquiryPage:
    inquiries: list[WrittenInquiry]
    page_info: PageInfo


@strawberry.type
class TalkObligationCount:
    reason: TalkObligationReason
    open: int
    done: int
    overdue: int


@strawberry.type(description="六必谈 obligations in a subtree by status, as of a day (counts).")
class TalkObligationSummary:
    root_unit: Unit
    as_of: date
    open: int
    done: int
    overdue: int
    by_reason: list[TalkObligationCount]


@strawberry.type
class FormCount:
    form: DisciplineForm
    count: int
    share: float = strawberry.field(description="count / total, 0..1")
    talks: int = strawberry.field(description="talks held (first form only)")
    inquiries: int = strawberry.field(description="written inquiries concluded (first form)")
    cases: int = strawberry.field(description="cases concluded in this form")


@strawberry.type
class TalkKindCount:
    kind: TalkKind
    count: int


@strawberry.type(
    description='监督执纪"四种形态" in a subtree over a period, for the 政治生态分析报告: talks '
    "and written inquiries (first form) and concluded cases by form. A talk about a case or "
    "an inquiry counts with it; an inquiry passed to preliminary verification does not count."
)
class FourForms:
    root_unit: Unit
    from_: date = strawberry.field(name="from")
    to: date
    known_at: datetime
    total: int
    forms: list[FormCount] = strawberry.field(description="FIRST to FOURTH, in order")
    talks_by_kind: list[TalkKindCount]


# ---------------------------------------------------------------------- queries


def _root(info: Info, unit_id: strawberry.ID) -> Unit:
    info.context.check_scope(str(unit_id), f"unit {unit_id}")
    root = load_unit(info, str(unit_id), [])
    if root is None:
        raise NotFound(f"no unit {unit_id!r}")
    return root


def _check_unit(info: Info, unit_id: strawberry.ID | None) -> str | None:
    if unit_id is None:
        return None
    _root(info, unit_id)
    return str(unit_id)


def _person(info: Info, person_id: strawberry.ID | None) -> str | None:
    if person_id is None:
        return None
    check_person_scope(info, str(person_id))
    return str(person_id)


@strawberry.type
class TalkQueries:
    @strawberry.field(description="one talk as recorded at knownAt (retracted ones too)")
    def talk(self, info: Info, id: strawberry.ID, known_at: datetime | None = None) -> Talk | None:
        ctx = info.context
        position = ctx.position(known_at)
        row = ctx.read(lambda tx: rows.by_id(tx, rows.TalkRow, [str(id)], position)).get(str(id))
        ctx.check_scope(row.unit_id if row else None, f"talk {id}")
        if row is None:
            return None
        ctx.access(row.talk_id)
        return talks_from([row])[0]

    @strawberry.field(
        description="talks held in [from, to] in a unit's subtree (or with a person), in the "
        "order held; retracted ones left out"
    )
    def talks(
        self,
        info: Info,
        unit_id: strawberry.ID | None = None,
        person_id: strawberry.ID | None = None,
        kind: TalkKind | None = None,
        from_: Annotated[date | None, strawberry.argument(name="from")] = None,
        to: date | None = None,
        known_at: datetime | None = None,
        first: int | None = DEFAULT_PAGE,
        after: str | None = None,
    ) -> TalkPage:
        ctx = info.context
        selection = rows.Selection(
            _check_unit(info, unit_id),
            _person(info, person_id),
            from_.isoformat() if from_ else None,
            to.isoformat() if to else None,
            ctx.position(known_at),
            ctx.scope_sql("x.unit_id"),
        )
        page, page_info = _paged(
            ctx,
            "talk",
            first,
            after,
            lambda tx, key, n: rows.list_talks(tx, selection, kind.value if kind else None, key, n),
            lambda r: (r.held_on, r.talk_id),
        )
        ctx.access(*(r.talk_id for r in page))
        return TalkPage(talks=talks_from(page), page_info=page_info)

    @strawberry.field(
        description="六必谈 obligations that arose by asOf (default today) in a unit's subtree "
        "(or of a person), with their status as of that day, in the order they fall due"
    )
    def talk_obligations(
        self,
        info: Info,
        unit_id: strawberry.ID | None = None,
        person_id: strawberry.ID | None = None,
        status: TalkObligationStatus | None = None,
        reason: TalkObligationReason | None = None,
        as_of: date | None = None,
        known_at: datetime | None = None,
        first: int | None = DEFAULT_PAGE,
        after: str | None = None,
    ) -> TalkObligationPage:
        ctx = info.context
        day = as_of_text(as_of)
        selection = ob.ObligationFilter(
            day,
            ctx.position(known_at),
            _check_unit(info, unit_id),
            _person(info, person_id),
            status.value if status else None,
            reason.value if reason else None,
            ctx.scope_sql("o.unit_id"),
        )
        page, page_info = _paged(
            ctx,
            "obligation",
            first,
            after,
            lambda tx, key, n: ob.list_obligations(tx, selection, key, n),
            lambda r: (r.due_on, r.obligation_id),
        )
        ctx.access(*(r.obligation_id for r in page))
        return TalkObligationPage(obligations=obligations_from(page, day), page_info=page_info)

    @strawberry.field(
        description="counts of 六必谈 obligations in a subtree by status, as of a day"
    )
    def talk_obligation_summary(
        self,
        info: Info,
        root_unit_id: strawberry.ID,
        as_of: date | None = None,
        known_at: datetime | None = None,
    ) -> TalkObligationSummary:
        ctx = info.context
        root = _root(info, root_unit_id)
        day = as_of_text(as_of)
        selection = ob.ObligationFilter(day, ctx.position(known_at), str(root_unit_id))
        counts = ctx.read(lambda tx: ob.count_obligations(tx, selection))
        by_reason = [
            TalkObligationCount(
                reason=TalkObligationReason(reason),
                open=counts.get(("OPEN", reason), 0),
                done=counts.get(("DONE", reason), 0),
                overdue=counts.get(("OVERDUE", reason), 0),
            )
            for reason in values_of("TalkObligationReason")
        ]
        return TalkObligationSummary(
            root_unit=root,
            as_of=date.fromisoformat(day),
            open=sum(x.open for x in by_reason),
            done=sum(x.done for x in by_reason),
            overdue=sum(x.overdue for x in by_reason),
            by_reason=by_reason,
        )

    @strawberry.field(description="one written inquiry as of a day, as recorded at knownAt")
    def written_inquiry(
        self,
        info: Info,
        id: strawberry.ID,
        as_of: date | None = None,
        known_at: datetime | None = None,
    ) -> WrittenInquiry | None:
        ctx = info.context
        position = ctx.position(known_at)
        found = ctx.read(lambda tx: rows.by_id(tx, rows.InquiryRow, [str(id)], position))
        row = found.get(str(id))
        ctx.check_scope(row.unit_id if row else None, f"written inquiry {id}")
        day = as_of_text(as_of)
        if row is None or row.sent_on > day:
            return None
        ctx.access(row.inquiry_id)
        return inquiries_from([row], day)[0]

    @strawberry.field(
        description="written inquiries sent by asOf (default today) in a unit's subtree (or "
        "to a person), in the order sent; `sentFrom`/`sentTo` narrow the period"
    )
    def written_inquiries(
        self,
        info: Info,
        unit_id: strawberry.ID | None = None,
        person_id: strawberry.ID | None = None,
        status: WrittenInquiryStatus | None = None,
        reply_overdue: bool | None = None,
        sent_from: date | None = None,
        sent_to: date | None = None,
        as_of: date | None = None,
        known_at: datetime | None = None,
        first: int | None = DEFAULT_PAGE,
        after: str | None = None,
    ) -> WrittenInquiryPage:
        ctx = info.context
        day = as_of_text(as_of)
        selection = rows.Selection(
            _check_unit(info, unit_id),
            _person(info, person_id),
            sent_from.isoformat() if sent_from else None,
            sent_to.isoformat() if sent_to else None,
            ctx.position(known_at),
            ctx.scope_sql("x.unit_id"),
        )
        page, page_info = _paged(
            ctx,
            "inquiry",
            first,
            after,
            lambda tx, key, n: rows.list_inquiries(
                tx, selection, day, status.value if status else None, reply_overdue, key, n
            ),
            lambda r: (r.sent_on, r.inquiry_id),
        )
        ctx.access(*(r.inquiry_id for r in page))
        return WrittenInquiryPage(inquiries=inquiries_from(page, day), page_info=page_info)

    @strawberry.field(
        description="one person's ratings, triggers, obligations, talks and inquiries, as of a "
        "day (default today) and as recorded at knownAt"
    )
    def talk_file(
        self,
        info: Info,
        person_id: strawberry.ID,
        as_of: date | None = None,
        known_at: datetime | None = None,
    ) -> TalkFile:
        ctx = info.context
        check_person_scope(info, str(person_id))
        person = load_person(info, str(person_id), [])
        if person is None:
            raise NotFound(f"no person {person_id!r}")
        day, position = as_of_text(as_of), ctx.position(known_at)
        pid = str(person_id)

        def load(tx):
            selection = ob.ObligationFilter(
                day, position, person_id=pid, scope=ctx.scope_sql("o.unit_id")
            )
            return (
                rows.of_person(tx, rows.RatingRow, pid, position),
                rows.of_person(tx, rows.TriggerRow, pid, position),
                ob.list_obligations(tx, selection),
                rows.of_person(tx, rows.TalkRow, pid, position),
                rows.of_person(tx, rows.InquiryRow, pid, position),
            )

        ratings, triggers, obligations, talks, inquiries = ctx.read(load)
        seen = ctx.in_scope
        ratings = [r for r in ratings if seen(r.unit_id) and r.rated_on <= day]
        triggers = [t for t in triggers if seen(t.unit_id) and t.occurred_on <= day]
        talks = [t for t in talks if seen(t.unit_id) and t.held_on <= day]
        inquiries = [i for i in inquiries if seen(i.unit_id) and i.sent_on <= day]
        ctx.access(
            pid,
            *(r.rating_id for r in ratings),
            *(t.trigger_id for t in triggers),
            *(o.obligation_id for o in obligations),
            *(t.talk_id for t in talks),
            *(i.inquiry_id for i in inquiries),
        )
        return TalkFile(
            person=person,
            as_of=date.fromisoformat(day),
            known_at=known_at or datetime.now(UTC),
            ratings=[
                YearlyRating(
                    id=strawberry.ID(r.rating_id),
                    year=r.year,
                    rating=PersonalRating(r.rating),
                    rated_on=date.fromisoformat(r.rated_on),
                    unit_id=strawberry.ID(r.unit_id),
                )
                for r in sorted(ratings, key=lambda r: r.year)
            ],
            triggers=[
                TalkTrigger(
                    id=strawberry.ID(t.trigger_id),
                    kind=TalkTriggerKind(t.kind),
                    occurred_on=date.fromisoformat(t.occurred_on),
                    note=t.note,
                    unit_id=strawberry.ID(t.unit_id),
                    retracted=t.retracted,
                )
                for t in sorted(triggers, key=lambda t: (t.occurred_on, t.trigger_id))
            ],
            obligations=obligations_from(obligations, day),
            talks=talks_from([t for t in talks if not t.retracted]),
            inquiries=inquiries_from(inquiries, day),
        )

    @strawberry.field(
        description='监督执纪"四种形态": how often each form was used in a subtree over a period'
    )
    def four_forms(
        self,
        info: Info,
        root_unit_id: strawberry.ID,
        from_: Annotated[date, strawberry.argument(name="from")],
        to: date,
        known_at: datetime | None = None,
    ) -> FourForms:
        ctx = info.context
        root = _root(info, root_unit_id)
        if to < from_:
            raise BadInput(f"the period ends ({to}) before it starts ({from_})")
        position = ctx.position(known_at)
        talks, inquiries, cases = ctx.read(
            lambda tx: rows.four_forms_counts(
                tx, str(root_unit_id), from_.isoformat(), to.isoformat(), position
            )
        )
        total, forms = four_forms(sum(talks.values()), inquiries, cases)
        return FourForms(
            root_unit=root,
            from_=from_,
            to=to,
            known_at=known_at or datetime.now(UTC),
            total=total,
            forms=[
                FormCount(
                    form=DisciplineForm(f.form),
                    count=f.count,
                    share=f.share,
                    talks=f.talks,
                    inquiries=f.inquiries,
                    cases=f.cases,
                )
                for f in forms
            ],
            talks_by_kind=[
                TalkKindCount(kind=TalkKind(k), count=talks.get(k, 0))
                for k in values_of("TalkKind")
            ],
        )


# ---------------------------------------------------------------------- mutations


@strawberry.type
class TalkMutations:
    record_talk = mutation(commands.RecordTalk)
    correct_talk = mutation(commands.CorrectTalk)
    retract_talk = mutation(commands.RetractTalk)
    record_personal_rating = mutation(commands.RecordPersonalRating)
    correct_personal_rating = mutation(commands.CorrectPersonalRating)
    record_talk_trigger = mutation(commands.RecordTalkTrigger)
    retract_talk_trigger = mutation(commands.RetractTalkTrigger)
    send_written_inquiry = mutation(commands.SendWrittenInquiry)
    record_inquiry_reply = mutation(commands.RecordInquiryReply)
    conclude_written_inquiry = mutation(commands.ConcludeWrittenInquiry)
