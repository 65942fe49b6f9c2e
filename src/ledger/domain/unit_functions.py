"""UnitFunctions: what a unit does that a principal leader must not directly oversee (人事,
财务, 工程项目, 物资采购, 行政审批 — 主要负责人"五个不直接分管"), from a date on.

The functions form a timeline: each declaration holds from its date until the next one;
declaring again from a date already declared restates that entry (a correction). The
aggregate and the projector derive the timeline with `timeline_after`.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import Aggregate

from ledger.domain.base import Stamp, Stamped, create
from ledger.domain.errors import BadInput, Conflict
from ledger.domain.ids import aggregate_id
from ledger.domain.labels import values_of
from ledger.domain.rules.periods import day_before
from ledger.domain.values import business_id, choice, day, text

UNIT_FUNCTIONS = values_of("UnitFunction")
Entry = dict[str, Any]  # {"valid_from": ISO day, "functions": [UnitFunction, ...]}


def unit_functions_uuid(unit_id: str):
    return aggregate_id("unit-functions", unit_id)


def timeline_after(timeline: list[Entry], event: Any) -> list[Entry]:
    """The timeline once a declaration is applied: its entry replaces one from the same day."""
    entries = {e["valid_from"]: list(e["functions"]) for e in timeline}
    entries[event.valid_from] = list(event.functions)
    return [{"valid_from": k, "functions": entries[k]} for k in sorted(entries)]


def function_periods(timeline: list[Entry]) -> list[dict[str, Any]]:
    """Each function's periods (valid_to None: still carried), consecutive ones joined."""
    out: list[dict[str, Any]] = []
    for n, entry in enumerate(timeline):
        end = day_before(timeline[n + 1]["valid_from"]) if n + 1 < len(timeline) else None
        for function in entry["functions"]:
            previous = next((p for p in reversed(out) if p["function"] == function), None)
            if previous and previous["valid_to"] == day_before(entry["valid_from"]):
                previous["valid_to"] = end
            else:
                out.append(
                    {"function": function, "valid_from": entry["valid_from"], "valid_to": end}
                )
    return sorted(out, key=lambda p: (p["valid_from"], p["function"]))


def _functions(functions: list[str]) -> list[str]:
    if len(functions) > len(UNIT_FUNCTIONS) * 4:
        raise BadInput("too many functions")
    chosen = {choice(f, UNIT_FUNCTIONS, "function") for f in functions}
    return [f for f in UNIT_FUNCTIONS if f in chosen]


class Declaration(Aggregate.Event, Stamped):
    """A declaration of the unit's functions from a date on."""

    unit_id: str
    functions: list[str]
    valid_from: str
    reason: str

    def apply(self, unit: UnitFunctions) -> None:
        unit.timeline = timeline_after(unit.timeline, self)


class UnitFunctions(Aggregate):
    TOPIC = "ledger:UnitFunctions"

    class Created(Aggregate.Created):
        TOPIC = "ledger:UnitFunctions.Created"  # required by explicit topics; never emitted

    class Declared(Aggregate.Created, Stamped):
        TOPIC = "ledger:UnitFunctionsDeclared"
        NAMES = "unit_id"
        unit_id: str
        functions: list[str]
        valid_from: str
        reason: str

    class Redeclared(Declaration):
        TOPIC = "ledger:UnitFunctionsRedeclared"

    def __init__(self, unit_id: str, functions: list[str], valid_from: str, reason: str):
        self.unit_id = unit_id
        self.timeline: list[Entry] = [{"valid_from": valid_from, "functions": list(functions)}]

    @staticmethod
    def _facts(functions: list[str], valid_from: str, reason: str) -> dict[str, Any]:
        return {
            "functions": _functions(list(functions)),
            "valid_from": day(valid_from, "from"),
            "reason": text(reason, "reason", max_length=2000, allow_newlines=True)
            if reason
            else "",
        }

    @classmethod
    def declare_first(
        cls, stamp: Stamp, unit_id: str, functions: list[str], valid_from: str, reason: str
    ) -> UnitFunctions:
        unit_id = business_id(unit_id, "unit id")
        facts = cls._facts(functions, valid_from, reason)
        return create(
            cls, cls.Declared, stamp, unit_functions_uuid(unit_id), unit_id=unit_id, **facts
        )

    def declare(self, stamp: Stamp, functions: list[str], valid_from: str, reason: str) -> None:
        facts = self._facts(functions, valid_from, reason)
        same = next((e for e in self.timeline if e["valid_from"] == facts["valid_from"]), None)
        if same is not None and same["functions"] == facts["functions"]:
            raise Conflict(
                f"{self.unit_id}'s functions from {facts['valid_from']} are already exactly these"
            )
        self.trigger_event(self.Redeclared, **stamp.fields(), unit_id=self.unit_id, **facts)
