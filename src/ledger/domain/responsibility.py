"""ResponsibilityItem: one line of a leader's 责任清单, and who held it when (valid time).

The holder timeline is a list of periods. Rotation (轮岗) ends the current period the day
before `effective` and opens the new holder's; a correction restates the whole timeline.
Both the aggregate and the projector derive the timeline with `periods_after`, so the
rule lives in one place.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import Aggregate

from ledger.domain.base import Stamp, Stamped, create
from ledger.domain.errors import BadInput, Conflict
from ledger.domain.ids import aggregate_id
from ledger.domain.rules.periods import day_before
from ledger.domain.values import (
    RESPONSIBILITY_AREAS,
    RESPONSIBILITY_KINDS,
    business_id,
    choice,
    day,
    optional_day,
    ordered,
    text,
)

Period = dict[str, Any]  # {"holder_id", "valid_from", "valid_to"}
MAX_SCOPE = 200
MAX_PERIODS = 200


def item_uuid(item_id: str):
    return aggregate_id("responsibility", item_id)


def periods_after(periods: list[Period], event: Any) -> list[Period]:
    """The holder timeline once `event` is applied."""
    periods = [dict(p) for p in periods]
    if isinstance(event, ResponsibilityItem.Assigned):
        periods = [
            {
                "holder_id": event.holder_id,
                "valid_from": event.valid_from,
                "valid_to": event.valid_to,
            }
        ]
    elif isinstance(event, ResponsibilityItem.Transferred):
        last = periods[-1]
        item_end = last["valid_to"]
        last["valid_to"] = day_before(event.effective)
        periods.append(
            {"holder_id": event.to_holder_id, "valid_from": event.effective, "valid_to": item_end}
        )
    elif isinstance(event, (ResponsibilityItem.Ended, ResponsibilityItem.Lapsed)):
        periods[-1]["valid_to"] = event.valid_to
    elif isinstance(event, ResponsibilityItem.Corrected):
        periods = [dict(p) for p in event.periods]
    return periods


class HoldersRestated(Aggregate.Event, Stamped):
    """An event that changes who held an item when: the aggregate and the projector both
    derive the timeline with `periods_after`."""

    def apply(self, item: ResponsibilityItem) -> None:
        item.periods = periods_after(item.periods, self)


class ResponsibilityItem(Aggregate):
    TOPIC = "ledger:ResponsibilityItem"

    class Created(Aggregate.Created):
        TOPIC = "ledger:ResponsibilityItem.Created"  # required by explicit topics; never emitted

    class Assigned(Aggregate.Created, Stamped):
        TOPIC = "ledger:ResponsibilityAssigned"
        NAMES = "item_id"
        item_id: str
        holder_id: str
        kind: str
        area: str
        title: str
        scope_unit_ids: list[str]
        valid_from: str
        valid_to: str | None

    class Transferred(HoldersRestated):
        TOPIC = "ledger:ResponsibilityTransferred"
        from_holder_id: str
        to_holder_id: str
        effective: str

    class Ended(HoldersRestated):
        TOPIC = "ledger:ResponsibilityEnded"
        valid_to: str

    class Lapsed(HoldersRestated):
        """The holder left their last leadership post: the item ends with it (reason says so)."""

        TOPIC = "ledger:ResponsibilityLapsed"
        valid_to: str
        reason: str

    class Corrected(HoldersRestated):
        TOPIC = "ledger:ResponsibilityCorrected"
        periods: list[dict]
        reason: str

    def __init__(
        self,
        item_id: str,
        holder_id: str,
        kind: str,
        area: str,
        title: str,
        scope_unit_ids: list[str],
        valid_from: str,
        valid_to: str | None,
    ):
        self.item_id = item_id
        self.kind = kind
        self.area = area
        self.title = title
        self.scope_unit_ids = list(scope_unit_ids)
        self.periods: list[Period] = [
            {"holder_id": holder_id, "valid_from": valid_from, "valid_to": valid_to}
        ]

    @property
    def holder_id(self) -> str:
        return self.periods[-1]["holder_id"]

    @classmethod
    def assign(
        cls,
        stamp: Stamp,
        item_id: str,
        holder_id: str,
        kind: str,
        area: str,
        title: str,
        scope_unit_ids: list[str],
        valid_from: str,
        valid_to: str | None,
    ) -> ResponsibilityItem:
        item_id = business_id(item_id, "responsibility item id")
        valid_from = day(valid_from, "validFrom")
        valid_to = optional_day(valid_to, "validTo")
        ordered(valid_from, valid_to, "the responsibility item")
        scope = list(dict.fromkeys(scope_unit_ids))
        if not scope:
            raise BadInput("a responsibility item must cover at least one unit (scopeUnitIds)")
        if len(scope) > MAX_SCOPE:
            raise BadInput(f"a responsibility item covers at most {MAX_SCOPE} units")
        return create(
            cls,
            cls.Assigned,
            stamp,
            item_uuid(item_id),
            item_id=item_id,
            holder_id=holder_id,
            kind=choice(kind, RESPONSIBILITY_KINDS, "responsibility kind"),
            area=choice(area, RESPONSIBILITY_AREAS, "responsibility area"),
            title=text(title, "title", max_length=500),
            scope_unit_ids=scope,
            valid_from=valid_from,
            valid_to=valid_to,
        )

    def transfer(self, stamp: Stamp, to_holder_id: str, effective: str) -> None:
        effective = day(effective, "effective")
        current = self.periods[-1]
        if to_holder_id == current["holder_id"]:
            raise Conflict(f"{to_holder_id} already holds {self.item_id}")
        if effective <= current["valid_from"]:
            raise BadInput(
                f"the transfer takes effect {effective}, not after the current holder's start "
                f"{current['valid_from']}"
            )
        if current["valid_to"] is not None and effective > current["valid_to"]:
            raise Conflict(f"{self.item_id} ended on {current['valid_to']}, before {effective}")
        self.trigger_event(
            self.Transferred,
            **stamp.fields(),
            from_holder_id=current["holder_id"],
            to_holder_id=to_holder_id,
            effective=effective,
        )

    def end(self, stamp: Stamp, valid_to: str) -> None:
        valid_to = day(valid_to, "validTo")
        current = self.periods[-1]
        if current["valid_to"] is not None:
            raise Conflict(f"{self.item_id} already ended on {current['valid_to']}")
        ordered(current["valid_from"], valid_to, "the responsibility item")
        self.trigger_event(self.Ended, **stamp.fields(), valid_to=valid_to)

    def lapse(self, stamp: Stamp, valid_to: str, reason: str) -> None:
        """End the current holder's period on `valid_to`, the day they left their post."""
        current = self.periods[-1]
        ordered(current["valid_from"], valid_to, f"{self.item_id} held by {current['holder_id']}")
        self.trigger_event(self.Lapsed, **stamp.fields(), valid_to=valid_to, reason=reason)

    def held_after(self, holder_id: str, day: str) -> bool:
        """Is the current period held by `holder_id` and still running after `day`?"""
        current = self.periods[-1]
        return current["holder_id"] == holder_id and (
            current["valid_to"] is None or current["valid_to"] > day
        )

    def correct(self, stamp: Stamp, periods: list[Period], reason: str) -> None:
        reason = text(reason, "reason", max_length=2000, allow_newlines=True)
        if not periods:
            raise BadInput("a correction must state at least one holder period")
        if len(periods) > MAX_PERIODS:
            raise BadInput(f"a correction states at most {MAX_PERIODS} holder periods")
        restated: list[Period] = []
        for n, p in enumerate(periods, 1):
            start = day(p["valid_from"], f"period {n} from")
            end = optional_day(p.get("valid_to"), f"period {n} to")
            ordered(start, end, f"period {n}")
            restated.append({"holder_id": p["holder_id"], "valid_from": start, "valid_to": end})
        restated.sort(key=lambda p: p["valid_from"])
        for before, after in zip(restated, restated[1:], strict=False):
            if before["valid_to"] is None or before["valid_to"] >= after["valid_from"]:
                raise BadInput(
                    f"holder periods overlap: {before['holder_id']} from {before['valid_from']} "
                    f"and {after['holder_id']} from {after['valid_from']}"
                )
        if restated == self.periods:
            raise Conflict("the correction restates the timeline exactly as recorded")
        self.trigger_event(self.Corrected, **stamp.fields(), periods=restated, reason=reason)
