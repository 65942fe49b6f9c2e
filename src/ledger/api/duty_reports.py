"""GraphQL types for 述责述廉 reports and who has not reported for a year."""

from __future__ import annotations

from datetime import date, datetime

import strawberry
from strawberry.types import Info

from ledger import commands
from ledger.api.context import as_of_text
from ledger.api.inputs import graphql_enum
from ledger.api.mutations import mutation
from ledger.api.organisation import Person, Unit, load_person, load_unit
from ledger.domain.errors import BadInput
from projections import duty_reports as rows

DutyReportKind = graphql_enum("DutyReportKind")


@strawberry.type(description="述责述廉 — a yearly report on duties and integrity.")
class DutyReport:
    id: strawberry.ID
    kind: DutyReportKind
    year: int
    reported_on: date
    document_hash: str | None = strawberry.field(description="SHA-256 of the report document")
    row: strawberry.Private[rows.DutyReportRow]
    peers: strawberry.Private[tuple[rows.DutyReportRow, ...]]

    @strawberry.field(
        description="the unit whose team the leader sits on, or the organ party committee"
    )
    def unit(self, info: Info) -> Unit:
        return load_unit(info, self.row.unit_id, [p.unit_id for p in self.peers])

    @strawberry.field
    def person(self, info: Info) -> Person | None:
        if not self.row.person_id:
            return None
        return load_person(
            info, self.row.person_id, [p.person_id for p in self.peers if p.person_id]
        )

    @strawberry.field(description="the 纪工委's working committee, for a 机关纪委's report")
    def recipient(self, info: Info) -> Unit | None:
        if not self.row.recipient_id:
            return None
        return load_unit(info, self.row.recipient_id, [p.recipient_id for p in self.peers])

    @strawberry.field(description="what was reported: personal data (null for VIEWER and BRANCH)")
    def summary(self, info: Info) -> str | None:
        if self.row.summary is not None:
            info.context.access(self.row.report_id)
        return self.row.summary


def reports_from(found: list[rows.DutyReportRow]) -> list[DutyReport]:
    peers = tuple(found)
    return [
        DutyReport(
            id=strawberry.ID(r.report_id),
            kind=DutyReportKind(r.kind),
            year=r.year,
            reported_on=date.fromisoformat(r.reported_on),
            document_hash=r.document_hash,
            row=r,
            peers=peers,
        )
        for r in found
    ]


@strawberry.type(description="A report owed for a year and not made (as recorded by knownAt).")
class MissingDutyReport:
    kind: DutyReportKind
    unit_id: strawberry.Private[str]
    person_id: strawberry.Private[str | None]
    peers: strawberry.Private[tuple]

    @strawberry.field
    def unit(self, info: Info) -> Unit:
        return load_unit(info, self.unit_id, [p.unit_id for p in self.peers])

    @strawberry.field(description="the leader who owes it (null for a 机关纪委's report)")
    def person(self, info: Info) -> Person | None:
        if self.person_id is None:
            return None
        return load_person(info, self.person_id, [p.person_id for p in self.peers if p.person_id])


def _year(year: int) -> int:
    if not 1949 <= year <= 2100:
        raise BadInput(f"year must lie between 1949 and 2100, got {year}")
    return year


@strawberry.type
class DutyReportQueries:
    @strawberry.field(description="述责述廉 reports in the unit's subtree, for a year (or all)")
    def duty_reports(
        self,
        info: Info,
        unit_id: strawberry.ID | None = None,
        year: int | None = None,
        known_at: datetime | None = None,
    ) -> list[DutyReport]:
        ctx = info.context
        position = ctx.position(known_at)
        found = ctx.read(
            lambda tx: rows.reports_in(
                tx,
                str(unit_id) if unit_id else None,
                _year(year) if year is not None else None,
                position,
                ctx.scope_sql("unit_id"),
            )
        )
        return reports_from(found)

    @strawberry.field(
        description="who owes a 述责述廉 report for `year` and has not made it: each member of a "
        "unit's leadership team (PRINCIPAL, TEAM_MEMBER, DISCIPLINE_SECRETARY) on asOf "
        "(default: the year's last day), each organ party committee (for its 机关纪委) under a "
        "working committee"
    )
    def missing_duty_reports(
        self,
        info: Info,
        year: int,
        unit_id: strawberry.ID | None = None,
        as_of: date | None = None,
        known_at: datetime | None = None,
    ) -> list[MissingDutyReport]:
        ctx = info.context
        year = _year(year)
        day = as_of_text(as_of) if as_of else f"{year}-12-31"
        position = ctx.position(known_at)
        owed = ctx.read(
            lambda tx: rows.owed_reports(
                tx,
                str(unit_id) if unit_id else None,
                year,
                day,
                position,
                ctx.scope_sql("u.unit_id"),
            )
        )
        peers = tuple(owed)
        return [
            MissingDutyReport(
                kind=DutyReportKind(o.kind), unit_id=o.unit_id, person_id=o.person_id, peers=peers
            )
            for o in owed
        ]


@strawberry.type
class DutyReportMutations:
    file_duty_report = mutation(commands.FileDutyReport)
