"""SIGKILL mid-stream loses no acknowledged write: the real server in a subprocess takes a
stream of mutations over HTTP and is killed; after a restart every mutation that was
answered is in the log, no command is half-written, the chain verifies, and the read models
equal a clean rebuild. The same for `ledger projections rebuild` killed half-way."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import psycopg
import pytest
from test_integrity_support import ROOT, read_models, register_people, run_cli

from ledger.auth import issue_token

pytestmark = pytest.mark.slow

MUTATION = """mutation ($input: RegisterPersonInput!) {
  registerPerson(input: $input) { id position } }"""
CLIENTS = 3
KILL_AFTER = 60  # acknowledged mutations before the SIGKILL


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout: float = 60.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def serve(settings, port: int, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "LEDGER_STORE": settings.store,
        "LEDGER_JWT_SECRET": settings.jwt_secret,
        "LEDGER_LOG_JSON": "1",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "ledger.cli", "serve", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=log.open("ab"),
    )

    def healthy() -> bool:
        assert server.poll() is None, log.read_text()
        try:
            return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    wait_until(healthy, what="the server to start")
    return server


def stream(url: str, token: str, client: int, acknowledged: list[str], stop: threading.Event):
    """Register people until the server dies; keep the ids whose mutation was answered."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(timeout=15) as http:
        for n in range(2000):
            if stop.is_set():
                return
            person = f"C{client}-{n:05d}"
            variables = {
                "input": {
                    "id": person,
                    "name": f"客户端{client} 第{n}人",
                    "idempotencyKey": f"crash:{person}",
                }
            }
            try:
                response = http.post(
                    url, json={"query": MUTATION, "variables": variables}, headers=headers
                )
            except httpx.HTTPError:
                return  # killed: this one may or may not be in the log, nobody was told
            body = response.json() if response.status_code == 200 else {}
            if body.get("data") and body["data"].get("registerPerson"):
                assert body["data"]["registerPerson"]["id"] == person
                acknowledged.append(person)


def commands_in_log(ledger) -> tuple[set[str], set[str], int]:
    """(people registered, people named by an idempotency key, events) as stored."""
    people, keyed, count, after = set(), set(), 0, 0
    while True:
        page = ledger.app.recorder.select_notifications(start=after + 1, limit=1000)
        if not page:
            return people, keyed, count
        for n in page:
            state = json.loads(n.state)
            if n.topic.endswith(":PersonRegistered"):
                people.add(state["person_id"])
            elif n.topic.endswith(":IdempotencyKeyUsed"):
                keyed.add(state["result_id"])
            count += 1
        after = page[-1].id


def test_a_server_killed_mid_stream_keeps_every_acknowledged_write(ledger, settings, tmp_path):
    port, log = free_port(), tmp_path / "server.log"
    url = f"http://127.0.0.1:{port}/graphql"
    token = issue_token(settings, "crash-recorder", "RECORDER", None, "1h")
    server = serve(settings, port, log)
    acknowledged: list[str] = []
    stop = threading.Event()
    clients = [
        threading.Thread(target=stream, args=(url, token, c, acknowledged, stop))
        for c in range(CLIENTS)
    ]
    try:
        for c in clients:
            c.start()
        wait_until(lambda: len(acknowledged) >= KILL_AFTER, what="acknowledged mutations")
        server.send_signal(signal.SIGKILL)
        server.wait()
        for c in clients:
            c.join(timeout=30)
        assert not any(c.is_alive() for c in clients)
    finally:
        stop.set()
        if server.poll() is None:
            server.kill()
    answered = set(acknowledged)
    assert len(answered) >= KILL_AFTER

    # in the log, whole: every command wrote both its events or neither
    people, keyed, events = commands_in_log(ledger)
    assert answered <= people
    assert people == keyed
    assert events == 2 * len(people) == ledger.app.head()
    verified = run_cli("verify", "--store", settings.store)
    assert verified.returncode == 0, verified.stdout

    # restarted, it answers for every acknowledged write, and catches its read models up
    server = serve(settings, port, log)
    try:
        with httpx.Client(timeout=15) as http:
            for person in sorted(answered):
                body = http.post(
                    url,
                    json={
                        "query": "query ($id: ID!) { person(id: $id) { id } }",
                        "variables": {"id": person},
                    },
                    headers={
                        "Authorization": f"Bearer {token}",
                        "X-Ledger-Min-Position": str(ledger.app.head()),
                    },
                ).json()
                assert body["data"]["person"] == {"id": person}, body
        head = ledger.app.head()
        wait_until(lambda: min(ledger.runner.positions().values()) == head, what="catch-up")
        served = read_models(ledger)
    finally:
        server.terminate()
        server.wait(timeout=30)

    rebuilt = run_cli("projections", "rebuild", "--store", settings.store)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert read_models(ledger) == served
    assert len(served["rm_persons"]) == len(people)


def rebuild_progress(ledger) -> int:
    """How far a running rebuild has got, in its own tables beside the live read models."""
    place = ledger.reads.shadow_place()
    try:
        if ledger.reads.dialect == "sqlite":
            if not Path(place).exists():
                return 0
            conn = sqlite3.connect(place, timeout=5)
            try:
                return conn.execute("SELECT MIN(position) FROM rm_tracking").fetchone()[0] or 0
            finally:
                conn.close()
        with psycopg.connect(ledger.app.store.conninfo, autocommit=True) as conn:
            row = conn.execute(f'SELECT MIN(position) FROM "{place}".rm_tracking').fetchone()
            return row[0] or 0
    except (sqlite3.Error, psycopg.Error):
        return 0  # not created yet


def shadow_left(ledger) -> bool:
    place = ledger.reads.shadow_place()
    if ledger.reads.dialect == "sqlite":
        return Path(place).exists()
    with psycopg.connect(ledger.app.store.conninfo, autocommit=True) as conn:
        return bool(
            conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (place,)).fetchone()
        )


def test_a_rebuild_killed_half_way_leaves_the_live_read_models_and_runs_again(ledger, settings):
    """The rebuild builds beside the live read models: killed half-way, it has not touched
    them; run again, it ends equal to a clean rebuild and leaves nothing behind."""
    head = register_people(ledger.app, 1500)
    ledger.runner.catch_up()
    before = read_models(ledger)
    env = {**os.environ, "LEDGER_REBUILD_PAGE_SIZE": "10", "LEDGER_LOG_JSON": "1"}
    rebuild = subprocess.Popen(
        [sys.executable, "-m", "ledger.cli", "projections", "rebuild", "--store", settings.store],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(
            lambda: 100 < rebuild_progress(ledger) < head or rebuild.poll() is not None,
            what="the rebuild to be half-way",
        )
        rebuild.send_signal(signal.SIGKILL)
        rebuild.wait()
    finally:
        if rebuild.poll() is None:
            rebuild.kill()
    assert rebuild.returncode == -signal.SIGKILL, "the rebuild finished before it was killed"
    assert min(ledger.runner.positions().values()) == head
    assert read_models(ledger) == before, "a killed rebuild changed the live read models"
    assert shadow_left(ledger)

    again = run_cli("projections", "rebuild", "--store", settings.store)
    assert again.returncode == 0, again.stderr
    assert min(ledger.runner.positions().values()) == head
    after_kill = read_models(ledger)
    assert not shadow_left(ledger), "the rebuild left its tables behind"

    ledger.runner.reset()
    ledger.runner.catch_up()
    assert read_models(ledger) == after_kill == before
    assert len(after_kill["rm_persons"]) == 1500
