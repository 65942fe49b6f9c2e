"""Event index: the inspector's view of the log, and the record-time clock.

`rm_events` keeps one row per event (entity, type, actor, record time, payload) with
indexes for history and filters. `known_at` is the record time made monotone in position
order (the running maximum), so "what had the ledger recorded by instant t" is one
indexed lookup: the last position whose known_at <= t.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from ledger.domain.base import event_type_of
from ledger.domain.case import Case
from ledger.domain.duty_report import DutyReport
from ledger.domain.evaluation import EvaluationCycle
from ledger.domain.inquiry import WrittenInquiry
from ledger.domain.major_decision import MajorDecision
from ledger.domain.personal_file import PersonalFile
from ledger.domain.talk import Talk
from projections.base import Envelope, Projector
from projections.db import Tx, as_row

_ENVELOPE_FIELDS = {
    "originator_id",
    "originator_version",
    "timestamp",
    "originator_topic",
    "actor",
    "idempotency_key",
}


def iso_instant(value: datetime) -> str:
    """Fixed-width UTC text, so that text order is time order on both databases."""
    utc = value.astimezone(UTC)
    if utc.year >= 1000:  # isoformat pads years to four digits, strftime does not
        return utc.isoformat(timespec="microseconds")
    return utc.strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def _plain(value: Any) -> Any:
    """What JSON has no type for: dates and instants as ISO text, UUIDs as text."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


_PAYLOAD = json.JSONEncoder(ensure_ascii=False, sort_keys=True, default=_plain)


def payload_json(event: Any) -> str:
    """The event's own fields (not the envelope's) as JSON, keys sorted."""
    return _PAYLOAD.encode({k: v for k, v in vars(event).items() if k not in _ENVELOPE_FIELDS})


INSERT_EVENT = (
    "INSERT INTO rm_events (position, aggregate_id, entity_id, version, type, recorded_at, "
    "known_at, actor, idempotency_key, payload, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
INSERT_ENTITY = (
    "INSERT INTO rm_entities (aggregate_id, entity_id, kind) VALUES (?, ?, ?) "
    "ON CONFLICT (aggregate_id) DO NOTHING"
)
INSERT_ENTITY_UNIT = (
    "INSERT INTO rm_entity_units (aggregate_id, unit_id) VALUES (?, ?) "
    "ON CONFLICT (aggregate_id, unit_id) DO NOTHING"
)
INSERT_EVENT_UNIT = "INSERT INTO rm_event_units (unit_id, position) VALUES (?, ?)"
CACHED_ENTITIES = 200_000  # aggregates whose entity and units are kept in memory


class EventIndexProjector(Projector):
    name = "event_index"
    rebuild_cost = 40.0  # every event: decoding the whole log is its own
    every_event = True
    revision = 2  # 2: a case's events follow it to the unit a correction moves it to
    deferred = frozenset(
        {
            "rm_entities_entity",
            "rm_events_entity",
            "rm_events_aggregate",
            "rm_events_known_at",
            "rm_events_type",
            "rm_events_actor",
            "rm_event_units_position",
        }
    )
    tables = (
        (
            "rm_entities",
            "CREATE TABLE IF NOT EXISTS rm_entities ("
            "aggregate_id TEXT PRIMARY KEY, entity_id TEXT NOT NULL, kind TEXT NOT NULL)",
            ("CREATE INDEX IF NOT EXISTS rm_entities_entity ON rm_entities (entity_id)",),
        ),
        (
            "rm_events",
            "CREATE TABLE IF NOT EXISTS rm_events ("
            "position BIGINT PRIMARY KEY, aggregate_id TEXT NOT NULL, entity_id TEXT NOT NULL, "
            "version BIGINT NOT NULL, type TEXT NOT NULL, recorded_at TEXT NOT NULL, "
            "known_at TEXT NOT NULL, actor TEXT NOT NULL, idempotency_key TEXT, "
            "payload TEXT NOT NULL, hash TEXT NOT NULL)",
            (
                "CREATE INDEX IF NOT EXISTS rm_events_entity ON rm_events (entity_id, position)",
                "CREATE INDEX IF NOT EXISTS rm_events_aggregate ON rm_events (aggregate_id, version)",
                "CREATE INDEX IF NOT EXISTS rm_events_known_at ON rm_events (known_at, position)",
                "CREATE INDEX IF NOT EXISTS rm_events_type ON rm_events (type, position)",
                "CREATE INDEX IF NOT EXISTS rm_events_actor ON rm_events (actor, position)",
            ),
        ),
        (
            # The units each event belongs to (unit scope of history, events, subscriptions).
            "rm_event_units",
            "CREATE TABLE IF NOT EXISTS rm_event_units (unit_id TEXT NOT NULL, "
            "position BIGINT NOT NULL, PRIMARY KEY (unit_id, position))",
            ("CREATE INDEX IF NOT EXISTS rm_event_units_position ON rm_event_units (position)",),
        ),
        (
            # The units an entity has acted on so far: its events without a unit of their own
            # (a conclusion, a transfer, a finalization) belong to these.
            "rm_entity_units",
            "CREATE TABLE IF NOT EXISTS rm_entity_units (aggregate_id TEXT NOT NULL, "
            "unit_id TEXT NOT NULL, PRIMARY KEY (aggregate_id, unit_id))",
            (),
        ),
    )

    def __init__(self) -> None:
        self._entities: dict[UUID, str] = {}
        # aggregate -> every unit in its rm_entity_units rows (written or read so far)
        self._entity_units: dict[str, list[str]] = {}
        self._last_known_at: str | None = None

    def reset_caches(self) -> None:
        self._entities.clear()
        self._entity_units.clear()
        self._last_known_at = None

    def _entity_id(self, tx: Tx, envelope: Envelope) -> str:
        event = envelope.event
        if envelope.version == 1 and hasattr(event, "entity_id"):
            entity_id = event.entity_id
            kind = event.originator_topic.partition(":")[2]
            tx.defer("rm_entities", INSERT_ENTITY, (envelope.aggregate_hex, entity_id, kind))
        else:
            entity_id = (
                self._entities.get(envelope.aggregate_id)
                or tx.scalar(
                    "SELECT entity_id FROM rm_entities WHERE aggregate_id=?",
                    (envelope.aggregate_hex,),
                )
                or envelope.aggregate_hex
            )
        if len(self._entities) > CACHED_ENTITIES:
            self._entities.clear()
        self._entities[envelope.aggregate_id] = entity_id
        return entity_id

    def apply(self, tx: Tx, envelope: Envelope) -> None:
        recorded_at = iso_instant(envelope.recorded_at)
        previous = self._last_known_at or tx.scalar(
            "SELECT known_at FROM rm_events ORDER BY position DESC LIMIT 1"
        )
        known_at = max(recorded_at, previous) if previous else recorded_at
        self._last_known_at = known_at
        tx.defer(
            "rm_events",
            INSERT_EVENT,
            (
                envelope.position,
                envelope.aggregate_hex,
                self._entity_id(tx, envelope),
                envelope.version,
                envelope.type,
                recorded_at,
                known_at,
                envelope.actor,
                envelope.idempotency_key,
                payload_json(envelope.event),
                envelope.hash,
            ),
        )
        self._units(tx, envelope)

    def _units(self, tx: Tx, envelope: Envelope) -> None:
        """An event belongs to the units it names (a post's unit, a case's, an item's scope,
        a letter's recipient, a cycle's units); one that names none belongs to every unit
        its entity has acted on. An event of no unit (a person's registration, an
        idempotency key) is visible only to tokens not limited to units."""
        aggregate = envelope.aggregate_hex
        own = [] if envelope.type in NOT_PLACING else units_named(envelope.event)
        known = self._entity_units.get(aggregate)
        if known is None and envelope.version == 1:
            known = []  # an entity's first event: it has acted on no unit before
        if own:
            own = list(dict.fromkeys(own))
            if envelope.type in MOVING:  # the entity now sits there, and only there
                tx.defer(
                    "rm_entity_units",
                    "DELETE FROM rm_entity_units WHERE aggregate_id=?",
                    (aggregate,),
                )
                known = []
            for unit in own:
                tx.defer("rm_entity_units", INSERT_ENTITY_UNIT, (aggregate, unit))
            if known is not None:
                known = [*known, *(u for u in own if u not in known)]
                self._remember_units(aggregate, known)
            units = own
        else:
            if known is None:
                known = [
                    r["unit_id"]
                    for r in tx.all(
                        "SELECT unit_id FROM rm_entity_units WHERE aggregate_id=?", (aggregate,)
                    )
                ]
                self._remember_units(aggregate, known)
            units = known
        for unit in units:
            tx.defer("rm_event_units", INSERT_EVENT_UNIT, (unit, envelope.position))

    def _remember_units(self, aggregate: str, units: list[str]) -> None:
        if len(self._entity_units) > CACHED_ENTITIES:
            self._entity_units.clear()
        self._entity_units[aggregate] = units


# Events that move their entity to the units they name: its later events belong there,
# no longer to the units it sat in before (which keep what they saw while it was theirs).
MOVING = frozenset({event_type_of(Case.Corrected)})
# Events whose unit field does not say where their entity sits: a decision holding a party
# organisation on the chain's path accountable belongs to the case's unit, like the case.
NOT_PLACING = frozenset({event_type_of(Case.AccountabilityDetermined)})


def units_named(event: Any) -> list[str]:
    """The units an event names itself."""
    named: list[str] = []
    for attribute in ("unit_id", "recipient_id"):
        value = getattr(event, attribute, None)
        if isinstance(value, str):
            named.append(value)
    for attribute in ("scope_unit_ids", "unit_ids"):
        named.extend(getattr(event, attribute, None) or [])
    return named


# ---------------------------------------------------------------------- queries


def position_known_at(tx: Tx, known_at: datetime | None) -> int | None:
    """The last position recorded at or before `known_at`; None means "now" (open rows)."""
    if known_at is None:
        return None
    row = tx.scalar(
        "SELECT position FROM rm_events WHERE known_at <= ? "
        "ORDER BY known_at DESC, position DESC LIMIT 1",
        (iso_instant(known_at),),
    )
    return row or 0


@dataclass(frozen=True)
class EventRow:
    position: int
    entity_id: str
    version: int
    type: str
    recorded_at: str
    actor: str
    payload: str
    hash: str


EVENT_COLUMNS = "position, entity_id, version, type, recorded_at, actor, payload, hash"
# A case's raw events are personal case data (the subject, the summary, the decisions); so
# are a 述责述廉 report's (what a leader reported), a 三重一大 decision's (why someone withdrew),
# a talk's, a person's ratings and 六必谈 triggers, a 函询's: answers that carry them are
# written to the access log.
CASE_EVENT_TYPES = frozenset(
    event_type_of(cls)
    for cls in (
        Case.Registered,
        Case.Concluded,
        Case.Corrected,
        Case.AccountabilityDetermined,
        Case.AccountabilityRevoked,
        DutyReport.Filed,
        MajorDecision.Recorded,
        MajorDecision.Corrected,
        # who talked with whom and what was said; ratings, triggers; 函询 and their replies
        Talk.Recorded,
        Talk.Corrected,
        Talk.Retracted,
        PersonalFile.RatingRecorded,
        PersonalFile.RatingCorrected,
        PersonalFile.TriggerRecorded,
        PersonalFile.TriggerRetracted,
        WrittenInquiry.Sent,
        WrittenInquiry.Replied,
        WrittenInquiry.Concluded,
    )
)


# Events of other entities that speak of a case: a score line written by hand about it.
CASE_NAMING_TYPES = frozenset(
    event_type_of(cls)
    for cls in (
        EvaluationCycle.ScoreDeducted,
        EvaluationCycle.BonusAdded,
        EvaluationCycle.VetoApplied,
    )
)


def personal_entities(row: EventRow) -> list[str]:
    """The entities whose personal data this raw event carries (for the access log)."""
    if row.type in CASE_EVENT_TYPES:
        return [row.entity_id]
    if row.type in CASE_NAMING_TYPES:
        case_id = json.loads(row.payload).get("case_id")
        return [case_id] if case_id else []
    return []


def _event(r) -> EventRow:
    return as_row(EventRow, r)


SCOPE = "position IN (SELECT position FROM rm_event_units WHERE 1 = 1{})"


def history(
    tx: Tx, entity_id: str, limit: int = 10_000, scope: tuple[str, tuple] = ("", ())
) -> list[EventRow]:
    """`scope`: a condition on `unit_id` (`Context.scope_sql`) the events' units must meet."""
    where = f" AND {SCOPE.format(scope[0])}" if scope[0] else ""
    rows = tx.all(
        f"SELECT {EVENT_COLUMNS} FROM rm_events WHERE entity_id = ?{where} "
        "ORDER BY position LIMIT ?",
        (entity_id, *scope[1], limit),
    )
    return [_event(r) for r in rows]


def events_page(
    tx: Tx,
    after: int,
    first: int,
    *,
    entity_id: str | None = None,
    type: str | None = None,
    actor: str | None = None,
    recorded_from: datetime | None = None,
    recorded_to: datetime | None = None,
    scope: tuple[str, tuple] = ("", ()),
) -> list[EventRow]:
    """The log in position order; each filter is served by its own (column, position) index."""
    where, params = ["position > ?"], [after]
    for column, value in (("entity_id", entity_id), ("type", type), ("actor", actor)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    if recorded_from is not None:
        where.append("recorded_at >= ?")
        params.append(iso_instant(recorded_from))
    if recorded_to is not None:
        where.append("recorded_at < ?")
        params.append(iso_instant(recorded_to))
    if scope[0]:
        where.append(SCOPE.format(scope[0]))
        params.extend(scope[1])
    rows = tx.all(
        f"SELECT {EVENT_COLUMNS} FROM rm_events WHERE {' AND '.join(where)} "
        "ORDER BY position LIMIT ?",
        (*params, first),
    )
    return [_event(r) for r in rows]


def units_of_event(tx: Tx, position: int) -> list[str]:
    rows = tx.all("SELECT unit_id FROM rm_event_units WHERE position = ?", (position,))
    return [r["unit_id"] for r in rows]


def event_at(tx: Tx, position: int) -> EventRow | None:
    row = tx.one(f"SELECT {EVENT_COLUMNS} FROM rm_events WHERE position = ?", (position,))
    return _event(row) if row else None
