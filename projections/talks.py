"""Talks, written inquiries (函询), personal ratings and 六必谈 triggers, in record time.

Each event restates its entity: the current row is closed (recorded_to = q) and the
restated one inserted (recorded_from = q), so an answer at an earlier `knownAt` reads the
rows current then. A retracted talk or trigger keeps a row marked retracted. Dates (held
on, sent on, replied on, ...) are valid time; queries take them as of a day.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from ledger.domain.inquiry import WrittenInquiry
from ledger.domain.personal_file import PersonalFile, rating_id, trigger_id
from ledger.domain.rules.four_forms import OUTCOMES_NOT_COUNTED
from ledger.domain.rules.inquiries import inquiry_status, reply_overdue
from ledger.domain.talk import Talk
from projections.base import Envelope, Projector, on
from projections.bitemporal import NOW
from projections.db import OPEN_POSITION, Tx, as_row

MAX_PAGE = 500  # the most rows one list answers


@dataclass(frozen=True)
class TalkRow:
    talk_id: str
    person_id: str
    talker_id: str
    unit_id: str
    kind: str
    held_on: str
    topic: str
    record: str
    obligation_id: str | None
    case_id: str | None
    inquiry_id: str | None
    retracted: bool = False
    note: str | None = None  # the reason of the latest correction or the retraction


@dataclass(frozen=True)
class InquiryRow:
    inquiry_id: str
    person_id: str
    unit_id: str
    about: str
    sent_on: str
    reply_due: str
    replied_on: str | None = None
    reply: str | None = None
    outcome: str | None = None
    concluded_on: str | None = None
    conclusion: str | None = None

    def status(self, as_of: str) -> str:
        return inquiry_status(self.replied_on, self.concluded_on, as_of)

    def reply_overdue(self, as_of: str) -> bool:
        return reply_overdue(self.reply_due, self.replied_on, as_of)


@dataclass(frozen=True)
class RatingRow:
    rating_id: str
    person_id: str
    unit_id: str
    year: int
    rating: str
    rated_on: str


@dataclass(frozen=True)
class TriggerRow:
    trigger_id: str
    person_id: str
    unit_id: str
    kind: str
    occurred_on: str
    note: str
    retracted: bool = False


def _columns(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


def _ddl(table: str, key: str, columns: str) -> tuple[str, str, tuple[str, ...]]:
    return (
        table,
        f"CREATE TABLE IF NOT EXISTS {table} ({columns}, aggregate_id TEXT NOT NULL, "
        "recorded_from BIGINT NOT NULL, recorded_to BIGINT NOT NULL)",
        (
            f"CREATE INDEX IF NOT EXISTS {table}_key ON {table} ({key}, recorded_to)",
            f"CREATE INDEX IF NOT EXISTS {table}_aggregate ON {table} (aggregate_id, recorded_to)",
            f"CREATE INDEX IF NOT EXISTS {table}_person ON {table} (person_id, recorded_to)",
            f"CREATE INDEX IF NOT EXISTS {table}_unit ON {table} (unit_id, recorded_to)",
        ),
    )


TABLES = {TalkRow: "rm_talks", InquiryRow: "rm_inquiries", RatingRow: "rm_personal_ratings"}
TABLES[TriggerRow] = "rm_talk_triggers"


class TalkProjector(Projector):
    name = "talks"
    tables = (
        _ddl(
            "rm_talks",
            "talk_id",
            "talk_id TEXT NOT NULL, person_id TEXT NOT NULL, talker_id TEXT NOT NULL, "
            "unit_id TEXT NOT NULL, kind TEXT NOT NULL, held_on TEXT NOT NULL, "
            "topic TEXT NOT NULL, record TEXT NOT NULL, obligation_id TEXT, case_id TEXT, "
            "inquiry_id TEXT, retracted BOOLEAN NOT NULL, note TEXT",
        ),
        _ddl(
            "rm_inquiries",
            "inquiry_id",
            "inquiry_id TEXT NOT NULL, person_id TEXT NOT NULL, unit_id TEXT NOT NULL, "
            "about TEXT NOT NULL, sent_on TEXT NOT NULL, reply_due TEXT NOT NULL, "
            "replied_on TEXT, reply TEXT, outcome TEXT, concluded_on TEXT, conclusion TEXT",
        ),
        _ddl(
            "rm_personal_ratings",
            "rating_id",
            "rating_id TEXT NOT NULL, person_id TEXT NOT NULL, unit_id TEXT NOT NULL, "
            "year INTEGER NOT NULL, rating TEXT NOT NULL, rated_on TEXT NOT NULL",
        ),
        _ddl(
            "rm_talk_triggers",
            "trigger_id",
            "trigger_id TEXT NOT NULL, person_id TEXT NOT NULL, unit_id TEXT NOT NULL, "
            "kind TEXT NOT NULL, occurred_on TEXT NOT NULL, note TEXT NOT NULL, "
            "retracted BOOLEAN NOT NULL",
        ),
        (
            "rm_personal_files",
            "CREATE TABLE IF NOT EXISTS rm_personal_files (aggregate_id TEXT PRIMARY KEY, "
            "person_id TEXT NOT NULL)",
            (),
        ),
    )

    # ------------------------------------------------------------------ writing rows

    def _insert(self, tx: Tx, row: Any, aggregate: str, q: int) -> None:
        names = _columns(type(row))
        tx.execute(
            f"INSERT INTO {TABLES[type(row)]} ({', '.join(names)}, aggregate_id, recorded_from, "
            f"recorded_to) VALUES ({', '.join('?' * (len(names) + 3))})",
            (*(getattr(row, n) for n in names), aggregate, q, OPEN_POSITION),
        )

    def _restate(self, tx: Tx, old: Any, new: Any, aggregate: str, q: int) -> None:
        """Close the current row of `old`'s entity and insert `new`, at position q."""
        table, key = TABLES[type(old)], _columns(type(old))[0]
        tx.execute(
            f"UPDATE {table} SET recorded_to=? WHERE {key}=? AND recorded_to=?",
            (q, getattr(old, key), OPEN_POSITION),
        )
        self._insert(tx, new, aggregate, q)

    def _current(self, tx: Tx, cls: type, aggregate: str, key: str | None = None) -> Any:
        names = _columns(cls)
        where = f"{names[0]}=?" if key else "aggregate_id=?"
        row = tx.one(
            f"SELECT {', '.join(names)} FROM {TABLES[cls]} WHERE {where} AND recorded_to=?",
            (key or aggregate, OPEN_POSITION),
        )
        return _row(cls, row)

    # ------------------------------------------------------------------ talks

    @on(Talk.Recorded)
    def _talk(self, tx: Tx, envelope: Envelope) -> None:
        e = envelope.event
        row = TalkRow(
            e.talk_id,
            e.person_id,
            e.talker_id,
            e.unit_id,
            e.kind,
            e.held_on,
            e.topic,
            e.record,
            e.obligation_id,
            e.case_id,
            e.inquiry_id,
        )
        self._insert(tx, row, envelope.aggregate_hex, envelope.position)

    @on(Talk.Corrected, Talk.Retracted)
    def _talk_restated(self, tx: Tx, envelope: Envelope) -> None:
        e, agg = envelope.event, envelope.aggregate_hex
        old = self._current(tx, TalkRow, agg)
        if isinstance(e, Talk.Retracted):
            new = replace(old, retracted=True, note=e.reason)
        else:
            facts = {
                k: getattr(e, k)
                for k in (
                    "kind",
                    "talker_id",
                    "held_on",
                    "topic",
                    "record",
                    "obligation_id",
                    "case_id",
                    "inquiry_id",
                )
            }
            new = replace(old, note=e.reason, **facts)
        self._restate(tx, old, new, agg, envelope.position)

    # ------------------------------------------------------------------ inquiries

    @on(WrittenInquiry.Sent)
    def _sent(self, tx: Tx, envelope: Envelope) -> None:
        e = envelope.event
        row = InquiryRow(e.inquiry_id, e.person_id, e.unit_id, e.about, e.sent_on, e.reply_due)
        self._insert(tx, row, envelope.aggregate_hex, envelope.position)

    @on(WrittenInquiry.Replied, WrittenInquiry.Concluded)
    def _inquiry_restated(self, tx: Tx, envelope: Envelope) -> None:
        e, agg = envelope.event, envelope.aggregate_hex
        old = self._current(tx, InquiryRow, agg)
        if isinstance(e, WrittenInquiry.Replied):
            new = replace(old, replied_on=e.on, reply=e.summary)
        else:
            new = replace(old, outcome=e.outcome, concluded_on=e.on, conclusion=e.note)
        self._restate(tx, old, new, agg, envelope.position)

    # ------------------------------------------------------------------ personal files

    @on(PersonalFile.Opened)
    def _file(self, tx: Tx, envelope: Envelope) -> None:
        tx.execute(
            "INSERT INTO rm_personal_files (aggregate_id, person_id) VALUES (?, ?)",
            (envelope.aggregate_hex, envelope.event.person_id),
        )

    def _person(self, tx: Tx, envelope: Envelope) -> str:
        return tx.scalar(
            "SELECT person_id FROM rm_personal_files WHERE aggregate_id=?",
            (envelope.aggregate_hex,),
        )

    @on(PersonalFile.RatingRecorded, PersonalFile.RatingCorrected)
    def _rating(self, tx: Tx, envelope: Envelope) -> None:
        e, agg, q = envelope.event, envelope.aggregate_hex, envelope.position
        person = self._person(tx, envelope)
        row = RatingRow(rating_id(person, e.year), person, e.unit_id, e.year, e.rating, e.rated_on)
        if isinstance(e, PersonalFile.RatingCorrected):
            self._restate(tx, row, row, agg, q)
        else:
            self._insert(tx, row, agg, q)

    @on(PersonalFile.TriggerRecorded)
    def _trigger(self, tx: Tx, envelope: Envelope) -> None:
        e = envelope.event
        person = self._person(tx, envelope)
        row = TriggerRow(
            trigger_id(person, envelope.version),
            person,
            e.unit_id,
            e.kind,
            e.occurred_on,
            e.note,
        )
        self._insert(tx, row, envelope.aggregate_hex, envelope.position)

    @on(PersonalFile.TriggerRetracted)
    def _trigger_retracted(self, tx: Tx, envelope: Envelope) -> None:
        e, agg = envelope.event, envelope.aggregate_hex
        old = self._current(tx, TriggerRow, agg, key=e.trigger_id)
        self._restate(tx, old, replace(old, retracted=True), agg, envelope.position)


def _row(cls: type, r: Any) -> Any:
    row = as_row(cls, r)
    if hasattr(row, "retracted"):
        row = replace(row, retracted=bool(row.retracted))
    return row


# ---------------------------------------------------------------------- queries


def _at(position: int | None) -> int:
    return NOW if position is None else position


def by_id(tx: Tx, cls: type, ids: list[str], position: int | None) -> dict[str, Any]:
    """Rows of one kind by id, as recorded at `position` (retracted ones included)."""
    if not ids:
        return {}
    names, p = _columns(cls), _at(position)
    rows = tx.all(
        f"SELECT {', '.join(names)} FROM {TABLES[cls]} WHERE {names[0]} IN "
        f"({', '.join('?' * len(ids))}) AND recorded_from <= ? AND recorded_to > ?",
        (*ids, p, p),
    )
    return {r[names[0]]: _row(cls, r) for r in rows}


@dataclass(frozen=True)
class Selection:
    """Which rows a list covers: a unit subtree, a person, a period of valid time (the day
    each row is dated by), as recorded at a position, within a token's scope."""

    root_id: str | None = None
    person_id: str | None = None
    date_from: str | None = None
    date_to: str | None = None
    position: int | None = None
    scope: tuple[str, tuple] = ("", ())  # a condition on x.unit_id: a token's units

    def where(self, dated: str) -> tuple[str, str, list]:
        """(join, where, params) over `<table> x` for rows dated by column `dated`."""
        p = _at(self.position)
        join, params = "", []
        if self.root_id:
            join = "JOIN rm_unit_tree t ON t.unit_id = x.unit_id AND t.ancestor_id = ? "
            params.append(self.root_id)
        where = ["x.recorded_from <= ?", "x.recorded_to > ?"]
        params += [p, p]
        for condition, value in (
            ("x.person_id = ?", self.person_id),
            (f"x.{dated} >= ?", self.date_from),
            (f"x.{dated} <= ?", self.date_to),
        ):
            if value is not None:
                where.append(condition)
                params.append(value)
        return join, " AND ".join(where) + self.scope[0], [*params, *self.scope[1]]


def list_talks(
    tx: Tx,
    selection: Selection,
    kind: str | None = None,
    after: tuple[str, str] | None = None,
    first: int = MAX_PAGE,
) -> list[TalkRow]:
    """Talks (not retracted) in the order held, from after the (held_on, talk_id) key."""
    join, where, params = selection.where("held_on")
    where += " AND x.retracted = ?"
    params.append(False)
    if kind is not None:
        where += " AND x.kind = ?"
        params.append(kind)
    if after is not None:
        where += " AND (x.held_on > ? OR (x.held_on = ? AND x.talk_id > ?))"
        params += [after[0], after[0], after[1]]
    cols = ", ".join(f"x.{n}" for n in _columns(TalkRow))
    rows = tx.all(
        f"SELECT {cols} FROM rm_talks x {join}WHERE {where} ORDER BY x.held_on, x.talk_id LIMIT ?",
        (*params, min(first, MAX_PAGE)),
    )
    return [_row(TalkRow, r) for r in rows]


# `ledger.domain.rules.inquiries` as SQL over `x`, as of a day (a test checks they agree).
INQUIRY_STATUS_SQL = {
    "CONCLUDED": "x.concluded_on <= ?",
    "REPLIED": "x.replied_on <= ? AND (x.concluded_on IS NULL OR x.concluded_on > ?)",
    "SENT": "(x.replied_on IS NULL OR x.replied_on > ?) AND (x.concluded_on IS NULL OR "
    "x.concluded_on > ?)",
}
REPLY_OVERDUE_SQL = "x.reply_due < ? AND (x.replied_on IS NULL OR x.replied_on > x.reply_due)"


def list_inquiries(
    tx: Tx,
    selection: Selection,
    as_of: str,
    status: str | None = None,
    reply_overdue: bool | None = None,
    after: tuple[str, str] | None = None,
    first: int = MAX_PAGE,
) -> list[InquiryRow]:
    """Inquiries sent by `as_of`, in the order sent, from after the (sent_on, id) key."""
    join, where, params = selection.where("sent_on")
    where += " AND x.sent_on <= ?"
    params.append(as_of)
    if status is not None:
        where += f" AND {INQUIRY_STATUS_SQL[status]}"
        params += [as_of] * INQUIRY_STATUS_SQL[status].count("?")
    if reply_overdue is not None:
        where += f" AND {'' if reply_overdue else 'NOT '}({REPLY_OVERDUE_SQL})"
        params.append(as_of)
    if after is not None:
        where += " AND (x.sent_on > ? OR (x.sent_on = ? AND x.inquiry_id > ?))"
        params += [after[0], after[0], after[1]]
    cols = ", ".join(f"x.{n}" for n in _columns(InquiryRow))
    rows = tx.all(
        f"SELECT {cols} FROM rm_inquiries x {join}WHERE {where} "
        "ORDER BY x.sent_on, x.inquiry_id LIMIT ?",
        (*params, min(first, MAX_PAGE)),
    )
    return [_row(InquiryRow, r) for r in rows]


def of_person(tx: Tx, cls: type, person_id: str, position: int | None) -> list[Any]:
    """Every row of one kind about a person, as recorded at `position` (at most MAX_PAGE,
    the latest first for talks)."""
    names, p = _columns(cls), _at(position)
    order = {TalkRow: "held_on DESC", InquiryRow: "sent_on DESC"}.get(cls, names[0])
    rows = tx.all(
        f"SELECT {', '.join(names)} FROM {TABLES[cls]} WHERE person_id = ? "
        f"AND recorded_from <= ? AND recorded_to > ? ORDER BY {order}, {names[0]} LIMIT ?",
        (person_id, p, p, MAX_PAGE),
    )
    return [_row(cls, r) for r in rows]


def four_forms_counts(
    tx: Tx, root_id: str, date_from: str, date_to: str, position: int | None
) -> tuple[dict[str, int], int, dict[str, int]]:
    """(counted talks by kind, counted inquiries, concluded cases by form) in a subtree over
    a period, as recorded at `position` (what counts: `ledger.domain.rules.four_forms`)."""
    p = _at(position)
    current = "x.recorded_from <= ? AND x.recorded_to > ?"
    tree = "JOIN rm_unit_tree t ON t.unit_id = x.unit_id AND t.ancestor_id = ? "
    talks = {
        r["k"]: r["n"]
        for r in tx.all(
            f"SELECT x.kind AS k, COUNT(*) AS n FROM rm_talks x {tree}WHERE {current} "
            "AND x.retracted = ? AND x.case_id IS NULL AND x.inquiry_id IS NULL "
            "AND x.held_on >= ? AND x.held_on <= ? GROUP BY x.kind",
            (root_id, p, p, False, date_from, date_to),
        )
    }
    uncounted = ", ".join("?" * len(OUTCOMES_NOT_COUNTED))
    inquiries = tx.scalar(
        f"SELECT COUNT(*) FROM rm_inquiries x {tree}WHERE {current} AND x.concluded_on >= ? "
        f"AND x.concluded_on <= ? AND x.outcome NOT IN ({uncounted})",
        (root_id, p, p, date_from, date_to, *OUTCOMES_NOT_COUNTED),
    )
    cases = {
        r["k"]: r["n"]
        for r in tx.all(
            f"SELECT x.form AS k, COUNT(*) AS n FROM rm_cases x {tree}WHERE {current} "
            "AND x.form IS NOT NULL AND x.concluded_on >= ? AND x.concluded_on <= ? "
            "GROUP BY x.form",
            (root_id, p, p, date_from, date_to),
        )
    }
    return talks, inquiries or 0, cases
