"""A stopped projector shows: in /readyz (with its reasons), in the projector's own health
check (`ledger projections alive`), and in every mutation whose read models did not catch
up in time (`extensions.readYourWrites: "TIMED_OUT"` with the position), instead of a
silent success. An API without its own projector, as under docker-compose, and a real
`ledger projections run` process that is stopped and started again, on both stores."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import GraphQLClient, wait_until
from scenario import REGISTER_PERSON
from servers import Projector, base_env
from starlette.testclient import TestClient

from ledger.api.app import create_app
from ledger.service import Ledger

PERSON = "query($id: ID!) { person(id: $id) { id name } }"


@pytest.fixture
def compose_like(settings, tmp_path) -> Iterator[tuple[GraphQLClient, Ledger]]:
    """The API without its own projector; mutations wait at most 0.5 s for the read models;
    a projector silent for 1.5 s counts as stopped."""
    settings.embedded_projector = False
    settings.read_your_writes_timeout = 0.5
    settings.projector_stale_after = 1.5
    ledger = Ledger.open(settings)
    try:
        with TestClient(create_app(ledger)) as http:
            yield GraphQLClient(http, settings, ledger), ledger
    finally:
        ledger.close()


def projector(store: str, tmp_path: Path) -> Projector:
    return Projector(store, tmp_path, LEDGER_HEARTBEAT_INTERVAL="0.2")


def alive(store: str, within: float) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ledger.cli", "projections", "alive", "--within", str(within)],
        capture_output=True,
        text=True,
        env=base_env(store),
        timeout=60,
    )


def readyz(gql: GraphQLClient) -> tuple[int, dict]:
    response = gql.http.get("/readyz")
    return response.status_code, response.json()


def test_a_stopped_projector_shows_in_readyz_health_and_mutations(compose_like, tmp_path):
    gql, ledger = compose_like
    store = ledger.settings.store
    worker = projector(store, tmp_path)
    try:
        wait_until(lambda: readyz(gql)[0] == 200 and readyz(gql)[1]["projectors"], "a heartbeat")
        body = gql.post(REGISTER_PERSON, {"id": "P-1", "name": "甲"})
        assert not body.get("errors") and "extensions" not in body, body
        assert gql.data(PERSON, {"id": "P-1"})["person"] == {"id": "P-1", "name": "甲"}
        healthy = alive(store, 5)
        assert healthy.returncode == 0 and "alive:" in healthy.stderr, healthy.stderr
    finally:
        worker.stop()

    # The projector is gone: the write is stored, and the answer says it is not readable yet.
    body = gql.post(REGISTER_PERSON, {"id": "P-2", "name": "乙"})
    assert not body.get("errors"), body
    position = body["data"]["registerPerson"]["position"]
    assert body["extensions"]["readYourWrites"] == "TIMED_OUT", body
    assert body["extensions"]["position"] == position
    assert body["extensions"]["projectedPosition"] < position
    assert ledger.app.head() == position, "the write itself must be stored"

    wait_until(lambda: readyz(gql)[0] == 503, "/readyz to notice the stopped projector")
    status, ready = readyz(gql)
    assert ready["ready"] is False
    reasons = " | ".join(ready["reasons"])
    assert "events wait and no projector has run for" in reasons, reasons
    assert "LEDGER_PROJECTOR_STALE_AFTER=1.5 s" in reasons
    assert ready["projectors"] and not any(p["alive"] for p in ready["projectors"])
    stopped = alive(store, 1.5)
    assert stopped.returncode == 1 and "not alive" in stopped.stderr, stopped.stderr

    # Started again, it catches up: ready, and mutations answer plainly again.
    worker = projector(store, tmp_path)
    try:
        wait_until(lambda: readyz(gql)[0] == 200, "/readyz once a projector runs again")
        assert gql.data(PERSON, {"id": "P-2"})["person"] == {"id": "P-2", "name": "乙"}
        body = gql.post(REGISTER_PERSON, {"id": "P-3", "name": "丙"})
        assert not body.get("errors") and "extensions" not in body, body
        assert alive(store, 5).returncode == 0
    finally:
        worker.stop()


def test_an_idempotent_replay_that_is_not_projected_says_so_too(compose_like):
    gql, ledger = compose_like
    variables = {"id": "P-9", "name": "丁", "key": "hr-9"}
    first = gql.post(REGISTER_PERSON, variables)
    again = gql.post(REGISTER_PERSON, variables)
    for body in (first, again):
        assert body["extensions"]["readYourWrites"] == "TIMED_OUT", body
        assert body["data"]["registerPerson"] == first["data"]["registerPerson"]
    ledger.runner.catch_up()
    assert "extensions" not in gql.post(REGISTER_PERSON, variables)


def test_readyz_names_a_read_model_database_that_lost_everything(compose_like):
    """Events in the log, a live projector's heartbeat, but read models at zero (a fresh or
    lost read-model database): not ready, whatever the lag threshold."""
    gql, ledger = compose_like
    ledger.settings.ready_max_lag = 10**9
    for n in range(3):
        gql.post(REGISTER_PERSON, {"id": f"P-{n}", "name": f"干部{n}"})
    ledger.runner.beat()
    status, body = readyz(gql)
    assert status == 503
    assert any("have applied no event while the log holds 3" in r for r in body["reasons"])
    ledger.runner.catch_up()
    ledger.runner.beat()
    assert readyz(gql)[0] == 200


def test_the_heartbeat_survives_a_rebuild(ledger):
    ledger.runner.beat()
    ledger.runner.reset()
    assert [b.runner for b in ledger.runner.heartbeats()] == [ledger.runner.runner_id]
