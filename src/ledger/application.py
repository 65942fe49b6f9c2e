"""The write side: the handler table and `execute(command, stamp)`.

`execute` runs every command the same way: check the idempotency key against the command's
fingerprint, authorise it (role and unit scope, from `ledger.permissions`), let its handler
load what it needs and the aggregates decide, save every new event together with the key in
one atomic save, and wait (bounded) until the read models have applied it. A refused
command raises a `LedgerError` before anything is saved, so it appends nothing.

A handler is a function `(app, command, stamp) -> (id acted on, aggregates to save)`,
registered with `@handles(CommandClass)`; a command that one existing aggregate decides
alone is one `Act` row at the end of this module.
"""

from __future__ import annotations

import dataclasses
import random
import threading
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar
from uuid import UUID

import structlog
from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, Notification, Recording

from ledger import commands as c
from ledger import faults, permissions
from ledger.committed import Committed
from ledger.domain.base import Stamp, event_type
from ledger.domain.case import Case, case_of_decision, case_uuid, decision_id, placed
from ledger.domain.errors import BadInput, Conflict, Forbidden, NotFound
from ledger.domain.evaluation import EvaluationCycle, cycle_uuid
from ledger.domain.idempotency import IdempotencyKey, key_uuid, legacy_key_uuid
from ledger.domain.letter import TaskLetter, letter_uuid
from ledger.domain.person import Person, leads_after, leads_on, person_uuid
from ledger.domain.responsibility import ResponsibilityItem, item_uuid
from ledger.domain.rules.accountability import Link
from ledger.domain.rules.talks import TalkPolicy
from ledger.domain.unit import Unit, unit_uuid
from ledger.domain.values import TEAM_ROLES, business_id
from ledger.group_commit import GroupCommit
from ledger.store import EventLogSQL, StoreConfig, parse_store_url

log = structlog.get_logger("ledger.command")
A = TypeVar("A", bound=Aggregate)
C = TypeVar("C", bound=c.Command)
# A command that keeps losing races is refused (CONFLICT) after this many seconds of them;
# before attempt n ≥ 2 it pauses at random in [0, min(cap, base·2ⁿ)] seconds (the first
# retry goes at once: the winner has just committed, so the way is usually clear).
RETRY_WINDOW, RETRY_BASE, RETRY_CAP = 3.0, 0.001, 0.05
TURNS = 64  # striped locks per application: commands on one aggregate take turns

Decision = tuple[str, Sequence[Aggregate]]
Handler = Callable[["LedgerApplication", Any, Stamp], Decision]
HANDLERS: dict[type[c.Command], Handler] = {}
# Aggregates that feature modules add (`ledger.oversight`): the kind a command's id field
# names (`finding_id` -> "finding") -> (aggregate class, uuid of a business id, what it is).
ENTITY_KINDS: dict[str, tuple[type[Aggregate], Callable[[str], UUID], str]] = {}
# Loaders of ids that name a part of an aggregate (`P-1/R2024`: a rating in a personal
# file), by kind, from the features' handler modules.
LOADERS: dict[str, Callable[[LedgerApplication, str], Any]] = {}


def handles(command: type[C]) -> Callable[[Callable[[LedgerApplication, C, Stamp], Decision]], Any]:
    def register(handler: Callable[[LedgerApplication, C, Stamp], Decision]) -> Any:
        HANDLERS[command] = handler
        return handler

    return register


class ReadSide(Protocol):
    """What the write side asks of the read models (as recorded now, after catching up)."""

    def wait_for(self, position: int, timeout: float | None = None) -> bool: ...

    def chain_links(self, case_id: str) -> list[Link]:
        """The links of a case's accountability chain."""
        ...

    def in_charge_items(self, person_id: str) -> list[str]:
        """The IN_CHARGE items whose current holder is this person."""
        ...

    def talk_owed_in(self, obligation_id: str) -> str | None:
        """The unit in which this 六必谈 obligation is owed (whatever its status), or None."""
        ...


@dataclass(frozen=True)
class CommandResult:
    """What every mutation returns: the id acted on and the position of its last event."""

    id: str
    position: int
    replayed: bool = False
    # False when the read models had not applied `position` when the wait ran out (the
    # write is stored; reads may not show it yet).
    projected: bool = True


class LedgerApplication(Application):
    name = "Ledger"
    snapshotting_intervals = {Person: 50, ResponsibilityItem: 50}  # noqa: RUF012

    def __init__(self, store: StoreConfig | str, *, read_side: ReadSide):
        self.store = parse_store_url(store) if isinstance(store, str) else store
        if self.store.sqlite_path is not None:
            self.store.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        super().__init__(env=self.store.eventsourcing_env())
        self.read_side = read_side
        self.log_sql = EventLogSQL(self.recorder, self.store)
        self.listeners: list[Callable[[int], None]] = []
        self.talk_policy = TalkPolicy()  # 六必谈 and 函询 rules; `Ledger` sets them from settings
        # A unit's ancestors never change (units are placed once), so they are cached.
        self._lineage: dict[str, tuple[str, ...]] = {}
        self._turns = [threading.Lock() for _ in range(TURNS)]
        self.group_commit = GroupCommit(self.recorder.insert_events, self.recorder.insert_group)
        self.recorder.committed = Committed()  # for this process's projector
        self._attempt = threading.local()  # which try of its command this thread decides

    # ------------------------------------------------------------------ execute

    def execute(
        self,
        command: c.Command,
        stamp: Stamp,
        *,
        wait: bool = True,
        noted: list[dict] | None = None,
    ) -> CommandResult:
        """Run one command: idempotency, authorisation, decide, one atomic save, then wait
        for the read models (unless a bulk loader says it catches up itself: `wait=False`).
        The command's log line goes to `noted` when given: the caller logs it in its own
        line (the API, in the request's: one line per request).

        A save that loses the race for an aggregate's version to another writer is not
        refused: the handler runs again on the aggregate as it now is, so the command is
        decided on what changed, as if it had arrived a moment later (a decision that the
        change forbids is refused then, with its own code). Commands on one aggregate take
        turns within this process (a striped lock, so they do not race at all); across
        processes the loser retries (after a short random pause from the second retry on) for
        up to RETRY_WINDOW seconds.
        """
        handler = HANDLERS[type(command)]
        # The fingerprint is what a retried key is checked against: only keyed commands need it.
        name = command.mutation()
        fingerprint = command.fingerprint() if stamp.idempotency_key else ""
        self.authorise(command, stamp)
        with self._turns[_stripe(command, handler)]:
            result = self._decide_and_save(command, stamp, handler, name, fingerprint, noted)
        if result.replayed:
            log.info("command.replayed", command=name, actor=stamp.actor, id=result.id)
        else:
            for listener in self.listeners:
                listener(result.position)
        if wait and not self.read_side.wait_for(result.position):
            log.warning(
                "command.not_projected",
                command=name,
                position=result.position,
                note="the read models did not apply it in time",
            )
            return dataclasses.replace(result, projected=False)
        return result

    def _decide_and_save(
        self,
        command: c.Command,
        stamp: Stamp,
        handler: Handler,
        name: str,
        fingerprint: str,
        noted: list[dict] | None,
    ) -> CommandResult:
        give_up = time.monotonic() + RETRY_WINDOW
        attempt = 0
        while attempt == 0 or time.monotonic() < give_up:
            attempt += 1
            if attempt > 2:
                # Another process keeps getting there first: wait a little, at random.
                time.sleep(random.uniform(0, min(RETRY_CAP, RETRY_BASE * 2**attempt)))
            if stamp.idempotency_key:
                replay = self._replay(name, stamp, fingerprint)
                if replay:
                    return replay
            self._attempt.first = attempt == 1
            try:
                result_id, aggregates = handler(self, command, stamp)
            finally:
                self._attempt.first = False
            aggregates = list(aggregates)
            if stamp.idempotency_key:
                aggregates.append(IdempotencyKey.use(stamp, name, fingerprint, result_id))
            try:
                recordings = self.save(*aggregates)
            except IntegrityError:
                continue  # someone else appended first: reload and decide again
            except Exception as e:
                faults.note_failure(e)
                raise
            faults.note_write()
            position = max(r.notification.id for r in recordings)
            line = {
                "command": name,
                "id": result_id,
                "position": position,
                "events": [event_type(r.domain_event) for r in recordings],
                "attempts": attempt,
            }
            if noted is None:
                log.info("command", actor=stamp.actor, **line)
            else:
                noted.append(line)
            return CommandResult(result_id, position)
        raise Conflict(f"{name}: too many concurrent changes to the same entity; retry")

    def _replay(self, command: str, stamp: Stamp, fingerprint: str) -> CommandResult | None:
        key = stamp.idempotency_key or ""
        for uuid in (key_uuid(stamp.actor, key), legacy_key_uuid(key)):
            try:
                used = self.repository.get(uuid)
            except AggregateNotFoundError:
                continue
            if used.actor != stamp.actor:
                continue  # another subject's key (stored before keys were per subject)
            if used.command != command or used.fingerprint != fingerprint:
                raise Conflict(f"idempotencyKey {key!r} was already used for a different request")
            position = self.log_sql.position_of(uuid, 1) or 0
            return CommandResult(used.result_id, position, replayed=True)
        return None

    def authorise(self, command: c.Command, stamp: Stamp) -> None:
        """Role, then unit scope: every unit the command's scope fields name must lie in the
        subtree of one of the token's units, and every entity its `sees` fields name must
        have a unit there. Whatever fails is refused naming the id the command gave, exactly
        as an unknown id is (no oracle of what exists outside the token's units, or where)."""
        rule = permissions.check_role(type(command), stamp.role, stamp.units is not None)
        if stamp.units is None or not (rule.scope or rule.sees):
            return
        for spec in rule.sees:
            field, _, attribute = spec.partition(".")
            value = getattr(command, field)
            if value is not None and not any(
                self._inside(u, stamp.units) for u in self._units_of(field, attribute, value)
            ):
                raise permissions.outside_scope(value)
        units: dict[str, str] = {}  # unit -> the id the command gave for it
        for spec in rule.scope:
            field, _, attribute = spec.partition(".")
            value = getattr(command, field)
            if value is None:
                continue
            if attribute:
                units.update((u, value) for u in self._units_of(field, attribute, value))
            else:
                units.update((u, u) for u in ([value] if isinstance(value, str) else value))
        if not units and rule.scope:
            raise Forbidden(f"{command.mutation()} here needs a token that is not limited to units")
        for unit_id, given in units.items():
            if not self._inside(unit_id, stamp.units):
                raise permissions.outside_scope(given)

    def _units_of(self, field: str, attribute: str, value: str) -> list[str]:
        """The units of the entity a command's field names (an unknown one: outside scope)."""
        try:
            found = getattr(self.entity(field, value), attribute)
        except NotFound:
            raise permissions.outside_scope(value) from None
        return [found] if isinstance(found, str) else list(found)

    def nameable(self, stamp: Stamp) -> Callable[[str], bool]:
        """May a refusal name this unit to the caller? Only one in its token's units."""
        units = stamp.units
        return lambda unit_id: units is None or self._inside(unit_id, units)

    def _inside(self, unit_id: str, scope: tuple[str, ...]) -> bool:
        try:
            return bool(set(self.lineage(unit_id)) & set(scope))
        except (NotFound, BadInput):
            return False

    # ------------------------------------------------------------------ loading

    def head(self) -> int:
        return self.log_sql.head()

    def load(self, cls: type[A], uuid: UUID, what: str, business: str) -> A:
        try:
            agg = self.repository.get(uuid)
        except AggregateNotFoundError:
            raise NotFound(f"no {what} {business!r}") from None
        if not isinstance(agg, cls):
            raise NotFound(f"no {what} {business!r}")
        return agg

    def exists(self, uuid: UUID) -> bool:
        """One stored event is enough to know (`uuid in repository` would rebuild it whole)."""
        return bool(self.recorder.select_events(uuid, limit=1))

    def new(self, uuid: UUID, what: str, business: str) -> None:
        """CONFLICT when the entity is registered already. A command's first try asks the
        store nothing here: its save writes the entity's version 1, which the store refuses
        if that exists (the same version check as for any save), and the command then
        decides again, when this check is made and refuses it."""
        if getattr(self._attempt, "first", False):
            return
        if self.exists(uuid):
            raise Conflict(f"{what} {business!r} is already registered")

    # ------------------------------------------------------------------ saving

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording]:
        """eventsourcing's save, written through the group commit: saves of concurrent
        commands share one transaction (`ledger.group_commit`)."""
        if kwargs:
            return super().save(*objs, **kwargs)
        processing = ProcessingEvent()
        for obj in objs:  # what collect_events does, without its slow protocol checks
            if isinstance(obj, Aggregate):
                processing.events.extend(obj.collect_events())
                processing.aggregates[obj.id] = obj
            elif obj is not None:
                processing.collect_events(obj)
        events = processing.events
        stored = [self.mapper.to_stored_event(e) for e in events]
        positions = self.group_commit.insert(stored) if stored else []
        recordings = [
            Recording(
                event,
                Notification(
                    id=position,
                    originator_id=s.originator_id,
                    originator_version=s.originator_version,
                    topic=s.topic,
                    state=s.state,
                ),
            )
            for event, s, position in zip(events, stored, positions, strict=True)
        ]
        if self.repository.cache and not self.repository.fastforward:
            for aggregate_id, aggregate in processing.aggregates.items():
                self.repository.cache.put(aggregate_id, aggregate)
        self._take_snapshots(processing)
        self._notify(recordings)
        return recordings

    def unit(self, unit_id: str) -> Unit:
        return self.load(Unit, unit_uuid(business_id(unit_id, "unit id")), "unit", unit_id)

    def person(self, person_id: str) -> Person:
        uuid = person_uuid(business_id(person_id, "person id"))
        return self.load(Person, uuid, "person", person_id)

    def item(self, item_id: str) -> ResponsibilityItem:
        uuid = item_uuid(business_id(item_id, "item id"))
        return self.load(ResponsibilityItem, uuid, "responsibility item", item_id)

    def case(self, case_id: str) -> Case:
        return self.load(Case, case_uuid(business_id(case_id, "case id")), "case", case_id)

    def letter(self, letter_id: str) -> TaskLetter:
        uuid = letter_uuid(business_id(letter_id, "letter id"))
        return self.load(TaskLetter, uuid, "task letter", letter_id)

    def cycle(self, cycle_id: str) -> EvaluationCycle:
        uuid = cycle_uuid(business_id(cycle_id, "cycle id"))
        return self.load(EvaluationCycle, uuid, "evaluation cycle", cycle_id)

    def entity(self, field: str, value: str) -> Aggregate:
        """The aggregate a command's id field names (`case_id` a case, `to_holder_id` a
        person, `decision_id` the case it was taken on, ...): NOT_FOUND when it does not
        exist."""
        kind = field.removeprefix("to_").removesuffix("_id")
        if kind in ENTITY_KINDS:
            cls, uuid_of, what = ENTITY_KINDS[kind]
            return self.load(cls, uuid_of(business_id(value, f"{what} id")), what, value)
        if kind in LOADERS:
            return LOADERS[kind](self, value)
        loaders = {"case": self.case, "item": self.item, "letter": self.letter}
        loaders.update(cycle=self.cycle, unit=self.unit, person=self.person, holder=self.person)
        loaders["decision"] = lambda decision: self.case(case_of_decision(decision))
        return loaders[kind](value)

    def organ_of(self, unit_id: str) -> str | None:
        """The organ a unit belongs to (itself, for an organ); None above the organs."""
        return next((u for u in self.lineage(unit_id) if self.unit(u).kind == "ORGAN"), None)

    def chain_path(self, unit_id: str) -> list[str]:
        """The unit and its ancestors up to its organ: the levels of a case's chain."""
        path = []
        for u in self.lineage(unit_id):
            path.append(u)
            if self.unit(u).kind == "ORGAN":
                break
        return path

    def lineage(self, unit_id: str) -> tuple[str, ...]:
        """The unit and its ancestors up to its organ, from the write side's own units."""
        if unit_id not in self._lineage:
            unit = self.unit(unit_id)
            above = self.lineage(unit.parent_id) if unit.parent_id else ()
            self._lineage[unit_id] = (unit_id, *above)
        return self._lineage[unit_id]


def _stripe(command: c.Command, handler: Handler) -> int:
    """Which of the application's locks the command takes: by the id of the aggregate it
    acts on (the target of an `Act`, else the id it creates or the first id it names)."""
    field = handler.target if isinstance(handler, Act) else None
    if field is None:
        names = [f.name for f in dataclasses.fields(command)]
        field = next((n for n in names if n == "id" or n.endswith("_id")), None)
    value = getattr(command, field, None) if field else None
    key = f"{field}:{value}".encode()
    return zlib.crc32(key) % TURNS


# ---------------------------------------------------------------------- organisation


@handles(c.RegisterUnit)
def register_unit(app: LedgerApplication, cmd: c.RegisterUnit, stamp: Stamp) -> Decision:
    business_id(cmd.id, "unit id")
    parent = app.unit(cmd.parent_id) if cmd.parent_id else None
    unit = Unit.register(stamp, cmd.id, cmd.name, cmd.kind, parent, cmd.short_name)
    app.new(unit.id, "unit", cmd.id)
    return cmd.id, [unit]


@handles(c.RegisterPerson)
def register_person(app: LedgerApplication, cmd: c.RegisterPerson, stamp: Stamp) -> Decision:
    person = Person.register(stamp, cmd.id, cmd.name)
    app.new(person.id, "person", cmd.id)
    return cmd.id, [person]


# ---------------------------------------------------------------------- responsibility


@handles(c.AssignResponsibility)
def assign_responsibility(
    app: LedgerApplication, cmd: c.AssignResponsibility, stamp: Stamp
) -> Decision:
    business_id(cmd.id, "responsibility item id")
    app.person(cmd.holder_id)
    # The domain checks the scope's size before one unit is loaded per listed id.
    item = ResponsibilityItem.assign(
        stamp,
        cmd.id,
        cmd.holder_id,
        cmd.kind,
        cmd.area,
        cmd.title,
        list(cmd.scope_unit_ids),
        cmd.valid_from,
        cmd.valid_to,
    )
    for unit_id in dict.fromkeys(cmd.scope_unit_ids):
        app.unit(unit_id)
    _leader_check(app, item, cmd.holder_id, cmd.valid_from)
    app.new(item.id, "responsibility item", cmd.id)
    return cmd.id, [item]


@handles(c.TransferResponsibility)
def transfer_responsibility(
    app: LedgerApplication, cmd: c.TransferResponsibility, stamp: Stamp
) -> Decision:
    item = app.item(cmd.item_id)
    app.person(cmd.to_holder_id)
    item.transfer(stamp, cmd.to_holder_id, cmd.effective)
    _leader_check(app, item, cmd.to_holder_id, cmd.effective)
    return cmd.item_id, [item]


@handles(c.CorrectResponsibility)
def correct_responsibility(
    app: LedgerApplication, cmd: c.CorrectResponsibility, stamp: Stamp
) -> Decision:
    item = app.item(cmd.item_id)
    periods = [
        {"holder_id": p.holder_id, "valid_from": p.valid_from, "valid_to": p.valid_to}
        for p in cmd.periods
    ]
    item.correct(stamp, periods, cmd.reason)  # bounded and well-formed before any load
    for holder_id in dict.fromkeys(p.holder_id for p in cmd.periods):
        app.person(holder_id)
    for period in item.periods:
        _leader_check(app, item, period["holder_id"], period["valid_from"])
    return cmd.item_id, [item]


def _leader_check(
    app: LedgerApplication, item: ResponsibilityItem, holder_id: str, day: str
) -> None:
    """IN_CHARGE (分管) items over an organ's units are held only by its leaders: its
    PRINCIPAL, TEAM_MEMBERs and DISCIPLINE_SECRETARY, on the day the holding starts."""
    if item.kind != "IN_CHARGE":
        return
    posts = app.person(holder_id).posts
    for organ_id in dict.fromkeys(app.organ_of(u) for u in item.scope_unit_ids):
        if organ_id is None:
            raise BadInput("an IN_CHARGE item covers units of an organ, not above it")
        if not leads_on(posts, organ_id, day):
            raise BadInput(
                f"{holder_id} holds no leadership post of {organ_id} (PRINCIPAL, TEAM_MEMBER or "
                f"DISCIPLINE_SECRETARY) on {day}: only an organ's leaders hold IN_CHARGE (分管) "
                "items over its units"
            )


@handles(c.LeavePost)
def leave_post(app: LedgerApplication, cmd: c.LeavePost, stamp: Stamp) -> Decision:
    person = app.person(cmd.person_id)
    app.unit(cmd.unit_id)
    person.leave_post(stamp, cmd.unit_id, cmd.role, cmd.valid_to)
    return cmd.person_id, [
        person,
        *_lapse_items(app, person, cmd.unit_id, cmd.role, cmd.valid_to, stamp),
    ]


@handles(c.CorrectPost)
def correct_post(app: LedgerApplication, cmd: c.CorrectPost, stamp: Stamp) -> Decision:
    person = app.person(cmd.person_id)
    app.unit(cmd.unit_id)
    person.correct_post(
        stamp, cmd.unit_id, cmd.role, cmd.original_from, cmd.valid_from, cmd.valid_to, cmd.reason
    )
    lapsed = []
    if cmd.valid_to is not None:  # a post that ends (earlier) may take its items with it
        lapsed = _lapse_items(app, person, cmd.unit_id, cmd.role, cmd.valid_to, stamp)
    return cmd.person_id, [person, *lapsed]


def _lapse_items(
    app: LedgerApplication, person: Person, unit_id: str, role: str, end: str, stamp: Stamp
) -> list[Aggregate]:
    """When a leader's last leadership post of an organ ends, their IN_CHARGE items over
    its units end that day too (an event saying why, saved with the post's own)."""
    if role not in TEAM_ROLES or app.unit(unit_id).kind != "ORGAN":
        return []
    if leads_after(person.posts, unit_id, end):
        return []
    lapsed: list[Aggregate] = []
    for item_id in app.read_side.in_charge_items(person.person_id):
        item = app.item(item_id)
        organs = {app.organ_of(u) for u in item.scope_unit_ids}
        if unit_id not in organs or not item.held_after(person.person_id, end):
            continue
        if item.periods[-1]["valid_from"] > end:
            raise BadInput(
                f"{item_id} passes to {person.person_id} on {item.periods[-1]['valid_from']}, "
                f"after their last leadership post of {unit_id} ends ({end}): correct the item first"
            )
        reason = f"{person.name}（{person.person_id}）{end}离开{unit_id}领导班子，分管事项随之终止"
        item.lapse(stamp, end, reason)
        lapsed.append(item)
    return lapsed


# ---------------------------------------------------------------------- cases, 一案双查


@handles(c.RegisterCase)
def register_case(app: LedgerApplication, cmd: c.RegisterCase, stamp: Stamp) -> Decision:
    business_id(cmd.id, "case id")
    app.unit(cmd.unit_id)
    subject = app.person(cmd.subject_id)
    post_recorded = placed(
        cmd.unit_id, subject.posts, cmd.facts_on, cmd.facts_until, app.nameable(stamp)
    )
    facts = {k: v for k, v in vars(cmd).items() if k not in ("id", "unit_id", "subject_id")}
    case = Case.register(stamp, cmd.id, cmd.unit_id, cmd.subject_id, facts, post_recorded)
    app.new(case.id, "case", cmd.id)
    return cmd.id, [case]


@handles(c.CorrectCase)
def correct_case(app: LedgerApplication, cmd: c.CorrectCase, stamp: Stamp) -> Decision:
    case = app.case(cmd.case_id)
    app.unit(cmd.unit_id)
    posts = app.person(case.subject_id).posts
    placed(cmd.unit_id, posts, cmd.facts_on, cmd.facts_until, app.nameable(stamp))
    case.correct(stamp, cmd.unit_id, cmd.facts_on, cmd.facts_until, cmd.reason)
    return cmd.case_id, [case]


@handles(c.DetermineAccountability)
def determine_accountability(
    app: LedgerApplication, cmd: c.DetermineAccountability, stamp: Stamp
) -> Decision:
    case = app.case(cmd.case_id)
    app.person(cmd.person_id)
    links = app.read_side.chain_links(cmd.case_id)
    link = next((x for x in links if x.person_id == cmd.person_id), None)
    case.determine_accountability(
        stamp,
        person_id=cmd.person_id,
        unit_id=None,
        measures=[cmd.measure, *(cmd.measures or ())],
        degree=cmd.degree,
        reason=cmd.reason,
        on=cmd.on,
        link=dataclasses.asdict(link) if link else None,
    )
    return decision_id(cmd.case_id, case.version), [case]


@handles(c.DetermineOrganisationAccountability)
def determine_organisation_accountability(
    app: LedgerApplication, cmd: c.DetermineOrganisationAccountability, stamp: Stamp
) -> Decision:
    case = app.case(cmd.case_id)
    app.unit(cmd.unit_id)
    path = app.chain_path(case.unit_id)
    if cmd.unit_id not in path:
        raise BadInput(
            f"{cmd.unit_id} is not on the path of case {cmd.case_id}'s chain ({' > '.join(path)})"
        )
    case.determine_accountability(
        stamp,
        person_id=None,
        unit_id=cmd.unit_id,
        measures=[cmd.measure],
        degree=None,
        reason=cmd.reason,
        on=cmd.on,
        link=None,
    )
    return decision_id(cmd.case_id, case.version), [case]


@handles(c.RevokeAccountability)
def revoke_accountability(
    app: LedgerApplication, cmd: c.RevokeAccountability, stamp: Stamp
) -> Decision:
    case = app.case(case_of_decision(cmd.decision_id))
    case.revoke(stamp, cmd.decision_id, cmd.reason, cmd.on)
    return cmd.decision_id, [case]


@handles(c.IssueTaskLetter)
def issue_task_letter(app: LedgerApplication, cmd: c.IssueTaskLetter, stamp: Stamp) -> Decision:
    business_id(cmd.id, "letter id")
    app.unit(cmd.issuer_id)
    app.unit(cmd.recipient_id)
    below = cmd.issuer_id in app.lineage(cmd.recipient_id)[1:]
    tasks = [
        {"task_id": t.task_id, "title": t.title, "area": t.area, "deadline": t.deadline}
        for t in cmd.tasks
    ]
    letter = TaskLetter.issue(
        stamp,
        cmd.id,
        cmd.number,
        cmd.title,
        cmd.issuer_id,
        cmd.recipient_id,
        cmd.issued_on,
        tasks,
        below,
    )
    app.new(letter.id, "task letter", cmd.id)
    return cmd.id, [letter]


@handles(c.AcknowledgeTaskLetter)
def acknowledge_task_letter(
    app: LedgerApplication, cmd: c.AcknowledgeTaskLetter, stamp: Stamp
) -> Decision:
    letter = app.letter(cmd.letter_id)
    letter.acknowledge(stamp, cmd.person_id, app.person(cmd.person_id).posts, cmd.on)
    return cmd.letter_id, [letter]


# ---------------------------------------------------------------------- evaluation


@handles(c.OpenEvaluationCycle)
def open_evaluation_cycle(
    app: LedgerApplication, cmd: c.OpenEvaluationCycle, stamp: Stamp
) -> Decision:
    business_id(cmd.id, "cycle id")
    cycle = EvaluationCycle.open(
        stamp,
        cmd.id,
        cmd.year,
        cmd.title,
        cmd.period_from,
        cmd.period_to,
        list(cmd.unit_ids),
        [{"code": x.code, "title": x.title, "max_points": x.max_points} for x in cmd.criteria],
        cmd.passive_case_deduction,
        list(cmd.veto_roles) if cmd.veto_roles is not None else None,
        cmd.grade_bands.thresholds() if cmd.grade_bands else None,
        list(cmd.veto_forms) if cmd.veto_forms is not None else None,
    )
    for unit_id in cycle.unit_ids:  # deduplicated and bounded by the domain
        app.unit(unit_id)
    app.new(cycle.id, "evaluation cycle", cmd.id)
    return cmd.id, [cycle]


# ---------------------------------------------------------------------- one aggregate decides


@dataclass(frozen=True)
class Act:
    """A command that one existing aggregate decides alone: load it by the `target` id
    field, check that the ids in `refers` exist, then call `method(stamp, **other fields)`
    (the method's parameters are named like the command's fields)."""

    target: str
    method: Callable[..., None]
    refers: tuple[str, ...] = ()

    def __call__(self, app: LedgerApplication, cmd: c.Command, stamp: Stamp) -> Decision:
        target_id = getattr(cmd, self.target)
        aggregate = app.entity(self.target, target_id)
        for field in self.refers:
            if getattr(cmd, field) is not None:
                app.entity(field, getattr(cmd, field))
        args = {k: v for k, v in vars(cmd).items() if k != self.target}
        self.method(aggregate, stamp, **args)
        return target_id, [aggregate]


HANDLERS.update(
    {
        c.AssumePost: Act("person_id", Person.assume_post, ("unit_id",)),
        c.EndResponsibility: Act("item_id", ResponsibilityItem.end),
        c.ConcludeCase: Act("case_id", Case.conclude),
        c.ReportTaskProgress: Act("letter_id", TaskLetter.report_progress),
        c.CorrectTaskProgress: Act("letter_id", TaskLetter.correct_progress),
        c.CompleteTask: Act("letter_id", TaskLetter.complete),
        c.WithdrawTaskLetter: Act("letter_id", TaskLetter.withdraw),
        c.RecordScore: Act("cycle_id", EvaluationCycle.record_score),
        c.DeductScore: Act("cycle_id", EvaluationCycle.deduct, ("case_id",)),
        c.AddBonus: Act("cycle_id", EvaluationCycle.add_bonus, ("case_id",)),
        c.ApplyVeto: Act("cycle_id", EvaluationCycle.veto, ("case_id",)),
        c.FinalizeEvaluationCycle: Act("cycle_id", EvaluationCycle.finalize),
        c.ReviewEvaluationResult: Act("cycle_id", EvaluationCycle.review),
    }
)


# Handlers of the oversight instruments, and of talks, written inquiries and 六必谈, register
# themselves in the same table (each from its own module).
from ledger import application_talks, oversight  # noqa: E402, F401
