"""六必谈 obligations, derived from the log in two times.

For each person the projector keeps what the rule reads (`rm_talk_basis`: their posts,
ratings, triggers and talks, as recorded now). Every event that changes one of these
derives the person's obligations again (`ledger.domain.rules.talks.derive_obligations`)
and restates them in `rm_talk_obligations`: rows no longer stated are closed at the
event's position, new ones inserted from it. So a correction of a post moves (or removes)
the obligation it gave rise to for answers known after it, and every earlier `knownAt`
answer is reproduced from the rows current then.

Status as of a day is a range test on the row (met_on, due_on), see `STATUS_SQL`.
The talk policy (due days, go-live day) is part of the projector's version: changing it
rebuilds this read model.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from ledger.domain.person import Person, posts_after
from ledger.domain.personal_file import PersonalFile, rating_id, trigger_id
from ledger.domain.rules.talks import (
    HeldTalk,
    Obligation,
    Rating,
    TalkPolicy,
    Trigger,
    derive_obligations,
)
from ledger.domain.talk import Talk
from projections.base import Envelope, Memo, Projector, on
from projections.bitemporal import NOW, close_and_insert, restated
from projections.db import OPEN_DATE, OPEN_POSITION, Tx

MAX_PAGE = 500

# As of a day d (rows of obligations that arose by d): the rule's status as SQL over `o`.
STATUS_SQL = {
    "DONE": "o.met_on <= ?",
    "OVERDUE": "o.met_on > ? AND o.due_on < ?",
    "OPEN": "o.met_on > ? AND o.due_on >= ?",
}
COLUMNS = ("obligation_id", "unit_id", "reason", "due_on", "met_on", "met_by", "source")


class TalkObligationProjector(Projector):
    name = "talk_obligations"
    tables = (
        (
            "rm_talk_owners",
            "CREATE TABLE IF NOT EXISTS rm_talk_owners (aggregate_id TEXT PRIMARY KEY, "
            "person_id TEXT NOT NULL)",
            (),
        ),
        (
            "rm_talk_basis",
            "CREATE TABLE IF NOT EXISTS rm_talk_basis (person_id TEXT PRIMARY KEY, "
            "state TEXT NOT NULL)",
            (),
        ),
        (
            "rm_talk_obligations",
            "CREATE TABLE IF NOT EXISTS rm_talk_obligations (person_id TEXT NOT NULL, "
            "obligation_id TEXT NOT NULL, unit_id TEXT NOT NULL, reason TEXT NOT NULL, "
            "due_on TEXT NOT NULL, met_on TEXT NOT NULL, met_by TEXT NOT NULL, "
            "source TEXT NOT NULL, valid_from TEXT NOT NULL, valid_to TEXT NOT NULL, "
            "recorded_from BIGINT NOT NULL, recorded_to BIGINT NOT NULL)",
            (
                "CREATE INDEX IF NOT EXISTS rm_talk_obligations_person "
                "ON rm_talk_obligations (person_id, recorded_to)",
                "CREATE INDEX IF NOT EXISTS rm_talk_obligations_unit "
                "ON rm_talk_obligations (unit_id, recorded_to, valid_from)",
                "CREATE INDEX IF NOT EXISTS rm_talk_obligations_id "
                "ON rm_talk_obligations (obligation_id, recorded_to)",
            ),
        ),
    )

    def __init__(self, policy: TalkPolicy | None = None):
        self.policy = policy or TalkPolicy()
        # What the tables hold, kept to spare reading it back: each aggregate's person
        # (never changes), each person's basis (its JSON text, or _NO_ROW) and current
        # obligations (as `_derive` reads them).
        self._owners = Memo()
        self._basis = Memo()
        self._obligations = Memo()

    def reset_caches(self) -> None:
        self._owners.clear()
        self._basis.clear()
        self._obligations.clear()

    @property
    def version(self) -> str:
        shape = repr((self.revision, self.tables, self.policy.fingerprint())).encode()
        return hashlib.sha256(shape).hexdigest()[:16]

    # ------------------------------------------------------------------ who an event is about

    def _own(self, tx: Tx, envelope: Envelope, person_id: str) -> None:
        tx.execute(
            "INSERT INTO rm_talk_owners (aggregate_id, person_id) VALUES (?, ?)",
            (envelope.aggregate_hex, person_id),
        )
        self._owners.remember(envelope.aggregate_hex, person_id)

    def _owner(self, tx: Tx, envelope: Envelope) -> str:
        return self._owners.fetch(
            envelope.aggregate_hex,
            lambda: tx.scalar(
                "SELECT person_id FROM rm_talk_owners WHERE aggregate_id=?",
                (envelope.aggregate_hex,),
            ),
        )

    @on(Person.Registered)
    def _person(self, tx: Tx, envelope: Envelope) -> None:
        person = envelope.event.person_id
        self._own(tx, envelope, person)
        self._basis.remember(person, _NO_ROW)  # a person just registered has no basis yet
        self._obligations.remember(person, [])

    @on(PersonalFile.Opened)
    def _file(self, tx: Tx, envelope: Envelope) -> None:
        self._own(tx, envelope, envelope.event.person_id)

    # ------------------------------------------------------------------ what the rule reads

    @on(Person.PostAssumed, Person.PostLeft, Person.PostCorrected)
    def _posts(self, tx: Tx, envelope: Envelope) -> None:
        person = self._owner(tx, envelope)
        state = self._state(tx, person)
        state["posts"] = posts_after(state["posts"], envelope.event)
        self._derive(tx, person, state, envelope.position)

    @on(PersonalFile.RatingRecorded, PersonalFile.RatingCorrected)
    def _rating(self, tx: Tx, envelope: Envelope) -> None:
        e, person = envelope.event, self._owner(tx, envelope)
        state = self._state(tx, person)
        state["ratings"][str(e.year)] = {
            "rating": e.rating,
            "unit_id": e.unit_id,
            "rated_on": e.rated_on,
        }
        self._derive(tx, person, state, envelope.position)

    @on(PersonalFile.TriggerRecorded, PersonalFile.TriggerRetracted)
    def _trigger(self, tx: Tx, envelope: Envelope) -> None:
        e, person = envelope.event, self._owner(tx, envelope)
        state = self._state(tx, person)
        if isinstance(e, PersonalFile.TriggerRetracted):
            state["triggers"].pop(e.trigger_id, None)
        else:
            state["triggers"][trigger_id(person, envelope.version)] = {
                "kind": e.kind,
                "occurred_on": e.occurred_on,
                "unit_id": e.unit_id,
            }
        self._derive(tx, person, state, envelope.position)

    @on(Talk.Recorded, Talk.Corrected, Talk.Retracted)
    def _talk(self, tx: Tx, envelope: Envelope) -> None:
        e = envelope.event
        if isinstance(e, Talk.Recorded):
            self._own(tx, envelope, e.person_id)
            person = e.person_id
        else:
            person = self._owner(tx, envelope)
        state = self._state(tx, person)
        talk = envelope.aggregate_hex
        if isinstance(e, Talk.Retracted):
            state["talks"].pop(talk, None)
        else:
            talk_id = e.talk_id if isinstance(e, Talk.Recorded) else state["talks"][talk]["id"]
            state["talks"][talk] = {
                "id": talk_id,
                "held_on": e.held_on,
                "obligation_id": e.obligation_id,
            }
        self._derive(tx, person, state, envelope.position)

    def _state(self, tx: Tx, person_id: str) -> dict:
        text = self._basis.get(person_id)
        if text is None:
            text = tx.scalar("SELECT state FROM rm_talk_basis WHERE person_id=?", (person_id,))
        if text is None or text is _NO_ROW:
            return {"posts": [], "ratings": {}, "triggers": {}, "talks": {}, "new": True}
        return json.loads(text)

    def _derive(self, tx: Tx, person_id: str, state: dict, q: int) -> None:
        """Derive the person's obligations again and restate them at position q."""
        new = state.pop("new", False)
        text = json.dumps(state, ensure_ascii=False, sort_keys=True)
        if new:
            tx.execute(
                "INSERT INTO rm_talk_basis (person_id, state) VALUES (?, ?)", (person_id, text)
            )
        else:
            tx.execute("UPDATE rm_talk_basis SET state=? WHERE person_id=?", (text, person_id))
        self._basis.remember(person_id, text)
        after = derive_obligations(
            person_id,
            state["posts"],
            [
                Rating(
                    rating_id(person_id, int(y)), int(y), r["rating"], r["unit_id"], r["rated_on"]
                )
                for y, r in state["ratings"].items()
            ],
            [
                Trigger(t, x["kind"], x["occurred_on"], x["unit_id"])
                for t, x in state["triggers"].items()
            ],
            [HeldTalk(x["id"], x["held_on"], x["obligation_id"]) for x in state["talks"].values()],
            self.policy,
        )
        before = self._obligations.get(person_id)
        if before is None:
            rows = tx.all(
                f"SELECT {', '.join(COLUMNS)}, valid_from FROM rm_talk_obligations "
                "WHERE person_id=? AND recorded_to=?",
                (person_id, OPEN_POSITION),
            )
            before = [
                {**{c: r[c] for c in COLUMNS}, "valid_to": None, "valid_from": r["valid_from"]}
                for r in rows
            ]
        stated = [_stored(o) for o in after]
        close_and_insert(
            tx, "rm_talk_obligations", {"person_id": person_id}, COLUMNS, before, stated, q
        )
        kept = restated(before, stated, COLUMNS, (*COLUMNS, "valid_from"))
        if kept is None:
            self._obligations.pop(person_id, None)  # read back next time
        else:
            self._obligations.remember(person_id, kept)


_NO_ROW = object()  # a person without a basis row (kept instead of reading that back)


def _stored(o: Obligation) -> dict:
    """An obligation as a row: arose_on is its valid_from; unmet is met_on = OPEN_DATE."""
    return {
        "obligation_id": o.obligation_id,
        "unit_id": o.unit_id,
        "reason": o.reason,
        "due_on": o.due_on,
        "met_on": o.met_on or OPEN_DATE,
        "met_by": o.met_by or "",
        "source": o.source,
        "valid_from": o.arose_on,
        "valid_to": None,
    }


# ---------------------------------------------------------------------- queries


@dataclass(frozen=True)
class ObligationRow:
    obligation_id: str
    person_id: str
    unit_id: str
    reason: str
    arose_on: str
    due_on: str
    met_on: str | None
    met_by: str | None
    source: str

    def obligation(self) -> Obligation:
        return Obligation(
            self.obligation_id,
            self.person_id,
            self.reason,
            self.unit_id,
            self.arose_on,
            self.due_on,
            self.source,
            self.met_on,
            self.met_by,
        )


SELECT = (
    "SELECT o.obligation_id, o.person_id, o.unit_id, o.reason, o.valid_from AS arose_on, "
    "o.due_on, o.met_on, o.met_by, o.source FROM rm_talk_obligations o "
)


def _row(r) -> ObligationRow:
    return ObligationRow(
        r["obligation_id"],
        r["person_id"],
        r["unit_id"],
        r["reason"],
        r["arose_on"],
        r["due_on"],
        None if r["met_on"] == OPEN_DATE else r["met_on"],
        r["met_by"] or None,
        r["source"],
    )


@dataclass(frozen=True)
class ObligationFilter:
    """Obligations that arose by `as_of`, as recorded at `position`: in a unit subtree, of
    a person, with a status and a reason, within a token's scope."""

    as_of: str
    position: int | None = None
    root_id: str | None = None
    person_id: str | None = None
    status: str | None = None
    reason: str | None = None
    scope: tuple[str, tuple] = ("", ())  # a condition on o.unit_id

    def sql(self) -> tuple[str, list]:
        p = NOW if self.position is None else self.position
        join, params = "", []
        if self.root_id:
            join = "JOIN rm_unit_tree t ON t.unit_id = o.unit_id AND t.ancestor_id = ? "
            params.append(self.root_id)
        where = ["o.recorded_from <= ?", "o.recorded_to > ?", "o.valid_from <= ?"]
        params += [p, p, self.as_of]
        for condition, value in (
            ("o.person_id = ?", self.person_id),
            ("o.reason = ?", self.reason),
        ):
            if value is not None:
                where.append(condition)
                params.append(value)
        if self.status is not None:
            where.append(STATUS_SQL[self.status])
            params += [self.as_of] * STATUS_SQL[self.status].count("?")
        return f"{join}WHERE {' AND '.join(where)}{self.scope[0]}", [*params, *self.scope[1]]


def list_obligations(
    tx: Tx, selection: ObligationFilter, after: tuple[str, str] | None = None, first: int = MAX_PAGE
) -> list[ObligationRow]:
    """In the order they fell due, from after the (due_on, obligation_id) key."""
    where, params = selection.sql()
    if after is not None:
        where += " AND (o.due_on > ? OR (o.due_on = ? AND o.obligation_id > ?))"
        params += [after[0], after[0], after[1]]
    rows = tx.all(
        f"{SELECT}{where} ORDER BY o.due_on, o.obligation_id LIMIT ?",
        (*params, min(first, MAX_PAGE)),
    )
    return [_row(r) for r in rows]


def count_obligations(tx: Tx, selection: ObligationFilter) -> dict[tuple[str, str], int]:
    """(status, reason) -> how many obligations the filter selects (status as of its day)."""
    out: dict[tuple[str, str], int] = {}
    for status, condition in STATUS_SQL.items():
        where, params = selection.sql()
        rows = tx.all(
            f"SELECT o.reason AS reason, COUNT(*) AS n FROM rm_talk_obligations o {where} "
            f"AND {condition} GROUP BY o.reason",
            (*params, *[selection.as_of] * condition.count("?")),
        )
        for r in rows:
            out[(status, r["reason"])] = r["n"]
    return out


def overdue_in(
    tx: Tx, unit_ids: list[str], day: str, position: int
) -> list[tuple[str, ObligationRow, str]]:
    """(evaluated unit, obligation, the person's name) for every obligation OVERDUE on `day`
    in the subtrees of `unit_ids`, as recorded at `position` (the evaluation's rule)."""
    if not unit_ids:
        return []
    marks = ", ".join("?" * len(unit_ids))
    rows = tx.all(
        "SELECT t.ancestor_id AS evaluated, pe.name AS person_name, o.obligation_id, "
        "o.person_id, o.unit_id, o.reason, o.valid_from AS arose_on, o.due_on, o.met_on, "
        "o.met_by, o.source FROM rm_talk_obligations o "
        f"JOIN rm_unit_tree t ON t.unit_id = o.unit_id AND t.ancestor_id IN ({marks}) "
        "JOIN rm_persons pe ON pe.person_id = o.person_id "
        "WHERE o.recorded_from <= ? AND o.recorded_to > ? AND o.valid_from <= ? "
        f"AND {STATUS_SQL['OVERDUE']} ORDER BY o.due_on, o.obligation_id",
        (*unit_ids, position, position, day, day, day),
    )
    return [(r["evaluated"], _row(r), r["person_name"]) for r in rows]


def talk_owed_in(tx: Tx, obligation_id: str) -> str | None:
    """The unit in which this obligation is owed, as recorded now (None: it is not)."""
    return tx.scalar(
        "SELECT unit_id FROM rm_talk_obligations WHERE obligation_id=? AND recorded_to=? "
        "ORDER BY unit_id LIMIT 1",
        (obligation_id, OPEN_POSITION),
    )
