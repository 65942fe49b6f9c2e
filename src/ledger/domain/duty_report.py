"""DutyReport: 述责述廉 — a leadership-team member's yearly report on how they carried out
their duties and kept clean (LEADER), or a 机关纪委's yearly report to the 纪工委 of the
working committee (DISCIPLINE_COMMITTEE, filed by the organ party committee 机关党委 under
which it works). It carries a summary, the hash of the document, or both."""

from __future__ import annotations

import re

from eventsourcing.domain import Aggregate

from ledger.domain.base import Stamp, Stamped, create
from ledger.domain.errors import BadInput
from ledger.domain.ids import aggregate_id
from ledger.domain.labels import values_of
from ledger.domain.values import business_id, choice, day, text

KINDS = values_of("DutyReportKind")
_SHA256 = re.compile("[0-9a-f]{64}")


def duty_report_uuid(report_id: str):
    return aggregate_id("duty-report", report_id)


class DutyReport(Aggregate):
    TOPIC = "ledger:DutyReport"

    class Created(Aggregate.Created):
        TOPIC = "ledger:DutyReport.Created"  # required by explicit topics; never emitted

    class Filed(Aggregate.Created, Stamped):
        TOPIC = "ledger:DutyReportFiled"
        NAMES = "report_id"
        report_id: str
        kind: str
        year: int
        unit_id: str
        person_id: str | None
        recipient_id: str | None
        reported_on: str
        summary: str | None
        document_hash: str | None

    def __init__(self, report_id: str, kind: str, year: int, unit_id: str, **facts: object):
        self.report_id = report_id
        self.kind = kind
        self.year = year
        self.unit_id = unit_id

    @classmethod
    def file(
        cls,
        stamp: Stamp,
        report_id: str,
        kind: str,
        year: int,
        unit_id: str,
        person_id: str | None,
        recipient_id: str | None,
        reported_on: str,
        summary: str | None,
        document_hash: str | None,
    ) -> DutyReport:
        report_id = business_id(report_id, "report id")
        kind = choice(kind, KINDS, "kind")
        if isinstance(year, bool) or not isinstance(year, int) or not 1949 <= year <= 2100:
            raise BadInput(f"year must lie between 1949 and 2100, got {year!r}")
        reported_on = day(reported_on, "reportedOn")
        if reported_on < f"{year}-01-01":
            raise BadInput(f"a report on {year} cannot be made before the year begins")
        if kind == "LEADER" and person_id is None:
            raise BadInput("a leader's report (LEADER) names the leader (personId)")
        if summary is None and document_hash is None:
            raise BadInput("a report carries a summary, a document hash, or both")
        if document_hash is not None and not _SHA256.fullmatch(document_hash):
            raise BadInput("documentHash must be a SHA-256 digest: 64 lowercase hex digits")
        return create(
            cls,
            cls.Filed,
            stamp,
            duty_report_uuid(report_id),
            report_id=report_id,
            kind=kind,
            year=year,
            unit_id=unit_id,
            person_id=person_id,
            recipient_id=recipient_id,
            reported_on=reported_on,
            summary=(
                text(summary, "summary", max_length=4000, allow_newlines=True)
                if summary is not None
                else None
            ),
            document_hash=document_hash,
        )
