"""Prometheus metrics: GraphQL operations, events appended, projection positions and lag.

Two kinds of numbers, kept apart on purpose:

- Counted in the process that sees them (operations and their latency, events appended,
  open subscriptions). Under `ledger serve --workers N` a scrape reaches one worker at
  random, so these use prometheus_client's **multiprocess mode** whenever
  `PROMETHEUS_MULTIPROC_DIR` is set (docker-compose sets it and empties the directory on
  start): every worker writes its samples to files there and `/metrics` on any worker sums
  them. Without the variable (one process: tests, `ledger serve` with one worker) they are
  ordinary in-process metrics.
- Read from the database at scrape time (log head, each projector's position, its lag in
  events and in seconds). These are the same whichever process answers, so they are never
  aggregated across workers.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from ledger.service import Ledger

MULTIPROCESS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST
LATENCY_BUCKETS = (
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
)
# Operation names come from clients: bound the label values a scrape can carry.

REQUESTS = Counter(
    "ledger_graphql_requests_total",
    "GraphQL operations handled, by operation (its name, else its root fields), type and outcome",
    ["operation", "type", "outcome"],
)
LATENCY = Histogram(
    "ledger_graphql_request_duration_seconds",
    "GraphQL operation latency in the server (read-your-writes waits included)",
    ["operation", "type"],
    buckets=LATENCY_BUCKETS,
)
EVENTS = Counter(
    "ledger_events_appended_total",
    "events appended to the log by this deployment's API processes, by event type",
    ["type"],
)
STOPPED = Counter(
    "ledger_graphql_requests_stopped_total",
    "GraphQL requests whose work was stopped: past their deadline, or their client hung up",
    ["reason"],
)
SUBSCRIPTIONS = Gauge(
    "ledger_subscriptions_active",
    "open ledgerEvents subscriptions",
    multiprocess_mode="livesum",
)


def multiprocess() -> bool:
    return bool(os.environ.get(MULTIPROCESS_DIR_VARIABLE))


# ---------------------------------------------------------------------- operations


@lru_cache(maxsize=512)
def _describe(query: str, operation_name: str | None) -> tuple[str, str]:
    """(operation label, operation type) of a document; parsed once per distinct text.

    The label is the first root field the operation asks for, when the schema declares it:
    never a name the client chose, so anonymous callers cannot grow the label set."""
    from graphql import OperationDefinitionNode, parse

    try:
        document = parse(query, max_tokens=2000, no_location=True)
    except Exception:
        return "invalid", "unknown"
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = next(
        (o for o in operations if operation_name and o.name and o.name.value == operation_name),
        operations[0] if operations else None,
    )
    if chosen is None:
        return "invalid", "unknown"
    kind = chosen.operation.value
    declared = _root_fields().get(kind, frozenset())
    fields = [
        s.name.value
        for s in chosen.selection_set.selections
        if hasattr(s, "name") and s.name.value in declared
    ]
    return (fields[0] if fields else "other"), kind


@lru_cache(maxsize=1)
def _root_fields() -> dict[str, frozenset[str]]:
    """The root fields of each operation type, as the schema declares them."""
    from ledger.api.schema import schema

    root = schema._schema
    types = {"query": root.query_type, "mutation": root.mutation_type}
    types["subscription"] = root.subscription_type
    return {kind: frozenset(t.fields) if t else frozenset() for kind, t in types.items()}


def operation_of(query: str | None, operation_name: str | None) -> tuple[str, str]:
    if not query:
        return "missing", "unknown"
    return _describe(query, operation_name)


def observe_operation(
    query: str | None, operation_name: str | None, seconds: float, errors: list[Any] | None
) -> None:
    """One GraphQL operation done: count it, by outcome, and time it."""
    label, kind = operation_of(query, operation_name)
    if not errors:
        outcome = "ok"
    else:
        codes = {
            (getattr(e, "extensions", None) or {}).get("code") or getattr(e, "code", None)
            for e in errors
        }
        codes.discard(None)
        outcome = sorted(codes)[0] if codes else "ERROR"
    REQUESTS.labels(label, kind, outcome).inc()
    LATENCY.labels(label, kind).observe(seconds)


def observe_stopped(reason: str) -> None:
    STOPPED.labels(reason).inc()


# ---------------------------------------------------------------------- events


def instrument(ledger: Ledger) -> None:
    """Count every event this process appends, by type (wraps the application's `save`)."""
    app = ledger.app
    if getattr(app, "_metrics_instrumented", False):
        return
    save = app.save

    def counted_save(*objs: Any, **kwargs: Any) -> Any:
        from ledger.domain.base import event_type

        recordings = save(*objs, **kwargs)
        for r in recordings or ():
            try:
                name = event_type(r.domain_event)
            except AttributeError:
                name = type(r.domain_event).__name__
            EVENTS.labels(name).inc()
        return recordings

    app.save = counted_save  # type: ignore[method-assign]
    app._metrics_instrumented = True  # type: ignore[attr-defined]


# ---------------------------------------------------------------------- projections


class ProjectionCollector(Collector):
    """Log head and projection positions, read from the database when scraped."""

    def __init__(self, ledger: Ledger):
        self.ledger = ledger

    def describe(self) -> list:
        return []

    def collect(self) -> Iterator[GaugeMetricFamily]:
        ledger = self.ledger
        up = GaugeMetricFamily("ledger_store_up", "1 when the store answered this scrape")
        try:
            head = ledger.app.head()
            positions = ledger.runner.positions()
        except Exception:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        head_metric = GaugeMetricFamily(
            "ledger_log_head_position", "position of the last event in the log"
        )
        head_metric.add_metric([], head)
        yield head_metric
        position = GaugeMetricFamily(
            "ledger_projection_position",
            "last position applied, by projector",
            labels=["projector"],
        )
        lag = GaugeMetricFamily(
            "ledger_projection_lag_events",
            "events in the log not yet applied, by projector",
            labels=["projector"],
        )
        lag_seconds = GaugeMetricFamily(
            "ledger_projection_lag_seconds",
            "age of the oldest event not yet applied (0 when caught up), by projector",
            labels=["projector"],
        )
        ages: dict[int, float] = {}
        now = datetime.now(UTC)
        for name, p in sorted(positions.items()):
            position.add_metric([name], p)
            lag.add_metric([name], max(head - p, 0))
            if p >= head:
                lag_seconds.add_metric([name], 0.0)
                continue
            if p not in ages:
                ages[p] = self._age(p + 1, now)
            lag_seconds.add_metric([name], ages[p])
        yield position
        yield lag
        yield lag_seconds

    def _age(self, position: int, now: datetime) -> float:
        app = self.ledger.app
        try:
            notifications = app.recorder.select_notifications(start=position, limit=1)
            if not notifications:
                return 0.0
            event = app.mapper.to_domain_event(notifications[0])
            return max((now - event.timestamp).total_seconds(), 0.0)
        except Exception:
            return float("nan")


def exposition(ledger: Ledger) -> bytes:
    """The text a scrape gets: process-level metrics (summed over workers) + database gauges."""
    scrape = CollectorRegistry(auto_describe=False)
    scrape.register(ProjectionCollector(ledger))
    if multiprocess():
        from prometheus_client import multiprocess as mp

        counted = CollectorRegistry()
        mp.MultiProcessCollector(counted)
        return generate_latest(counted) + generate_latest(scrape)
    return generate_latest(REGISTRY) + generate_latest(scrape)


def process_exited() -> None:
    """Drop this worker's live gauges from the shared directory (multiprocess mode)."""
    if multiprocess():
        from prometheus_client import multiprocess as mp

        mp.mark_process_dead(os.getpid())
