"""Mutations: each one authorises the caller, runs one command, and waits for the read models.

Every mutation returns the id it acted on and the ledger position of its last event; a
client that reads right after sees its own write (the mutation returns only once the
projections have applied that position, up to LEDGER_READ_YOUR_WRITES_TIMEOUT).
"""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry.types import Info

from ledger.api.cases import AccountabilityMeasure, DisciplineForm, Discovery, ViolationCategory
from ledger.api.organisation import PostRole, UnitKind
from ledger.api.responsibility import ResponsibilityArea, ResponsibilityKind


@strawberry.type
class MutationResult:
    id: strawberry.ID
    position: int


@strawberry.input
class RegisterUnitInput:
    id: strawberry.ID
    name: str
    kind: UnitKind
    parent_id: strawberry.ID | None = None
    idempotency_key: str | None = None


@strawberry.input
class RegisterPersonInput:
    id: strawberry.ID
    name: str
    idempotency_key: str | None = None


@strawberry.input
class AssumePostInput:
    person_id: strawberry.ID
    unit_id: strawberry.ID
    role: PostRole
    from_: date = strawberry.field(name="from")
    idempotency_key: str | None = None


@strawberry.input
class LeavePostInput:
    person_id: strawberry.ID
    unit_id: strawberry.ID
    role: PostRole
    to: date
    idempotency_key: str | None = None


@strawberry.input
class AssignResponsibilityInput:
    id: strawberry.ID
    holder_id: strawberry.ID
    kind: ResponsibilityKind
    area: ResponsibilityArea
    title: str
    scope_unit_ids: list[strawberry.ID]
    valid_from: date
    valid_to: date | None = None
    idempotency_key: str | None = None


@strawberry.input(
    description="Hand an item over (rotation, 轮岗): the old holder's validity ends the day "
    "before `effective`."
)
class TransferResponsibilityInput:
    item_id: strawberry.ID
    to_holder_id: strawberry.ID
    effective: date
    idempotency_key: str | None = None


@strawberry.input
class EndResponsibilityInput:
    item_id: strawberry.ID
    valid_to: date
    idempotency_key: str | None = None


@strawberry.input
class HolderPeriodInput:
    holder_id: strawberry.ID
    from_: date = strawberry.field(name="from")
    to: date | None = None


@strawberry.input(
    description="Restate who held an item and when (the whole holder timeline of the item)."
)
class CorrectResponsibilityInput:
    item_id: strawberry.ID
    periods: list[HolderPeriodInput]
    reason: str
    idempotency_key: str | None = None


@strawberry.input(
    description="Restate the dates of a post, found by person, unit, role and its recorded start."
)
class CorrectPostInput:
    person_id: strawberry.ID
    unit_id: strawberry.ID
    role: PostRole
    original_from: date
    from_: date = strawberry.field(name="from")
    to: date | None = None
    reason: str = ""
    idempotency_key: str | None = None


def _result(r) -> MutationResult:
    return MutationResult(id=strawberry.ID(r.id), position=r.position)


def _iso(d: date | None) -> str | None:
    return None if d is None else d.isoformat()


@strawberry.type
class OrganisationMutations:
    @strawberry.mutation
    def register_unit(self, info: Info, input: RegisterUnitInput) -> MutationResult:  # noqa: A002
        ctx = info.context
        ctx.check_scope("registerUnit", [input.parent_id] if input.parent_id else [])
        return _result(
            ctx.command(
                "registerUnit",
                input.idempotency_key,
                lambda s: ctx.ledger.app.register_unit(
                    s,
                    id=input.id,
                    name=input.name,
                    kind=input.kind.value,
                    parent_id=input.parent_id,
                ),
            )
        )

    @strawberry.mutation
    def register_person(self, info: Info, input: RegisterPersonInput) -> MutationResult:  # noqa: A002
        ctx = info.context
        return _result(
            ctx.command(
                "registerPerson",
                input.idempotency_key,
                lambda s: ctx.ledger.app.register_person(s, id=input.id, name=input.name),
            )
        )

    @strawberry.mutation
    def assume_post(self, info: Info, input: AssumePostInput) -> MutationResult:  # noqa: A002
        ctx = info.context
        ctx.check_scope("assumePost", [input.unit_id])
        return _result(
            ctx.command(
                "assumePost",
                input.idempotency_key,
                lambda s: ctx.ledger.app.assume_post(
                    s,
                    person_id=input.person_id,
                    unit_id=input.unit_id,
                    role=input.role.value,
                    valid_from=input.from_.isoformat(),
                ),
            )
        )

    @strawberry.mutation
    def leave_post(self, info: Info, input: LeavePostInput) -> MutationResult:  # noqa: A002
        ctx = info.context
        ctx.check_scope("leavePost", [input.unit_id])
        return _result(
            ctx.command(
                "leavePost",
                input.idempotency_key,
                lambda s: ctx.ledger.app.leave_post(
                    s,
                    person_id=input.person_id,
                    unit_id=input.unit_id,
                    role=input.role.value,
                    valid_to=input.to.isoformat(),
                ),
            )
        )

    @strawberry.mutation
    def correct_post(self, info: Info, input: CorrectPostInput) -> MutationResult:  # noqa: A002
        ctx = info.context
        ctx.check_scope("correctPost", [input.unit_id])
        return _result(
            ctx.command(
                "correctPost",
                input.idempotency_key,
                lambda s: ctx.ledger.app.correct_post(
                    s,
                    person_id=input.person_id,
                    unit_id=input.unit_id,
                    role=input.role.value,
                    original_from=input.original_from.isoformat(),
                    valid_from=input.from_.isoformat(),
                    valid_to=_iso(input.to),
                    reason=input.reason,
                ),
            )
        )

    @strawberry.mutation
    def assign_responsibility(self, info: Info, input: AssignResponsibilityInput) -> MutationResult:  # noqa: A002
        ctx = info.context
        ctx.check_scope("assignResponsibility", list(input.scope_unit_ids))
        return _result(
            ctx.command(
                "assignResponsibility",
                input.idempotency_key,
                lambda s: ctx.ledger.app.assign_responsibility(
                    s,
                    id=input.id,
                    holder_id=input.holder_id,
                    kind=input.kind.value,
                    area=input.area.value,
                    title=input.title,
                    scope_unit_ids=list(input.scope_unit_ids),
                    valid_from=input.valid_from.isoformat(),
                    valid_to=_iso(input.valid_to),
                ),
            )
        )

    @strawberry.mutation
    def transfer_responsibility(
        self, info: Info, input: TransferResponsibilityInput
    ) -> MutationResult:  # noqa: A002
        ctx = info.context
        ctx.check_item_scope("transferResponsibility", input.item_id)
        return _result(
            ctx.command(
                "transferResponsibility",
                input.idempotency_key,
                lambda s: ctx.ledger.app.transfer_responsibility(
                    s,
                    item_id=input.item_id,
                    to_holder_id=input.to_holder_id,
                    effective=input.effective.isoformat(),
                ),
            )
        )

    @strawberry.mutation
    def end_responsibility(self, info: Info, input: EndResponsibilityInput) -> MutationResult:  # noqa: A002
        ctx = info.context
        ctx.check_item_scope("endResponsibility", input.item_id)
        return _result(
            ctx.command(
                "endResponsibility",
                input.idempotency_key,
                lambda s: ctx.ledger.app.end_responsibility(
                    s, item_id=input.item_id, valid_to=input.valid_to.isoformat()
                ),
            )
        )

    @strawberry.mutation
    def correct_responsibility(
        self, info: Info, input: CorrectResponsibilityInput
    ) -> MutationResult:  # noqa: A002
        ctx = info.context
        ctx.check_item_scope("correctResponsibility", input.item_id)
        return _result(
            ctx.command(
                "correctResponsibility",
                input.idempotency_key,
                lambda s: ctx.ledger.app.correct_responsibility(
                    s,
                    item_id=input.item_id,
                    reason=input.reason,
                    periods=[
                        {
                            "holder_id": p.holder_id,
                            "valid_from": p.from_.isoformat(),
                            "valid_to": _iso(p.to),
                        }
                        for p in input.periods
                    ],
                ),
            )
        )


@strawberry.input
class RegisterCaseInput:
    id: strawberry.ID
    unit_id: strawberry.ID
    subject_id: strawberry.ID
    category: ViolationCategory
    discovery: Discovery
    facts_on: date
    registered_on: date
    summary: str
    facts_until: date | None = None
    idempotency_key: str | None = None


@strawberry.input
class ConcludeCaseInput:
    case_id: strawberry.ID
    form: DisciplineForm
    decision: str
    on: date
    idempotency_key: str | None = None


@strawberry.input
class CorrectCaseInput:
    case_id: strawberry.ID
    unit_id: strawberry.ID
    facts_on: date
    reason: str
    facts_until: date | None = None
    idempotency_key: str | None = None


@strawberry.input
class DetermineAccountabilityInput:
    case_id: strawberry.ID
    person_id: strawberry.ID
    measure: AccountabilityMeasure
    reason: str
    on: date
    idempotency_key: str | None = None


@strawberry.type
class CaseMutations:
    @strawberry.mutation
    def register_case(self, info: Info, input: RegisterCaseInput) -> MutationResult:  # noqa: A002
        ctx = info.context
        ctx.check_scope("registerCase", [input.unit_id])
        return _result(
            ctx.command(
                "registerCase",
                input.idempotency_key,
                lambda s: ctx.ledger.app.register_case(
                    s,
                    id=input.id,
                    unit_id=input.unit_id,
                    subject_id=input.subject_id,
                    category=input.category.value,
                    discovery=input.discovery.value,
                    facts_on=input.facts_on.isoformat(),
                    facts_until=_iso(input.facts_until),
                    registered_on=input.registered_on.isoformat(),
                    summary=input.summary,
                ),
            )
        )

    @strawberry.mutation
    def conclude_case(self, info: Info, input: ConcludeCaseInput) -> MutationResult:  # noqa: A002
        ctx = info.context
        ctx.check_case_scope("concludeCase", input.case_id)
        return _result(
            ctx.command(
                "concludeCase",
                input.idempotency_key,
                lambda s: ctx.ledger.app.conclude_case(
                    s,
                    case_id=input.case_id,
                    form=input.form.value,
                    decision=input.decision,
                    on=input.on.isoformat(),
                ),
            )
        )

    @strawberry.mutation
    def correct_case(self, info: Info, input: CorrectCaseInput) -> MutationResult:  # noqa: A002
        ctx = info.context
        ctx.check_case_scope("correctCase", input.case_id, also=[input.unit_id])
        return _result(
            ctx.command(
                "correctCase",
                input.idempotency_key,
                lambda s: ctx.ledger.app.correct_case(
                    s,
                    case_id=input.case_id,
                    unit_id=input.unit_id,
                    facts_on=input.facts_on.isoformat(),
                    facts_until=_iso(input.facts_until),
                    reason=input.reason,
                ),
            )
        )

    @strawberry.mutation
    def determine_accountability(
        self, info: Info, input: DetermineAccountabilityInput
    ) -> MutationResult:  # noqa: A002
        ctx = info.context
        ctx.check_case_scope("determineAccountability", input.case_id)
        return _result(
            ctx.command(
                "determineAccountability",
                input.idempotency_key,
                lambda s: ctx.ledger.app.determine_accountability(
                    s,
                    case_id=input.case_id,
                    person_id=input.person_id,
                    measure=input.measure.value,
                    reason=input.reason,
                    on=input.on.isoformat(),
                ),
            )
        )
