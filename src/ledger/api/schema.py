"""The GraphQL schema: the contract's queries and mutations, assembled from the type modules."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator
from datetime import UTC, date, datetime
from typing import Annotated

import anyio
import strawberry
from graphql import GraphQLError
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types import Info

from ledger.api.access import AccessQueries
from ledger.api.admission import Admission
from ledger.api.cases import (
    AccountabilityChain,
    CadreRank,
    Case,
    CaseMutations,
    CaseStatistics,
    ViolationCategory,
    cases_from,
    chain_for,
    statistics_for,
)
from ledger.api.context import Context, as_of_text, instant, text_filter
from ledger.api.evaluation import (
    EvaluationCycle,
    EvaluationMutations,
    EvaluationResult,
    cycle_from,
    load_cycle,
    results_for,
)
from ledger.api.history import LedgerEvent, LedgerEventPage, events_from
from ledger.api.integrity import IntegrityQueries
from ledger.api.labels import EnumLabel, enum_labels
from ledger.api.letters import (
    LetterMutations,
    PageInfo,
    TaskLetter,
    TaskLetterConnection,
    TaskLetterEdge,
    TaskLetterStatus,
    TransmissionLevel,
    decode_cursor,
    encode_cursor,
    letters_from,
)
from ledger.api.organisation import (
    OrganisationMutations,
    Person,
    Unit,
    UnitKind,
    check_person_scope,
    load_person,
    load_unit,
    units_from,
)
from ledger.api.oversight import OversightMutations, OversightQueries
from ledger.api.reads import guard_reads
from ledger.api.responsibility import ResponsibilityList, ResponsibilityMutations, items_from
from ledger.api.talks import TalkMutations, TalkQueries
from ledger.domain.errors import BadInput, NotFound
from ledger.integrity.access import AccessLog
from ledger.permissions import outside_scope
from projections import cases as case_rows
from projections import evaluation as ev_rows
from projections import event_index
from projections import letters as letter_rows
from projections import organisation as org
from projections import responsibility as resp

MAX_PAGE = 500


@strawberry.type
class Query(IntegrityQueries, AccessQueries, OversightQueries, TalkQueries):
    """Every query reads the read models only. The view has authenticated the caller before
    any resolver runs; restricted reads are guarded from `ledger.permissions.READS`, and
    unit scope binds every read: lists are filtered, a single object outside the token's
    units is refused exactly as one that does not exist would be for that token."""

    @strawberry.field
    def unit(self, info: Info, id: strawberry.ID) -> Unit | None:
        info.context.check_scope(str(id), f"unit {id}")
        return load_unit(info, str(id), [])

    @strawberry.field
    def units(
        self, info: Info, kind: UnitKind | None = None, parent_id: strawberry.ID | None = None
    ) -> list[Unit]:
        ctx = info.context
        rows = ctx.read(
            lambda tx: org.list_units(
                tx, kind.value if kind else None, str(parent_id) if parent_id else None
            )
        )
        return units_from([r for r in rows if ctx.in_scope(r.unit_id)])

    @strawberry.field
    def person(self, info: Info, id: strawberry.ID) -> Person | None:
        check_person_scope(info, str(id))
        return load_person(info, str(id), [])

    @strawberry.field
    def responsibility_list(
        self,
        info: Info,
        person_id: strawberry.ID,
        as_of: date | None = None,
        known_at: datetime | None = None,
    ) -> ResponsibilityList:
        ctx = info.context
        check_person_scope(info, str(person_id))
        holder = load_person(info, str(person_id), [])
        if holder is None:
            raise NotFound(f"no person {person_id!r}")
        day, position = as_of_text(as_of), ctx.position(known_at)
        rows = ctx.read(lambda tx: resp.responsibility_list(tx, str(person_id), day, position))
        if ctx.scoped:  # only the items that cover a unit in scope
            scopes = ctx.read(lambda tx: resp.scopes(tx, [r.item_id for r in rows]))
            rows = [r for r in rows if ctx.any_in_scope(scopes[r.item_id])]
        return ResponsibilityList(
            holder=holder,
            as_of=date.fromisoformat(day),
            known_at=known_at or datetime.now(UTC),
            items=items_from(rows),
        )

    @strawberry.field(description="a letter as the ledger knew it at knownAt (default: now)")
    def task_letter(
        self, info: Info, id: strawberry.ID, known_at: datetime | None = None
    ) -> TaskLetter | None:
        position = info.context.position(known_at)
        row = info.context.read(lambda tx: letter_rows.letters_by_id(tx, [str(id)], position)).get(
            str(id)
        )
        info.context.check_scope(row.recipient_id if row else None, f"task letter {id}")
        return letters_from([row], position)[0] if row else None

    @strawberry.field(
        description="letters in issue order, as a keyset connection stable under inserts; as "
        "the ledger knew them at knownAt (default: now)"
    )
    def task_letters(
        self,
        info: Info,
        recipient_id: strawberry.ID | None = None,
        issuer_id: strawberry.ID | None = None,
        status: TaskLetterStatus | None = None,
        first: int | None = 50,
        after: str | None = None,
        known_at: datetime | None = None,
    ) -> TaskLetterConnection:
        first = 50 if first is None else first
        if not 1 <= first <= MAX_PAGE:
            raise BadInput(f"first must lie between 1 and {MAX_PAGE}")
        after_seq = decode_cursor(after)
        position = info.context.position(known_at)
        found, more, total = info.context.read(
            lambda tx: letter_rows.letters_page(
                tx,
                recipient_id=str(recipient_id) if recipient_id else None,
                issuer_id=str(issuer_id) if issuer_id else None,
                status=status.value if status else None,
                first=first,
                after_seq=after_seq,
                scope=info.context.scope_sql("recipient_id"),
                position=position,
            )
        )
        edges = [
            TaskLetterEdge(cursor=encode_cursor(r.seq), node=n)
            for r, n in zip(found, letters_from(found, position), strict=True)
        ]
        return TaskLetterConnection(
            edges=edges,
            total_count=total,
            page_info=PageInfo(has_next_page=more, end_cursor=edges[-1].cursor if edges else after),
        )

    @strawberry.field(
        description="层层传导: per depth below the root, how letters fare on asOf, as the "
        "ledger knew them at knownAt (default: now)"
    )
    def responsibility_transmission(
        self,
        info: Info,
        root_unit_id: strawberry.ID,
        as_of: date | None = None,
        known_at: datetime | None = None,
    ) -> list[TransmissionLevel]:
        info.context.check_scope(str(root_unit_id), f"unit {root_unit_id}")
        if load_unit(info, str(root_unit_id), []) is None:
            raise NotFound(f"no unit {root_unit_id!r}")
        day, position = as_of_text(as_of), info.context.position(known_at)
        levels = info.context.read(
            lambda tx: letter_rows.transmission(tx, str(root_unit_id), day, position)
        )
        return [
            TransmissionLevel(
                depth=v.depth,
                letters=v.letters,
                acknowledged_rate=v.acknowledged_rate,
                completed_rate=v.completed_rate,
                overdue_tasks=v.overdue_tasks,
            )
            for v in levels
        ]

    @strawberry.field
    def evaluation_cycle(self, info: Info, id: strawberry.ID) -> EvaluationCycle | None:
        row = load_cycle(info, str(id))
        if info.context.scoped and not (row and info.context.any_in_scope(row.unit_ids)):
            raise outside_scope(f"evaluation cycle {id}")
        return cycle_from(row) if row else None

    @strawberry.field(
        description="evaluation cycles, newest year first: of `year`, and covering `unitId` or "
        "a unit below it"
    )
    def evaluation_cycles(
        self, info: Info, year: int | None = None, unit_id: strawberry.ID | None = None
    ) -> list[EvaluationCycle]:
        ctx = info.context
        if unit_id is not None:
            ctx.check_scope(str(unit_id), f"unit {unit_id}")

        def load(tx):
            ids = ev_rows.cycle_ids(tx, year, str(unit_id) if unit_id else None)
            return [ev_rows.cycle(tx, i) for i in ids]

        rows = [r for r in ctx.read(load) if r and ctx.any_in_scope(r.unit_ids)]
        return [cycle_from(r) for r in rows]

    @strawberry.field
    def evaluation_result(
        self,
        info: Info,
        cycle_id: strawberry.ID,
        unit_id: strawberry.ID,
        known_at: datetime | None = None,
    ) -> EvaluationResult | None:
        info.context.check_scope(str(unit_id), f"unit {unit_id}")
        return next(
            (
                r
                for r in results_for(info, str(cycle_id), known_at)
                if str(r.unit.id) == str(unit_id)
            ),
            None,
        )

    @strawberry.field
    def case(self, info: Info, id: strawberry.ID) -> Case | None:
        row = info.context.read(lambda tx: case_rows.cases_by_id(tx, [str(id)])).get(str(id))
        info.context.check_scope(row.unit_id if row else None, f"case {id}")
        return cases_from([row])[0] if row else None

    @strawberry.field(description="cases registered in [from, to], in the unit's subtree")
    def cases(
        self,
        info: Info,
        unit_id: strawberry.ID | None = None,
        from_: Annotated[date | None, strawberry.argument(name="from")] = None,
        to: date | None = None,
        category: ViolationCategory | None = None,
    ) -> list[Case]:
        selection = case_rows.CaseFilter(
            str(unit_id) if unit_id else None,
            from_.isoformat() if from_ else None,
            to.isoformat() if to else None,
            category.value if category else None,
            scope=info.context.scope_sql("c.unit_id"),
        )
        return cases_from(info.context.read(lambda tx: case_rows.list_cases(tx, selection)))

    @strawberry.field
    def accountability_chain(
        self, info: Info, case_id: strawberry.ID, known_at: datetime | None = None
    ) -> AccountabilityChain:
        return chain_for(info, str(case_id), known_at)

    @strawberry.field(
        description="counts and shares of cases in a subtree over a period (政治生态分析报告)"
    )
    def case_statistics(
        self,
        info: Info,
        root_unit_id: strawberry.ID,
        from_: Annotated[date | None, strawberry.argument(name="from")] = None,
        to: date | None = None,
        rank: CadreRank | None = None,
        submitted_for_approval: bool | None = None,
    ) -> CaseStatistics:
        info.context.check_scope(str(root_unit_id), f"unit {root_unit_id}")
        selection = case_rows.CaseFilter(
            str(root_unit_id),
            from_.isoformat() if from_ else None,
            to.isoformat() if to else None,
            rank=rank.value if rank else None,
            submitted_for_approval=submitted_for_approval,
        )
        return statistics_for(info, selection)

    @strawberry.field(
        description="labels of every enum value (zh or en), for dashboards and exports"
    )
    def labels(self, lang: str | None = "zh") -> list[EnumLabel]:
        return enum_labels(lang or "zh")

    @strawberry.field(description="every event of one entity, oldest first")
    def history(self, info: Info, entity_id: strawberry.ID) -> list[LedgerEvent]:
        ctx = info.context
        scope = ctx.scope_sql("unit_id")
        rows = ctx.read(lambda tx: event_index.history(tx, str(entity_id), scope=scope))
        return events_from(ctx, rows)

    @strawberry.field(
        description="the global log, in position order; optional filters for inspectors"
    )
    def events(
        self,
        info: Info,
        after: int | None = 0,
        first: int | None = 100,
        entity_id: strawberry.ID | None = None,
        type: str | None = None,
        actor: str | None = None,
        recorded_from: datetime | None = None,
        recorded_to: datetime | None = None,
    ) -> LedgerEventPage:
        after, first = after or 0, 100 if first is None else first
        if not 1 <= first <= MAX_PAGE:
            raise BadInput(f"first must lie between 1 and {MAX_PAGE}")
        if after < 0:
            raise BadInput("after must not be negative")
        entity_id = text_filter(str(entity_id) if entity_id else None, "entityId")
        type, actor = text_filter(type, "type"), text_filter(actor, "actor")
        recorded_from = instant(recorded_from, "recordedFrom") if recorded_from else None
        recorded_to = instant(recorded_to, "recordedTo") if recorded_to else None
        rows = info.context.read(
            lambda tx: event_index.events_page(
                tx,
                after,
                first,
                entity_id=str(entity_id) if entity_id else None,
                type=type,
                actor=actor,
                recorded_from=recorded_from,
                recorded_to=recorded_to,
                scope=info.context.scope_sql("unit_id"),
            )
        )
        events = events_from(info.context, rows)
        return LedgerEventPage(events=events, last=events[-1].position if events else after)


@strawberry.type
class Mutation(
    OrganisationMutations,
    ResponsibilityMutations,
    LetterMutations,
    EvaluationMutations,
    CaseMutations,
    OversightMutations,
    TalkMutations,
):
    """One line per mutation, in each feature's module; see `ledger.api.mutations`."""


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="new events as they are committed, optionally filtered by event type"
    )
    async def ledger_events(
        self, info: Info, types: list[str] | None = None
    ) -> AsyncGenerator[LedgerEvent, None]:
        """Every event committed after subscribing, once, in position order.

        One shared poller per API process reads the event index and fans new rows out to
        every subscriber (see `ledger.api.feed`); the filter is applied per subscriber.
        """
        from ledger.api.feed import feed_for

        ctx = info.context
        wanted = set(types or [])
        subscriber = await feed_for(ctx.ledger).subscribe()
        rows = subscriber.rows()
        try:
            while True:
                row = await next_before_expiry(rows, ctx.caller.expires_at)
                if row is None:
                    return
                if wanted and row.type not in wanted:
                    continue
                if not await anyio.to_thread.run_sync(deliverable, ctx, row):
                    continue  # an event of a unit outside the token's scope
                yield LedgerEvent.from_row(row)
        finally:
            await rows.aclose()


async def next_before_expiry(rows, expires_at: int | None):
    """The next event, or the end of the subscription when the token expires first (the
    client then gets an UNAUTHENTICATED error message and must subscribe again)."""
    remaining = None if expires_at is None else expires_at - time.time()
    try:
        if remaining is not None and remaining <= 0:
            raise TimeoutError
        return await asyncio.wait_for(anext(rows), remaining)
    except StopAsyncIteration:
        return None
    except TimeoutError:
        raise GraphQLError(
            "the token has expired: subscribe again with a new one",
            extensions={"code": "UNAUTHENTICATED"},
        ) from None


def deliverable(ctx: Context, row) -> bool:
    """Scope and personal data, per event: a scoped token gets events of its units only; a
    raw event carrying personal data (`event_index.personal_entities`) is written to the
    access log before it is sent."""
    if ctx.scoped:
        units = ctx.read(lambda tx: event_index.units_of_event(tx, row.position))
        if not ctx.any_in_scope(units):
            return False
    personal = event_index.personal_entities(row)
    if personal:
        AccessLog(ctx.ledger.app.recorder).append(
            ctx.caller.subject, ctx.caller.role, "ledgerEvents", set(personal)
        )
    return True


class LedgerSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context=None) -> None:
        """Errors are logged once, with their ids, by `Admission` (`ledger.api.errors.coded`)."""


class StoppableExecution(StrawberryGraphQLCoreExecutionContext):
    """Execution that checks, at every object it completes, whether the request is over
    (deadline passed, client gone): `Context.tick` raises `RequestStopped` then."""

    def execute_fields(self, parent_type, source_value, path, fields, position_context):  # type: ignore[no-untyped-def]
        context = self.context_value
        if type(context) is Context:
            context.tick()
        return super().execute_fields(parent_type, source_value, path, fields, position_context)


schema = LedgerSchema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    execution_context_class=StoppableExecution,
    extensions=[Admission],  # limits, cost, remembered documents, coded errors: one extension
)
guard_reads(schema)
