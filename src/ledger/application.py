"""The write side: one method per mutation, one `save` (one transaction) per command.

Each command loads what it needs, lets the aggregates decide, and saves every new event
together with the idempotency key (if any) in a single atomic save. A refused command
raises a `LedgerError` before anything is saved, so it appends nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from uuid import UUID

import structlog
from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from ledger.domain.base import Stamp, event_type
from ledger.domain.case import Case, case_uuid
from ledger.domain.errors import Conflict, NotFound
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
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class CommandResult:
    """What every mutation returns: the id acted on and the position of its last event."""

    id: str
    position: int
    replayed: bool = False


class LedgerApplication(Application):
    name = "Ledger"
    snapshotting_intervals = {Person: 50, ResponsibilityItem: 50}  # noqa: RUF012

    def __init__(self, store: StoreConfig | str):
        self.store = parse_store_url(store) if isinstance(store, str) else store
        if self.store.sqlite_path is not None:
            self.store.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        super().__init__(env=self.store.eventsourcing_env())
        self.log_sql = EventLogSQL(self.recorder, self.store)
        self.listeners: list[Callable[[int], None]] = []
        # Who is in a case's accountability chain, as the read models know it now; set by
        # `Ledger.open` (the chain is resolved from bitemporal read models, not a replay).
        self.chain_members: Callable[[str], set[str]] | None = None

    # ------------------------------------------------------------------ plumbing

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

    def unit(self, unit_id: str) -> Unit:
        return self.load(Unit, unit_uuid(business_id(unit_id, "unit id")), "unit", unit_id)

    def person(self, person_id: str) -> Person:
        return self.load(
            Person, person_uuid(business_id(person_id, "person id")), "person", person_id
        )

    def item(self, item_id: str) -> ResponsibilityItem:
        return self.load(
            ResponsibilityItem,
            item_uuid(business_id(item_id, "item id")),
            "responsibility item",
            item_id,
        )

    def case(self, case_id: str) -> Case:
        return self.load(Case, case_uuid(business_id(case_id, "case id")), "case", case_id)

    def letter(self, letter_id: str) -> TaskLetter:
        return self.load(
            TaskLetter, letter_uuid(business_id(letter_id, "letter id")), "task letter", letter_id
        )

    def cycle(self, cycle_id: str) -> EvaluationCycle:
        return self.load(
            EvaluationCycle,
            cycle_uuid(business_id(cycle_id, "cycle id")),
            "evaluation cycle",
            cycle_id,
        )

    def is_below(self, unit_id: str, ancestor_id: str) -> bool:
        """Is `unit_id` strictly below `ancestor_id`? Walks the (short) chain of parents."""
        current = self.unit(unit_id)
        for _ in range(64):
            if current.parent_id is None:
                return False
            if current.parent_id == ancestor_id:
                return True
            current = self.unit(current.parent_id)
        return False

    def _new(self, uuid: UUID, what: str, business: str) -> None:
        if self.exists(uuid):
            raise Conflict(f"{what} {business!r} is already registered")

    def execute(
        self,
        command: str,
        stamp: Stamp,
        inputs: dict[str, Any],
        decide: Callable[[], tuple[str, Sequence[Aggregate]]],
    ) -> CommandResult:
        """Run one command: idempotency check, decide, one atomic save, retry on a clash."""
        fingerprint = hashlib.sha256(
            json.dumps([command, inputs], sort_keys=True, default=str).encode()
        ).hexdigest()
        for _ in range(MAX_ATTEMPTS):
            if stamp.idempotency_key:
                replay = self._replay(command, stamp.idempotency_key, fingerprint)
                if replay:
                    log.info(
                        "command.replayed",
                        command=command,
                        actor=stamp.actor,
                        id=replay.id,
                        position=replay.position,
                    )
                    return replay
            result_id, aggregates = decide()
            aggregates = list(aggregates)
            if stamp.idempotency_key:
                aggregates.append(IdempotencyKey.use(stamp, command, fingerprint, result_id))
            try:
                recordings = self.save(*aggregates)
            except IntegrityError:
                continue  # someone else appended first: reload and decide again
            position = max(r.notification.id for r in recordings)
            log.info(
                "command",
                command=command,
                actor=stamp.actor,
                id=result_id,
                position=position,
                events=[event_type(r.domain_event) for r in recordings],
            )
            for listener in self.listeners:
                listener(position)
            return CommandResult(result_id, position)
        raise Conflict(f"{command}: too many concurrent changes to the same entity; retry")

    def _replay(self, command: str, key: str, fingerprint: str) -> CommandResult | None:
        try:
            used = self.repository.get(key_uuid(key))
        except AggregateNotFoundError:
            return None
        if used.command != command or used.fingerprint != fingerprint:
            raise Conflict(f"idempotencyKey {key!r} was already used for a different request")
        position = self.log_sql.position_of(key_uuid(key), 1) or 0
        return CommandResult(used.result_id, position, replayed=True)

    # ------------------------------------------------------------------ organisation

    def register_unit(
        self,
        stamp: Stamp,
        *,
        id: str,
        name: str,
        kind: str,
        parent_id: str | None = None,
        short_name: str | None = None,
    ) -> CommandResult:
        def decide():
            business_id(id, "unit id")
            parent = self.unit(parent_id) if parent_id else None
            unit = Unit.register(stamp, id, name, kind, parent, short_name)
            self._new(unit.id, "unit", id)
            return id, [unit]

        return self.execute(
            "registerUnit",
            stamp,
            {"id": id, "name": name, "kind": kind, "parentId": parent_id, "shortName": short_name},
            decide,
        )

    def register_person(self, stamp: Stamp, *, id: str, name: str) -> CommandResult:
        def decide():
            person = Person.register(stamp, id, name)
            self._new(person.id, "person", id)
            return id, [person]

        return self.execute("registerPerson", stamp, {"id": id, "name": name}, decide)

    def assume_post(
        self, stamp: Stamp, *, person_id: str, unit_id: str, role: str, valid_from: str
    ) -> CommandResult:
        def decide():
            person = self.person(person_id)
            self.unit(unit_id)
            person.assume_post(stamp, unit_id, role, valid_from)
            return person_id, [person]

        return self.execute(
            "assumePost",
            stamp,
            {"personId": person_id, "unitId": unit_id, "role": role, "from": str(valid_from)},
            decide,
        )

    def leave_post(
        self, stamp: Stamp, *, person_id: str, unit_id: str, role: str, valid_to: str
    ) -> CommandResult:
        def decide():
            person = self.person(person_id)
            self.unit(unit_id)
            person.leave_post(stamp, unit_id, role, valid_to)
            return person_id, [person]

        return self.execute(
            "leavePost",
            stamp,
            {"personId": person_id, "unitId": unit_id, "role": role, "to": str(valid_to)},
            decide,
        )

    def correct_post(
        self,
        stamp: Stamp,
        *,
        person_id: str,
        unit_id: str,
        role: str,
        original_from: str,
        valid_from: str,
        valid_to: str | None,
        reason: str,
    ) -> CommandResult:
        def decide():
            person = self.person(person_id)
            self.unit(unit_id)
            person.correct_post(stamp, unit_id, role, original_from, valid_from, valid_to, reason)
            return person_id, [person]

        return self.execute(
            "correctPost",
            stamp,
            {
                "personId": person_id,
                "unitId": unit_id,
                "role": role,
                "originalFrom": str(original_from),
                "from": str(valid_from),
                "to": None if valid_to is None else str(valid_to),
                "reason": reason,
            },
            decide,
        )

    # ------------------------------------------------------------------ responsibility

    def assign_responsibility(
        self,
        stamp: Stamp,
        *,
        id: str,
        holder_id: str,
        kind: str,
        area: str,
        title: str,
        scope_unit_ids: list[str],
        valid_from: str,
        valid_to: str | None = None,
    ) -> CommandResult:
        def decide():
            business_id(id, "responsibility item id")
            self.person(holder_id)
            # The domain checks the scope's size before one unit is loaded per listed id.
            item = ResponsibilityItem.assign(
                stamp, id, holder_id, kind, area, title, scope_unit_ids, valid_from, valid_to
            )
            for unit_id in dict.fromkeys(scope_unit_ids):
                self.unit(unit_id)
            self._new(item.id, "responsibility item", id)
            return id, [item]

        return self.execute(
            "assignResponsibility",
            stamp,
            {
                "id": id,
                "holderId": holder_id,
                "kind": kind,
                "area": area,
                "title": title,
                "scopeUnitIds": list(scope_unit_ids),
                "validFrom": str(valid_from),
                "validTo": None if valid_to is None else str(valid_to),
            },
            decide,
        )

    def transfer_responsibility(
        self, stamp: Stamp, *, item_id: str, to_holder_id: str, effective: str
    ) -> CommandResult:
        def decide():
            item = self.item(item_id)
            self.person(to_holder_id)
            item.transfer(stamp, to_holder_id, effective)
            return item_id, [item]

        return self.execute(
            "transferResponsibility",
            stamp,
            {"itemId": item_id, "toHolderId": to_holder_id, "effective": str(effective)},
            decide,
        )

    def end_responsibility(self, stamp: Stamp, *, item_id: str, valid_to: str) -> CommandResult:
        def decide():
            item = self.item(item_id)
            item.end(stamp, valid_to)
            return item_id, [item]

        return self.execute(
            "endResponsibility", stamp, {"itemId": item_id, "validTo": str(valid_to)}, decide
        )

    def correct_responsibility(
        self, stamp: Stamp, *, item_id: str, periods: list[dict[str, Any]], reason: str
    ) -> CommandResult:
        def decide():
            item = self.item(item_id)
            item.correct(stamp, periods, reason)  # bounded and well-formed before any load
            for holder_id in dict.fromkeys(p["holder_id"] for p in periods):
                self.person(holder_id)
            return item_id, [item]

        return self.execute(
            "correctResponsibility",
            stamp,
            {
                "itemId": item_id,
                "periods": [
                    {k: str(v) if v is not None else None for k, v in p.items()} for p in periods
                ],
                "reason": reason,
            },
            decide,
        )

    # ------------------------------------------------------------------ cases, 一案双查

    def register_case(
        self,
        stamp: Stamp,
        *,
        id: str,
        unit_id: str,
        subject_id: str,
        category: str,
        discovery: str,
        facts_on: str,
        facts_until: str | None,
        registered_on: str,
        summary: str,
    ) -> CommandResult:
        def decide():
            business_id(id, "case id")
            self.unit(unit_id)
            self.person(subject_id)
            case = Case.register(
                stamp,
                id,
                unit_id,
                subject_id,
                category,
                discovery,
                facts_on,
                facts_until,
                registered_on,
                summary,
            )
            self._new(case.id, "case", id)
            return id, [case]

        return self.execute(
            "registerCase",
            stamp,
            {
                "id": id,
                "unitId": unit_id,
                "subjectId": subject_id,
                "category": category,
                "discovery": discovery,
                "factsOn": str(facts_on),
                "factsUntil": None if facts_until is None else str(facts_until),
                "registeredOn": str(registered_on),
                "summary": summary,
            },
            decide,
        )

    def conclude_case(
        self, stamp: Stamp, *, case_id: str, form: str, decision: str, on: str
    ) -> CommandResult:
        def decide():
            case = self.case(case_id)
            case.conclude(stamp, form, decision, on)
            return case_id, [case]

        return self.execute(
            "concludeCase",
            stamp,
            {"caseId": case_id, "form": form, "decision": decision, "on": str(on)},
            decide,
        )

    def determine_accountability(
        self, stamp: Stamp, *, case_id: str, person_id: str, measure: str, reason: str, on: str
    ) -> CommandResult:
        def decide():
            case = self.case(case_id)
            self.person(person_id)
            chain = self.chain_members(case_id) if self.chain_members else set()
            case.determine_accountability(stamp, person_id, measure, reason, on, chain)
            return case_id, [case]

        return self.execute(
            "determineAccountability",
            stamp,
            {
                "caseId": case_id,
                "personId": person_id,
                "measure": measure,
                "reason": reason,
                "on": str(on),
            },
            decide,
        )

    def correct_case(
        self,
        stamp: Stamp,
        *,
        case_id: str,
        unit_id: str,
        facts_on: str,
        facts_until: str | None,
        reason: str,
    ) -> CommandResult:
        def decide():
            case = self.case(case_id)
            self.unit(unit_id)
            case.correct(stamp, unit_id, facts_on, facts_until, reason)
            return case_id, [case]

        return self.execute(
            "correctCase",
            stamp,
            {
                "caseId": case_id,
                "unitId": unit_id,
                "factsOn": str(facts_on),
                "factsUntil": None if facts_until is None else str(facts_until),
                "reason": reason,
            },
            decide,
        )

    # ------------------------------------------------------------------ task letters

    def issue_task_letter(
        self,
        stamp: Stamp,
        *,
        id: str,
        number: str,
        title: str,
        issuer_id: str,
        recipient_id: str,
        issued_on: str,
        tasks: list[dict[str, Any]],
    ) -> CommandResult:
        def decide():
            business_id(id, "letter id")
            self.unit(issuer_id)
            self.unit(recipient_id)
            letter = TaskLetter.issue(
                stamp,
                id,
                number,
                title,
                issuer_id,
                recipient_id,
                issued_on,
                tasks,
                self.is_below(recipient_id, issuer_id),
            )
            self._new(letter.id, "task letter", id)
            return id, [letter]

        return self.execute(
            "issueTaskLetter",
            stamp,
            {
                "id": id,
                "number": number,
                "title": title,
                "issuerId": issuer_id,
                "recipientId": recipient_id,
                "issuedOn": str(issued_on),
                "tasks": [{k: str(v) for k, v in t.items()} for t in tasks],
            },
            decide,
        )

    def _letter_command(
        self,
        name: str,
        stamp: Stamp,
        letter_id: str,
        inputs: dict,
        act: Callable[[TaskLetter], None],
    ) -> CommandResult:
        def decide():
            letter = self.letter(letter_id)
            act(letter)
            return letter_id, [letter]

        return self.execute(name, stamp, {"letterId": letter_id, **inputs}, decide)

    def acknowledge_task_letter(
        self, stamp: Stamp, *, letter_id: str, person_id: str, on: str
    ) -> CommandResult:
        return self._letter_command(
            "acknowledgeTaskLetter",
            stamp,
            letter_id,
            {"personId": person_id, "on": str(on)},
            lambda letter: letter.acknowledge(stamp, person_id, self.person(person_id).posts, on),
        )

    def report_task_progress(
        self, stamp: Stamp, *, letter_id: str, task_id: str, percent: int, note: str, on: str
    ) -> CommandResult:
        return self._letter_command(
            "reportTaskProgress",
            stamp,
            letter_id,
            {"taskId": task_id, "percent": percent, "note": note, "on": str(on)},
            lambda letter: letter.report_progress(stamp, task_id, percent, note, on),
        )

    def correct_task_progress(
        self, stamp: Stamp, *, letter_id: str, task_id: str, percent: int, reason: str
    ) -> CommandResult:
        return self._letter_command(
            "correctTaskProgress",
            stamp,
            letter_id,
            {"taskId": task_id, "percent": percent, "reason": reason},
            lambda letter: letter.correct_progress(stamp, task_id, percent, reason),
        )

    def complete_task(
        self, stamp: Stamp, *, letter_id: str, task_id: str, on: str, evidence: str
    ) -> CommandResult:
        return self._letter_command(
            "completeTask",
            stamp,
            letter_id,
            {"taskId": task_id, "on": str(on), "evidence": evidence},
            lambda letter: letter.complete(stamp, task_id, on, evidence),
        )

    def withdraw_task_letter(
        self, stamp: Stamp, *, letter_id: str, on: str, reason: str
    ) -> CommandResult:
        return self._letter_command(
            "withdrawTaskLetter",
            stamp,
            letter_id,
            {"on": str(on), "reason": reason},
            lambda letter: letter.withdraw(stamp, on, reason),
        )

    # ------------------------------------------------------------------ evaluation

    def open_evaluation_cycle(
        self,
        stamp: Stamp,
        *,
        id: str,
        year: int,
        title: str,
        period_from: str,
        period_to: str,
        unit_ids: list[str],
        criteria: list[dict[str, Any]],
        passive_case_deduction: float = 2.0,
        veto_roles: list[str] | None = None,
        grade_bands: dict[str, float] | None = None,
    ) -> CommandResult:
        def decide():
            business_id(id, "cycle id")
            cycle = EvaluationCycle.open(
                stamp,
                id,
                year,
                title,
                period_from,
                period_to,
                unit_ids,
                criteria,
                passive_case_deduction,
                veto_roles,
                grade_bands,
            )
            for unit_id in cycle.unit_ids:  # deduplicated and bounded by the domain
                self.unit(unit_id)
            self._new(cycle.id, "evaluation cycle", id)
            return id, [cycle]

        return self.execute(
            "openEvaluationCycle",
            stamp,
            {
                "id": id,
                "year": year,
                "title": title,
                "periodFrom": str(period_from),
                "periodTo": str(period_to),
                "unitIds": list(unit_ids),
                "criteria": criteria,
                "passiveCaseDeduction": passive_case_deduction,
                "vetoRoles": veto_roles,
                "gradeBands": grade_bands,
            },
            decide,
        )

    def _cycle_command(
        self,
        name: str,
        stamp: Stamp,
        cycle_id: str,
        inputs: dict,
        act: Callable[[EvaluationCycle], None],
        case_id: str | None = None,
    ) -> CommandResult:
        def decide():
            cycle = self.cycle(cycle_id)
            if case_id is not None:
                self.case(case_id)
            act(cycle)
            return cycle_id, [cycle]

        return self.execute(name, stamp, {"cycleId": cycle_id, **inputs}, decide)

    def record_score(
        self, stamp: Stamp, *, cycle_id: str, unit_id: str, criterion: str, points: float
    ) -> CommandResult:
        return self._cycle_command(
            "recordScore",
            stamp,
            cycle_id,
            {"unitId": unit_id, "criterion": criterion, "points": points},
            lambda cycle: cycle.record_score(stamp, unit_id, criterion, points),
        )

    def deduct_score(
        self,
        stamp: Stamp,
        *,
        cycle_id: str,
        unit_id: str,
        points: float,
        reason: str,
        case_id: str | None = None,
    ) -> CommandResult:
        return self._cycle_command(
            "deductScore",
            stamp,
            cycle_id,
            {"unitId": unit_id, "points": points, "reason": reason, "caseId": case_id},
            lambda cycle: cycle.deduct(stamp, unit_id, points, reason, case_id),
            case_id,
        )

    def add_bonus(
        self,
        stamp: Stamp,
        *,
        cycle_id: str,
        unit_id: str,
        points: float,
        reason: str,
        case_id: str | None = None,
    ) -> CommandResult:
        return self._cycle_command(
            "addBonus",
            stamp,
            cycle_id,
            {"unitId": unit_id, "points": points, "reason": reason, "caseId": case_id},
            lambda cycle: cycle.add_bonus(stamp, unit_id, points, reason, case_id),
            case_id,
        )

    def apply_veto(
        self, stamp: Stamp, *, cycle_id: str, unit_id: str, reason: str, case_id: str | None = None
    ) -> CommandResult:
        return self._cycle_command(
            "applyVeto",
            stamp,
            cycle_id,
            {"unitId": unit_id, "reason": reason, "caseId": case_id},
            lambda cycle: cycle.veto(stamp, unit_id, reason, case_id),
            case_id,
        )

    def finalize_evaluation_cycle(self, stamp: Stamp, *, cycle_id: str) -> CommandResult:
        return self._cycle_command(
            "finalizeEvaluationCycle", stamp, cycle_id, {}, lambda cycle: cycle.finalize(stamp)
        )
