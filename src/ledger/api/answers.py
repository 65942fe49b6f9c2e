"""An exact answer cache: a query's answer is a pure function of what it reads.

What a query answers depends only on the read models (their generation, which a rebuild
renews, and their position), the document and its
operation name, its variables, the caller's role and unit scope (what they may see), the
date that `asOf` defaults to (today in China) and the cost budget it was admitted under. A
key made of exactly these finds an answer computed before at the same position, so it is
correct by construction: a write moves the position and the key with it, and a rebuild
swapped in (by this process or another) changes the generation, even where it leaves the
position where it was (a projector's new revision or settings answer differently from the
same log). Both are read from the tracking rows before the answer is looked up or computed,
so what an answer reads is at least as new as its key says. A document over the caller's
cost budget is not looked up at all: it reads nothing before it is refused.

Not cached: mutations, answers with errors, large answers, and documents that read
something other than the read models or the clock's now (the access log, the live event
store behind the integrity fields, and the `knownAt` fields that echo the request's time).

A hit still does what the answer obliges: if the answer carries personal case data, its
access record is written before it leaves (the cache keeps which cases it names), exactly
as for a computed answer.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from functools import lru_cache
from typing import Any

from graphql import FieldNode
from graphql.language import Visitor, visit

from ledger.api.admission import EVENT_STORE_FIELDS, parsed, the_query
from ledger.api.context import Context, today
from projections.runner import ReadModelState

MAX_ANSWER_BYTES = 64 * 1024  # bigger answers are computed each time (memory stays bounded)
# Fields whose answer is not a function of the read models' position: those answered from
# the event store, and `knownAt`, which echoes the request's time when no knownAt was asked.
UNCACHEABLE_FIELDS = EVENT_STORE_FIELDS | {"knownAt"}


@lru_cache(maxsize=1024)
def cacheable(query: str, operation_name: str | None) -> bool:
    """May answers to this document be cached? (Decided once per distinct text.)"""
    if the_query(query, operation_name) is None:
        return False

    class Fields(Visitor):
        found = False

        def enter_field(self, node: FieldNode, *_: Any) -> None:
            if node.name.value in UNCACHEABLE_FIELDS:
                Fields.found = True

    visit(parsed(query), Fields())  # fragments too
    return not Fields.found


Cost = Callable[[str, "str | None", "dict | None"], int]


class Answers:
    """Answers by key, least recently used first out; thread-safe. `cost` gives the static
    cost of a text with its operation and variables (`ledger.api.admission`)."""

    def __init__(self, size: int, cost: Cost | None = None):
        self.size = size
        self._cost = cost
        self._entries: OrderedDict[Hashable, tuple[Any, frozenset[str]]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0  # tests and /metrics read them
        self._generation: int | None = None
        self._position = 0

    def question(
        self, context: Context, query: str, operation_name: str | None, variables: dict | None
    ) -> tuple | None:
        """Everything in an answer's key but the read models' state; None when this answer
        is not to be cached or looked up (not cacheable, or over the caller's budget)."""
        if self.size <= 0 or not cacheable(query, operation_name):
            return None
        caller = context.caller
        try:
            canonical = json.dumps(variables or {}, sort_keys=True, separators=(",", ":"))
        except (TypeError, ValueError):
            return None
        budget = context.cost_budget()
        if self._cost is not None and self._cost(query, operation_name, variables) > budget:
            return None
        units = None if caller.units is None else tuple(sorted(caller.units))
        return (
            query,
            operation_name,
            canonical,
            caller.role,
            units,
            today().isoformat(),
            budget,
        )

    @staticmethod
    def key(state: ReadModelState, question: tuple) -> Hashable:
        return (state.generation, state.position, *question)

    def get(self, key: Hashable) -> tuple[Any, frozenset[str]] | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return found

    def put(self, key: Hashable, data: Any, accessed: set[str]) -> None:
        try:
            size = len(json.dumps(data, ensure_ascii=False, separators=(",", ":")))
        except (TypeError, ValueError):
            return
        if size > MAX_ANSWER_BYTES:
            return
        with self._lock:
            self._entries[key] = (data, frozenset(accessed))
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def observe(self, state: ReadModelState) -> None:
        """Forget every answer once the read models are others (a rebuild swapped in, or a
        reset): none of them can be asked for again, and they would only take room."""
        if state.generation != self._generation or state.position < self._position:
            self.clear()
        self._generation, self._position = state.generation, state.position

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
