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

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar
from uuid import UUID

import structlog
from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from ledger import commands as c
from ledger import permissions
from ledger.domain.base import Stamp, event_type
from ledger.domain.case import Case, case_uuid
from ledger.domain.errors import BadInput, Conflict, Forbidden, NotFound
from ledger.domain.evaluation import EvaluationCycle, cycle_uuid
from ledger.domain.idempotency import IdempotencyKey, key_uuid
from ledger.domain.letter import TaskLetter, letter_uuid
from ledger.domain.person import Person, person_uuid
from ledger.domain.responsibility import ResponsibilityItem, item_uuid
from ledger.domain.unit import Unit, unit_uuid
from ledger.domain.values import business_id
from ledger.store import EventLogSQL, StoreConfig, parse_store_url

log = structlog.get_logger("ledger.command")
A = TypeVar("A", bound=Aggregate)
C = TypeVar("C", bound=c.Command)
MAX_ATTEMPTS = 5

Decision = tuple[str, Sequence[Aggregate]]
Handler = Callable[["LedgerApplication", Any, Stamp], Decision]
HANDLERS: dict[type[c.Command], Handler] = {}


def handles(command: type[C]) -> Callable[[Callable[[LedgerApplication, C, Stamp], Decision]], Any]:
    def register(handler: Callable[[LedgerApplication, C, Stamp], Decision]) -> Any:
        HANDLERS[command] = handler
        return handler

    return register


class ReadSide(Protocol):
    """What the write side asks of the read models (as recorded now, after catching up)."""

    def wait_for(self, position: int, timeout: float | None = None) -> bool: ...

    def chain_members(self, case_id: str) -> set[str]: ...


@dataclass(frozen=True)
class CommandResult:
    """What every mutation returns: the id acted on and the position of its last event."""

    id: str
    position: int
    replayed: bool = False


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
        # A unit's ancestors never change (units are placed once), so they are cached.
        self._lineage: dict[str, tuple[str, ...]] = {}

    # ------------------------------------------------------------------ execute

    def execute(self, command: c.Command, stamp: Stamp, *, wait: bool = True) -> CommandResult:
        """Run one command: idempotency, authorisation, decide, one atomic save (retried
        when another writer got there first), then wait for the read models (unless a bulk
        loader says it catches up itself: `wait=False`)."""
        handler = HANDLERS[type(command)]
        name, fingerprint = command.mutation(), command.fingerprint()
        self.authorise(command, stamp)
        for _ in range(MAX_ATTEMPTS):
            if stamp.idempotency_key:
                replay = self._replay(name, stamp.idempotency_key, fingerprint)
                if replay:
                    log.info("command.replayed", command=name, actor=stamp.actor, id=replay.id)
                    if wait:
                        self.read_side.wait_for(replay.position)
                    return replay
            result_id, aggregates = handler(self, command, stamp)
            aggregates = list(aggregates)
            if stamp.idempotency_key:
                aggregates.append(IdempotencyKey.use(stamp, name, fingerprint, result_id))
            try:
                recordings = self.save(*aggregates)
            except IntegrityError:
                continue  # someone else appended first: reload and decide again
            position = max(r.notification.id for r in recordings)
            log.info(
                "command",
                command=name,
                actor=stamp.actor,
                id=result_id,
                position=position,
                events=[event_type(r.domain_event) for r in recordings],
            )
            for listener in self.listeners:
                listener(position)
            if wait:
                self.read_side.wait_for(position)
            return CommandResult(result_id, position)
        raise Conflict(f"{name}: too many concurrent changes to the same entity; retry")

    def _replay(self, command: str, key: str, fingerprint: str) -> CommandResult | None:
        try:
            used = self.repository.get(key_uuid(key))
        except AggregateNotFoundError:
            return None
        if used.command != command or used.fingerprint != fingerprint:
            raise Conflict(f"idempotencyKey {key!r} was already used for a different request")
        position = self.log_sql.position_of(key_uuid(key), 1) or 0
        return CommandResult(used.result_id, position, replayed=True)

    def authorise(self, command: c.Command, stamp: Stamp) -> None:
        """Role, then unit scope: every unit the command's scope fields name must lie in the
        subtree of one of the token's units. Unknown ids get the out-of-scope answer."""
        rule = permissions.check_role(type(command), stamp.role, bool(stamp.units))
        if not stamp.units or not rule.scope:
            return
        units: list[str] = []
        for spec in rule.scope:
            field, _, attribute = spec.partition(".")
            value = getattr(command, field)
            if value is None:
                continue
            if attribute:
                try:
                    value = getattr(self.entity(field, value), attribute)
                except NotFound:
                    raise permissions.outside_scope(value) from None
            units.extend([value] if isinstance(value, str) else value)
        if not units:
            raise Forbidden(f"{command.mutation()} here needs a token that is not limited to units")
        for unit_id in dict.fromkeys(units):
            try:
                inside = set(self.lineage(unit_id)) & set(stamp.units)
            except (NotFound, BadInput):
                inside = set()
            if not inside:
                raise permissions.outside_scope(unit_id)

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
        if self.exists(uuid):
            raise Conflict(f"{what} {business!r} is already registered")

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
        person, ...): NOT_FOUND when it does not exist."""
        kind = field.removeprefix("to_").removesuffix("_id")
        loaders = {"case": self.case, "item": self.item, "letter": self.letter}
        loaders.update(cycle=self.cycle, unit=self.unit, person=self.person, holder=self.person)
        return loaders[kind](value)

    def lineage(self, unit_id: str) -> tuple[str, ...]:
        """The unit and its ancestors up to its organ, from the write side's own units."""
        if unit_id not in self._lineage:
            unit = self.unit(unit_id)
            above = self.lineage(unit.parent_id) if unit.parent_id else ()
            self._lineage[unit_id] = (unit_id, *above)
        return self._lineage[unit_id]


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
    app.new(item.id, "responsibility item", cmd.id)
    return cmd.id, [item]


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
    return cmd.item_id, [item]


# ---------------------------------------------------------------------- cases, 一案双查


@handles(c.RegisterCase)
def register_case(app: LedgerApplication, cmd: c.RegisterCase, stamp: Stamp) -> Decision:
    business_id(cmd.id, "case id")
    app.unit(cmd.unit_id)
    app.person(cmd.subject_id)
    case = Case.register(
        stamp,
        cmd.id,
        cmd.unit_id,
        cmd.subject_id,
        cmd.category,
        cmd.discovery,
        cmd.facts_on,
        cmd.facts_until,
        cmd.registered_on,
        cmd.summary,
    )
    app.new(case.id, "case", cmd.id)
    return cmd.id, [case]


@handles(c.DetermineAccountability)
def determine_accountability(
    app: LedgerApplication, cmd: c.DetermineAccountability, stamp: Stamp
) -> Decision:
    case = app.case(cmd.case_id)
    app.person(cmd.person_id)
    chain = app.read_side.chain_members(cmd.case_id)
    case.determine_accountability(stamp, cmd.person_id, cmd.measure, cmd.reason, cmd.on, chain)
    return cmd.case_id, [case]


# ---------------------------------------------------------------------- task letters


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
        c.LeavePost: Act("person_id", Person.leave_post, ("unit_id",)),
        c.CorrectPost: Act("person_id", Person.correct_post, ("unit_id",)),
        c.TransferResponsibility: Act("item_id", ResponsibilityItem.transfer, ("to_holder_id",)),
        c.EndResponsibility: Act("item_id", ResponsibilityItem.end),
        c.ConcludeCase: Act("case_id", Case.conclude),
        c.CorrectCase: Act("case_id", Case.correct, ("unit_id",)),
        c.ReportTaskProgress: Act("letter_id", TaskLetter.report_progress),
        c.CorrectTaskProgress: Act("letter_id", TaskLetter.correct_progress),
        c.CompleteTask: Act("letter_id", TaskLetter.complete),
        c.WithdrawTaskLetter: Act("letter_id", TaskLetter.withdraw),
        c.RecordScore: Act("cycle_id", EvaluationCycle.record_score),
        c.DeductScore: Act("cycle_id", EvaluationCycle.deduct, ("case_id",)),
        c.AddBonus: Act("cycle_id", EvaluationCycle.add_bonus, ("case_id",)),
        c.ApplyVeto: Act("cycle_id", EvaluationCycle.veto, ("case_id",)),
        c.FinalizeEvaluationCycle: Act("cycle_id", EvaluationCycle.finalize),
    }
)
