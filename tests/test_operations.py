"""Operations endpoints: /healthz, /readyz (lag threshold), /metrics (Prometheus text)."""

from __future__ import annotations

import math
from collections.abc import Iterator

import pytest
from prometheus_client.parser import text_string_to_metric_families
from scenario import REGISTER_PERSON, REGISTER_UNIT
from starlette.testclient import TestClient

from ledger import commands as c
from ledger.api.app import create_app
from ledger.api.schema import schema
from ledger.domain.base import Stamp
from ledger.service import Ledger


def scrape(http: TestClient) -> dict[tuple[str, tuple], float]:
    response = http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.text):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def lagging(settings) -> Iterator[tuple[Ledger, TestClient]]:
    """An API without its own projector (as under docker-compose) and a small lag threshold."""
    settings.embedded_projector = False
    settings.ready_max_lag = 5
    ledger = Ledger.open(settings)
    try:
        with TestClient(create_app(ledger)) as http:
            yield ledger, http
    finally:
        ledger.close()


def test_healthz_answers_without_the_store(gql):
    response = gql.http.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"ok": True}


def test_readyz_is_not_ready_while_projections_lag_beyond_the_threshold(lagging):
    ledger, http = lagging
    first = http.get("/readyz")
    assert first.status_code == 200, first.text
    assert first.json()["ready"] is True and first.json()["maxLag"] == 0

    stamp = Stamp("loader")
    for n in range(8):  # appended, but nobody projects them
        ledger.app.execute(c.RegisterPerson(f"P-{n}", f"干部{n}"), stamp, wait=False)
    behind = http.get("/readyz")
    assert behind.status_code == 503
    body = behind.json()
    assert body["ready"] is False
    assert body["head"] == 8 and body["maxLag"] == 8 and body["maxLagAllowed"] == 5
    assert set(body["projections"].values()) == {0}
    reasons = " | ".join(body["reasons"])
    assert "8 events behind the log (LEDGER_READY_MAX_LAG=5)" in reasons
    assert "have applied no event while the log holds 8" in reasons
    assert "no projector has ever run on this store" in reasons

    ledger.runner.catch_up(until=3)  # 5 behind: exactly at the threshold is still ready
    ledger.runner.beat()  # ... while a projector is alive (events wait)
    assert http.get("/readyz").status_code == 200, http.get("/readyz").text
    ledger.runner.catch_up()
    caught_up = http.get("/readyz").json()
    assert caught_up["ready"] is True and caught_up["maxLag"] == 0


def test_metrics_count_operations_events_and_projection_positions(gql):
    before = scrape(gql.http)
    gql.data(REGISTER_UNIT, {"id": "ORG", "name": "省直某厅", "kind": "ORGAN"})
    for n in range(3):
        gql.data(REGISTER_PERSON, {"id": f"P-{n}", "name": f"干部{n}"})
    gql.data("query Dashboard { units { id name } }", role="VIEWER")
    gql.data("query Dashboard { units { id name } }", role="VIEWER")
    gql.data("{ units { id } }", role="VIEWER")
    assert gql.error_code("{ units { id } }", token="not-a-token") == "UNAUTHENTICATED"
    assert gql.error_code(REGISTER_PERSON, {"id": "P-0", "name": "重复"}) == "CONFLICT"
    after = scrape(gql.http)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    requests = "ledger_graphql_requests_total"
    assert delta(requests, operation="registerUnit", type="mutation", outcome="ok") == 1
    assert delta(requests, operation="registerPerson", type="mutation", outcome="ok") == 3
    assert delta(requests, operation="registerPerson", type="mutation", outcome="CONFLICT") == 1
    # labelled by the root field the schema declares, never by the client's own name
    assert delta(requests, operation="Dashboard", type="query", outcome="ok") == 0
    assert delta(requests, operation="units", type="query", outcome="ok") == 3
    assert delta(requests, operation="units", type="query", outcome="UNAUTHENTICATED") == 1
    latency = "ledger_graphql_request_duration_seconds"
    assert delta(f"{latency}_count", operation="units", type="query") == 4  # 1 refused
    assert delta(f"{latency}_sum", operation="registerPerson", type="mutation") > 0
    assert delta(f"{latency}_bucket", operation="units", type="query", le="+Inf") == 4

    events = "ledger_events_appended_total"
    assert delta(events, type="UnitRegistered") == 1
    assert delta(events, type="PersonRegistered") == 3  # the refused one appended nothing

    head = gql.head()
    assert value(after, "ledger_store_up") == 1
    assert value(after, "ledger_log_head_position") == head == 4
    projectors = {
        dict(labels)["projector"]
        for (name, labels) in after
        if name == "ledger_projection_position"
    }
    assert "event_index" in projectors and "organisation" in projectors
    for projector in projectors:
        assert value(after, "ledger_projection_position", projector=projector) == head
        assert value(after, "ledger_projection_lag_events", projector=projector) == 0
        assert value(after, "ledger_projection_lag_seconds", projector=projector) == 0


def test_metrics_show_projection_lag_in_events_and_seconds(lagging):
    ledger, http = lagging
    stamp = Stamp("loader")
    for n in range(4):
        ledger.app.execute(c.RegisterPerson(f"P-{n}", f"干部{n}"), stamp, wait=False)
    samples = scrape(http)
    assert value(samples, "ledger_log_head_position") == 4
    assert value(samples, "ledger_projection_lag_events", projector="event_index") == 4
    seconds = value(samples, "ledger_projection_lag_seconds", projector="event_index")
    assert 0 < seconds < 60 and not math.isnan(seconds)
    ledger.runner.catch_up()
    samples = scrape(http)
    assert value(samples, "ledger_projection_lag_events", projector="event_index") == 0
    assert value(samples, "ledger_projection_lag_seconds", projector="event_index") == 0


def test_metrics_label_operations_by_declared_root_fields_only(gql):
    """A client's names (or fields the schema lacks) never become labels: the label set is
    bounded by the schema, whoever calls."""
    long_name = "Q" + "x" * 100
    gql.data(f"query {long_name} {{ units {{ id }} }}", role="VIEWER")
    gql.post("query Mine { nope }", role="VIEWER")
    samples = scrape(gql.http)
    names = {
        dict(labels).get("operation")
        for (name, labels) in samples
        if name == "ledger_graphql_requests_total"
    }
    assert long_name not in names and "Mine" not in names and "nope" not in names
    declared = set(schema._schema.query_type.fields) | set(schema._schema.mutation_type.fields)
    assert names <= declared | {"other", "invalid", "missing"}
    assert "units" in names and "other" in names


def test_metrics_may_require_a_token(gql, monkeypatch):
    monkeypatch.setattr(gql.ledger.settings, "metrics_token", "m-secret")
    assert gql.http.get("/metrics").status_code == 401
    assert gql.http.get("/metrics", headers={"Authorization": "Bearer nope"}).status_code == 401
    answer = gql.http.get("/metrics", headers={"Authorization": "Bearer m-secret"})
    assert answer.status_code == 200 and "ledger_graphql_requests_total" in answer.text
