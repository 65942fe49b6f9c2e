"""Commands: one frozen dataclass per mutation, in the domain's words.

A command is what a caller asks the ledger to do, as plain data: ids, ISO dates, enum
values as strings. The GraphQL input of a mutation turns into its command in one step
(`ledger.api.mutations.command_from`), the demo and the benchmarks build commands directly,
and `LedgerApplication.execute` runs any of them the same way: fingerprint (idempotency),
authorise (`ledger.permissions`), decide (the handler table), save, wait for read models.

The mutation's name is the class name in camelCase (`RegisterUnit` -> `registerUnit`).
A field's name on the wire is its own name in camelCase unless `wire("...")` says otherwise
(`valid_from` travels as `from`); the fingerprint of a command is taken over those names, so
that a retried request is recognised whatever the client's field order.

Adding a command: a dataclass here, a handler in `ledger.application`, a row in
`ledger.permissions.WRITES`, a GraphQL input type and a one-line mutation in `ledger.api`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from strawberry.utils.str_converters import to_camel_case


def wire(name: str, default: Any = dataclasses.MISSING) -> Any:
    """A field whose name on the wire (GraphQL input, fingerprint) is not its camelCase."""
    if default is dataclasses.MISSING:
        return field(metadata={"wire": name})
    return field(default=default, metadata={"wire": name})


def wire_name(f: dataclasses.Field) -> str:
    return f.metadata.get("wire") or to_camel_case(f.name)


@dataclass(frozen=True)
class Command:
    """Base of every command; subclasses are frozen dataclasses of plain values."""

    @classmethod
    def mutation(cls) -> str:
        """The GraphQL mutation (and idempotency) name: the class name in camelCase."""
        return cls.__name__[0].lower() + cls.__name__[1:]

    def wire(self) -> dict[str, Any]:
        """The command as its request carried it: wire names at the top, plain values."""
        return {
            wire_name(f): _plain(getattr(self, f.name))
            for f in dataclasses.fields(self)  # type: ignore[arg-type]
        }

    def fingerprint(self) -> str:
        """Same request, same fingerprint: what an idempotency key is checked against."""
        payload = json.dumps([self.mutation(), self.wire()], sort_keys=True, default=str)
        return hashlib.sha256(payload.encode()).hexdigest()


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value):
        return dataclasses.asdict(value)  # type: ignore[arg-type]
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


# ---------------------------------------------------------------------- organisation


@dataclass(frozen=True)
class RegisterUnit(Command):
    id: str
    name: str
    kind: str
    parent_id: str | None = None
    short_name: str | None = None


@dataclass(frozen=True)
class RegisterPerson(Command):
    id: str
    name: str


@dataclass(frozen=True)
class AssumePost(Command):
    person_id: str
    unit_id: str
    role: str
    valid_from: str = wire("from")


@dataclass(frozen=True)
class LeavePost(Command):
    person_id: str
    unit_id: str
    role: str
    valid_to: str = wire("to")


@dataclass(frozen=True)
class CorrectPost(Command):
    """Restate the dates of a post, found by person, unit, role and its recorded start."""

    person_id: str
    unit_id: str
    role: str
    original_from: str
    valid_from: str = wire("from")
    valid_to: str | None = wire("to", None)
    reason: str = ""


# ---------------------------------------------------------------------- responsibility


@dataclass(frozen=True)
class AssignResponsibility(Command):
    id: str
    holder_id: str
    kind: str
    area: str
    title: str
    scope_unit_ids: tuple[str, ...]
    valid_from: str
    valid_to: str | None = None


@dataclass(frozen=True)
class TransferResponsibility(Command):
    """Rotation (轮岗): the old holder's validity ends the day before `effective`."""

    item_id: str
    to_holder_id: str
    effective: str


@dataclass(frozen=True)
class EndResponsibility(Command):
    item_id: str
    valid_to: str


@dataclass(frozen=True)
class HolderPeriod:
    holder_id: str
    valid_from: str = wire("from")
    valid_to: str | None = wire("to", None)


@dataclass(frozen=True)
class CorrectResponsibility(Command):
    """Restate who held an item and when: the whole holder timeline."""

    item_id: str
    periods: tuple[HolderPeriod, ...]
    reason: str


# ---------------------------------------------------------------------- cases, 一案双查


@dataclass(frozen=True)
class RegisterCase(Command):
    id: str
    unit_id: str
    subject_id: str
    category: str
    discovery: str
    facts_on: str
    registered_on: str
    summary: str
    facts_until: str | None = None


@dataclass(frozen=True)
class ConcludeCase(Command):
    case_id: str
    form: str
    decision: str
    on: str


@dataclass(frozen=True)
class CorrectCase(Command):
    case_id: str
    unit_id: str
    facts_on: str
    reason: str
    facts_until: str | None = None


@dataclass(frozen=True)
class DetermineAccountability(Command):
    case_id: str
    person_id: str
    measure: str
    reason: str
    on: str


# ---------------------------------------------------------------------- task letters


@dataclass(frozen=True)
class TaskSpec:
    task_id: str = wire("id")
    title: str
    area: str
    deadline: str


@dataclass(frozen=True)
class IssueTaskLetter(Command):
    id: str
    number: str
    title: str
    issuer_id: str
    recipient_id: str
    issued_on: str
    tasks: tuple[TaskSpec, ...]


@dataclass(frozen=True)
class AcknowledgeTaskLetter(Command):
    letter_id: str
    person_id: str
    on: str


@dataclass(frozen=True)
class ReportTaskProgress(Command):
    letter_id: str
    task_id: str
    percent: int
    note: str
    on: str


@dataclass(frozen=True)
class CorrectTaskProgress(Command):
    """Restate a task's progress, backwards if need be, with a reason."""

    letter_id: str
    task_id: str
    percent: int
    reason: str


@dataclass(frozen=True)
class CompleteTask(Command):
    letter_id: str
    task_id: str
    on: str
    evidence: str


@dataclass(frozen=True)
class WithdrawTaskLetter(Command):
    letter_id: str
    on: str
    reason: str


# ---------------------------------------------------------------------- evaluation


@dataclass(frozen=True)
class Criterion:
    code: str
    title: str
    max_points: float


@dataclass(frozen=True)
class GradeBands:
    excellent: float = 90.0
    good: float = 80.0
    pass_: float = wire("pass", 60.0)

    def thresholds(self) -> dict[str, float]:
        return {"EXCELLENT": self.excellent, "GOOD": self.good, "PASS": self.pass_}


@dataclass(frozen=True)
class OpenEvaluationCycle(Command):
    id: str
    year: int
    title: str
    period_from: str
    period_to: str
    unit_ids: tuple[str, ...]
    criteria: tuple[Criterion, ...]
    passive_case_deduction: float = 2.0
    veto_roles: tuple[str, ...] | None = None
    grade_bands: GradeBands | None = None


@dataclass(frozen=True)
class RecordScore(Command):
    cycle_id: str
    unit_id: str
    criterion: str
    points: float


@dataclass(frozen=True)
class ScoreAdjustment(Command):
    """Points taken off or added by hand, with a reason (and the case it follows from)."""

    cycle_id: str
    unit_id: str
    points: float
    reason: str
    case_id: str | None = None


class DeductScore(ScoreAdjustment):
    """扣分: `points` are taken off (a positive number)."""


class AddBonus(ScoreAdjustment):
    """加分: `points` are added."""


@dataclass(frozen=True)
class ApplyVeto(Command):
    cycle_id: str
    unit_id: str
    reason: str
    case_id: str | None = None


@dataclass(frozen=True)
class FinalizeEvaluationCycle(Command):
    cycle_id: str
