"""Unit: a working committee, organ, department, affiliated unit, organ party committee or
party branch, placed in its tree once (units never move, so their ancestors never change)."""

from __future__ import annotations

from eventsourcing.domain import Aggregate

from ledger.domain.base import Stamp, Stamped, create
from ledger.domain.errors import BadInput
from ledger.domain.ids import aggregate_id
from ledger.domain.values import UNIT_KINDS, business_id, choice, text

# Which kinds may sit directly under which. A working committee (工委) is a root; an organ is
# a root or sits under a working committee; 机关党委 sits under its organ.
ALLOWED_PARENTS: dict[str, tuple[str, ...]] = {
    "WORKING_COMMITTEE": (),
    "ORGAN": ("WORKING_COMMITTEE",),
    "DEPARTMENT": ("ORGAN", "AFFILIATED_UNIT"),
    "AFFILIATED_UNIT": ("ORGAN", "AFFILIATED_UNIT"),
    "ORGAN_PARTY_COMMITTEE": ("ORGAN",),
    "PARTY_BRANCH": ("ORGAN", "DEPARTMENT", "AFFILIATED_UNIT", "ORGAN_PARTY_COMMITTEE"),
}
ROOT_KINDS = ("WORKING_COMMITTEE", "ORGAN")


def unit_uuid(unit_id: str):
    return aggregate_id("unit", unit_id)


class Unit(Aggregate):
    TOPIC = "ledger:Unit"

    class Created(Aggregate.Created):
        TOPIC = "ledger:Unit.Created"  # required by eventsourcing's explicit topics; never emitted

    class Registered(Aggregate.Created, Stamped):
        """Version 2 added `short_name` (简称); version-1 events upcast with none."""

        TOPIC = "ledger:UnitRegistered"
        NAMES = "unit_id"
        class_version = 2
        unit_id: str
        name: str
        kind: str
        parent_id: str | None
        short_name: str | None

        @staticmethod
        def upcast_v1_v2(state: dict) -> None:
            state["short_name"] = None

    def __init__(
        self, unit_id: str, name: str, kind: str, parent_id: str | None, short_name: str | None
    ):
        self.unit_id = unit_id
        self.name = name
        self.kind = kind
        self.parent_id = parent_id
        self.short_name = short_name

    @classmethod
    def register(
        cls,
        stamp: Stamp,
        unit_id: str,
        name: str,
        kind: str,
        parent: Unit | None,
        short_name: str | None = None,
    ) -> Unit:
        unit_id = business_id(unit_id, "unit id")
        name = text(name, "unit name")
        kind = choice(kind, UNIT_KINDS, "unit kind")
        allowed = ALLOWED_PARENTS[kind]
        if parent is None and kind not in ROOT_KINDS:
            raise BadInput(f"a {kind} needs a parent unit ({' or '.join(allowed)})")
        if parent is not None and parent.kind not in allowed:
            raise BadInput(
                f"a {kind} cannot be placed under a {parent.kind}"
                + (f"; its parent must be {' or '.join(allowed)}" if allowed else "; it is a root")
            )
        return create(
            cls,
            cls.Registered,
            stamp,
            unit_uuid(unit_id),
            unit_id=unit_id,
            name=name,
            kind=kind,
            parent_id=parent.unit_id if parent else None,
            short_name=text(short_name, "short name", max_length=50) if short_name else None,
        )
