"""Finding: a problem that 巡察, 专项检查, 审计 or 明察暗访 found in a unit (part 三(二) of the
source text: follow up what inspections find until it is rectified). Its rectification
orders are aggregates of their own (`ledger.domain.rectification`)."""

from __future__ import annotations

from eventsourcing.domain import Aggregate

from ledger.domain.base import Stamp, Stamped, create
from ledger.domain.ids import aggregate_id
from ledger.domain.labels import values_of
from ledger.domain.values import business_id, choice, day, text

FINDING_SOURCES = values_of("FindingSource")


def finding_uuid(finding_id: str):
    return aggregate_id("finding", finding_id)


class Finding(Aggregate):
    TOPIC = "ledger:Finding"

    class Created(Aggregate.Created):
        TOPIC = "ledger:Finding.Created"  # required by explicit topics; never emitted

    class Recorded(Aggregate.Created, Stamped):
        TOPIC = "ledger:FindingRecorded"
        NAMES = "finding_id"
        finding_id: str
        unit_id: str
        source: str
        found_on: str
        description: str

    def __init__(self, finding_id: str, unit_id: str, source: str, found_on: str, description: str):
        self.finding_id = finding_id
        self.unit_id = unit_id
        self.source = source
        self.found_on = found_on

    @classmethod
    def record(
        cls,
        stamp: Stamp,
        finding_id: str,
        unit_id: str,
        source: str,
        found_on: str,
        description: str,
    ) -> Finding:
        finding_id = business_id(finding_id, "finding id")
        return create(
            cls,
            cls.Recorded,
            stamp,
            finding_uuid(finding_id),
            finding_id=finding_id,
            unit_id=unit_id,
            source=choice(source, FINDING_SOURCES, "source"),
            found_on=day(found_on, "foundOn"),
            description=text(description, "description", max_length=4000, allow_newlines=True),
        )
