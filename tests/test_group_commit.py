"""Group commit (issue 13): the saves of commands decided at the same time share one
transaction, and every guarantee of a single save still holds for each of them.

- Concurrent writers through the real server (uvicorn, real sockets): 16 registrations, a
  registration of an id that exists (refused, CONFLICT), retries under one idempotency key,
  and 8 writers on one evaluation cycle's scores, all at once. Nothing is lost, nothing is
  doubled, the refused command and the retried keys append nothing, every answer reflects
  its own write, and the hash chain verifies: one ordered chain.
- The group's own rules, on the recorder: a save whose (entity, version) keys are taken,
  in the store or by a save ahead of it in the group, is left out alone; a group whose write
  fails otherwise is written save by save.

The write is slowed (inside its transaction) so that saves queue behind it and groups form;
the tests check that they did. On SQLite, and PostgreSQL when LEDGER_TEST_POSTGRES is set.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from conftest import fresh_store
from eventsourcing.persistence import IntegrityError
from test_hostile_load import real_server

from ledger import commands as c
from ledger.auth import issue_token
from ledger.domain.base import Stamp
from ledger.domain.evaluation import cycle_uuid
from ledger.domain.person import Person
from ledger.group_commit import GroupCommit
from ledger.integrity.chain import verify_log
from ledger.service import Ledger, WaitingRoom
from ledger.settings import Settings
from projections import organisation as org

UNITS = [f"G{i:02d}" for i in range(8)]
CYCLE = "EV-GROUP"
ADMIN = Stamp("group-admin")
REGISTER = "mutation($i: RegisterPersonInput!) { registerPerson(input: $i) { id position } }"
SCORE = "mutation($i: RecordScoreInput!) { recordScore(input: $i) { id position } }"
PERSON = "query($id: ID!) { person(id: $id) { id name } }"


class Served:
    """The shape `real_server` expects of its world (`world.gql.ledger`)."""

    def __init__(self, ledger: Ledger):
        self.gql = self
        self.ledger = ledger


@pytest.fixture(params=["sqlite", "postgres"])
def ledger(request, tmp_path) -> Iterator[Ledger]:
    with fresh_store(request.param, tmp_path) as url:
        settings = Settings()
        settings.store = url
        settings.jwt_secret = "group-secret-" + "g" * 40
        settings.poll_interval = 0.02
        opened = Ledger.open(settings)
        opened.start_projector()
        try:
            app = opened.app
            app.execute(c.RegisterUnit(id="ORG", name="省直某厅", kind="ORGAN"), ADMIN)
            for i, unit in enumerate(UNITS):
                app.execute(
                    c.RegisterUnit(id=unit, name=f"处室{i}", kind="DEPARTMENT", parent_id="ORG"),
                    ADMIN,
                )
            app.execute(
                c.OpenEvaluationCycle(
                    id=CYCLE,
                    year=2024,
                    title="2024年度考核",
                    period_from="2024-01-01",
                    period_to="2024-12-31",
                    unit_ids=tuple(UNITS),
                    criteria=(c.Criterion(code="EDU", title="宣传教育", max_points=100),),
                ),
                ADMIN,
            )
            app.execute(c.RegisterPerson(id="P-TAKEN", name="已登记"), ADMIN)
            yield opened
        finally:
            opened.close()


@pytest.fixture
def slow_writes(ledger: Ledger) -> dict[str, int]:
    """Every write holds its transaction 20 ms, so that saves arriving meanwhile queue and
    are written as one group; counts the writes of each kind."""
    recorder = ledger.app.recorder
    counts = {"groups": 0, "grouped saves": 0}
    alone, group = recorder._insert_events, recorder.insert_group

    def counted_group(saves: Any) -> Any:
        counts["groups"] += 1
        counts["grouped saves"] += len(saves)
        return group(saves)

    # Both a lone save and a group call `_insert_events` (SQLite) or
    # `_fetch_ids_after_insert_events` (PostgreSQL) inside their transaction: the pause.
    def slow_insert(cursor: Any, events: Any, **kw: Any) -> Any:
        time.sleep(0.02)
        return alone(cursor, events, **kw)

    if ledger.app.store.dialect == "sqlite":
        recorder._insert_events = slow_insert
    else:
        fetch = recorder._fetch_ids_after_insert_events

        def slow_fetch(curs: Any, events: Any, **kw: Any) -> Any:
            time.sleep(0.02)
            return fetch(curs, events, **kw)

        recorder._fetch_ids_after_insert_events = slow_fetch
    recorder.insert_group = counted_group
    ledger.app.group_commit = GroupCommit(recorder.insert_events, recorder.insert_group)
    return counts


def test_concurrent_writers_through_the_server_lose_and_double_nothing(ledger, slow_writes):
    settings = ledger.settings
    recorder_token = issue_token(settings, "group-recorder", "RECORDER", None, "1h")
    head_before = ledger.app.head()
    cycle_before = ledger.app.repository.get(cycle_uuid(CYCLE)).version
    answers: dict[str, list[dict]] = {"register": [], "taken": [], "keyed": [], "score": []}
    lock = threading.Lock()
    start = threading.Barrier(16 + 1 + 4 + 8)

    def post(http: httpx.Client, document: str, variables: dict, token: str) -> dict:
        response = http.post(
            "/graphql",
            json={"query": document, "variables": variables},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 200, response.text
        return response.json()

    def client(port: int) -> httpx.Client:
        return httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60)

    def registrar(port: int, n: int) -> None:
        with client(port) as http:
            start.wait()
            answer = post(
                http, REGISTER, {"i": {"id": f"P-G{n:02d}", "name": f"人员{n}"}}, recorder_token
            )
            if not answer.get("errors"):
                # Read-your-writes: the answer's position is applied, the person is there.
                found = post(http, PERSON, {"id": f"P-G{n:02d}"}, recorder_token)
                answer["read"] = found["data"]["person"]
            with lock:
                answers["register"].append(answer)

    def duplicate(port: int) -> None:
        with client(port) as http:
            start.wait()
            answer = post(http, REGISTER, {"i": {"id": "P-TAKEN", "name": "重复"}}, recorder_token)
            with lock:
                answers["taken"].append(answer)

    def keyed(port: int) -> None:
        """Four retries of one request under one key, at once: one is written."""
        with client(port) as http:
            start.wait()
            variables = {"i": {"id": "P-KEYED", "name": "重试", "idempotencyKey": "k-group-1"}}
            answer = post(http, REGISTER, variables, recorder_token)
            with lock:
                answers["keyed"].append(answer)

    def appraiser(port: int, w: int) -> None:
        token = issue_token(settings, f"appraiser-{w}", "APPRAISER", None, "1h")
        with client(port) as http:
            start.wait()
            for k in range(5):
                unit = UNITS[(w + k) % len(UNITS)]
                variables = {
                    "i": {
                        "cycleId": CYCLE,
                        "unitId": unit,
                        "criterion": "EDU",
                        "points": 50 + w + k,
                    }
                }
                answer = post(http, SCORE, variables, token)
                with lock:
                    answers["score"].append(answer)

    with real_server(Served(ledger)) as port:
        threads = [threading.Thread(target=registrar, args=(port, n)) for n in range(16)]
        threads.append(threading.Thread(target=duplicate, args=(port,)))
        threads += [threading.Thread(target=keyed, args=(port,)) for _ in range(4)]
        threads += [threading.Thread(target=appraiser, args=(port, w)) for w in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    # Groups formed: fewer transactions than saves.
    assert slow_writes["groups"] > 0, slow_writes
    assert slow_writes["grouped saves"] > slow_writes["groups"], slow_writes

    # Every registration written once, and each answer reflects its own write.
    registered = answers["register"]
    assert len(registered) == 16
    assert all(not a.get("errors") for a in registered), registered
    assert sorted(a["read"]["id"] for a in registered) == [f"P-G{n:02d}" for n in range(16)]
    assert all(a.get("extensions", {}).get("readYourWrites") is None for a in registered)

    # The registration of an id that exists is refused and appends nothing.
    (taken,) = answers["taken"]
    assert taken["errors"][0]["extensions"]["code"] == "CONFLICT", taken

    # The four keyed retries share one result; one event for the person.
    keyed_answers = answers["keyed"]
    assert all(not a.get("errors") for a in keyed_answers), keyed_answers
    assert len({a["data"]["registerPerson"]["position"] for a in keyed_answers}) == 1

    # 8 writers × 5 scores on one cycle: every one recorded, none refused.
    assert len(answers["score"]) == 40
    assert all(not a.get("errors") for a in answers["score"]), answers["score"]
    app = ledger.app
    assert app.repository.get(cycle_uuid(CYCLE)).version == cycle_before + 40

    # The log holds exactly what was accepted: 16 + 1 keyed person, its key, 40 scores.
    events = app.recorder.select_notifications(start=head_before + 1, limit=1000)
    decoded = [app.mapper.to_domain_event(n) for n in events]
    people = [e.person_id for e in decoded if isinstance(e, Person.Registered)]
    assert sorted(people) == sorted([f"P-G{n:02d}" for n in range(16)] + ["P-KEYED"])
    assert len(events) == 16 + 2 + 40, [type(e).__qualname__ for e in decoded]
    # Positions strictly increase and the chain verifies as one ordered chain.
    positions = [n.id for n in events]
    assert positions == sorted(set(positions))
    verification = verify_log(app.recorder)
    assert verification.ok, verification
    # The read models saw every registration.
    ledger.wait_for(app.head())
    with ledger.reads.read() as tx:
        rows = org.persons_by_id(tx, [f"P-G{n:02d}" for n in range(16)] + ["P-KEYED"])
    assert len(rows) == 17


# ---------------------------------------------------------------------- the group's rules


def _stored(app: Any, *aggregates: Any) -> list:
    return [app.mapper.to_stored_event(e) for a in aggregates for e in a.collect_events()]


def test_a_save_whose_version_is_taken_is_left_out_alone(ledger):
    app = ledger.app
    head = app.head()
    fresh = _stored(app, Person.register(ADMIN, "P-FRESH-1", "新人一"))
    taken = _stored(app, Person.register(ADMIN, "P-TAKEN", "重复"))
    twice = _stored(app, Person.register(ADMIN, "P-FRESH-2", "新人二"))
    again = _stored(app, Person.register(ADMIN, "P-FRESH-2", "新人二又一次"))
    written = app.recorder.insert_group([fresh, taken, twice, again])
    assert written[1] is None  # taken in the store
    assert written[3] is None  # taken by a save ahead of it in the group
    assert written[0] == [head + 1] and written[2] == [head + 2]
    assert app.head() == head + 2
    assert verify_log(app.recorder).ok


def test_a_group_whose_write_fails_is_written_save_by_save(ledger):
    app = ledger.app
    head = app.head()

    def failing_group(saves: Any) -> Any:
        raise RuntimeError("the group's transaction failed")

    group = GroupCommit(app.recorder.insert_events, failing_group)
    gate = threading.Event()
    original_insert = app.recorder.insert_events

    def gated_insert(events: Any, **kw: Any) -> Any:
        gate.wait(5)  # the first (lone) write waits until the others have queued
        return original_insert(events, **kw)

    group._insert = gated_insert
    results: dict[str, Any] = {}

    def save(name: str, person_id: str) -> None:
        try:
            results[name] = group.insert(_stored(app, Person.register(ADMIN, person_id, name)))
        except IntegrityError as e:
            results[name] = e

    first = threading.Thread(target=save, args=("first", "P-F0"))
    first.start()
    time.sleep(0.1)  # the first leads and waits at the gate
    others = [
        threading.Thread(target=save, args=(name, pid))
        for name, pid in (("a", "P-F1"), ("taken", "P-TAKEN"), ("b", "P-F2"))
    ]
    for t in others:
        t.start()
    time.sleep(0.2)  # queued behind the first
    gate.set()
    for t in [first, *others]:
        t.join()
    assert isinstance(results["taken"], IntegrityError)
    assert all(isinstance(results[n], list) for n in ("first", "a", "b")), results
    # (PostgreSQL's sequence may skip the position the refused insert drew.)
    written = app.recorder.select_notifications(start=head + 1, limit=10)
    assert len(written) == 3
    assert verify_log(app.recorder).ok


# ---------------------------------------------------------------------- waiting for the read models


class FakeFollower:
    """A follower whose progress the test moves; counts who waits on it at once."""

    def __init__(self) -> None:
        self.reached = 0
        self._progress = threading.Condition()
        self.waiting = 0
        self.most_waiting = 0

    def advance(self, position: int) -> None:
        with self._progress:
            self.reached = position
            self._progress.notify_all()

    def wait_for(self, position: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._progress:
            self.waiting += 1
            self.most_waiting = max(self.most_waiting, self.waiting)
            try:
                while self.reached < position:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return False
                    self._progress.wait(left)
                return True
            finally:
                self.waiting -= 1


def _wait_all(
    room: WaitingRoom, positions: list[int], timeout: float
) -> tuple[dict[int, bool], list[threading.Thread]]:
    """Threads waiting in the room for these positions (started); their results by index."""
    results: dict[int, bool] = {}

    def wait(n: int, position: int) -> None:
        results[n] = room.wait_for(position, timeout)

    threads = [threading.Thread(target=wait, args=(n, p)) for n, p in enumerate(positions)]
    for t in threads:
        t.start()
    return results, threads


def test_one_waiting_command_watches_the_follower_and_each_is_released_once():
    follower = FakeFollower()
    room = WaitingRoom(follower)  # type: ignore[arg-type]
    results, threads = _wait_all(room, list(range(1, 21)), timeout=10)
    time.sleep(0.1)
    for position in (3, 7, 12, 20):
        follower.advance(position)
        time.sleep(0.05)
    for t in threads:
        t.join(5)
    assert results == dict.fromkeys(range(20), True)
    assert follower.most_waiting == 1  # one watcher at a time, never twenty
    assert not room._watched and not room._heap
    assert room.wait_for(5, 0.01)  # applied already: no wait


def test_waits_that_run_out_say_so_and_leave_the_others_waiting():
    follower = FakeFollower()
    follower.advance(5)
    room = WaitingRoom(follower)  # type: ignore[arg-type]
    short, short_threads = _wait_all(room, [8, 9, 10], timeout=0.2)  # the watcher among them
    time.sleep(0.05)
    long, long_threads = _wait_all(room, [11, 12], timeout=10)
    for t in short_threads:
        t.join(5)
    assert short == {0: False, 1: False, 2: False}
    follower.advance(12)
    for t in long_threads:
        t.join(5)
    assert long == {0: True, 1: True}
    assert not room._watched


def test_a_group_that_finds_the_store_locked_fails_at_once_not_save_by_save():
    """SQLite's write lock held past its timeout: the group's commands fail together (each
    alone would wait the whole timeout again, one after another)."""
    import sqlite3

    from eventsourcing.persistence import OperationalError

    alone_calls: list[int] = []
    gate = threading.Event()

    def insert(events: Any) -> list[int]:
        alone_calls.append(len(events))
        gate.wait(5)  # the first, lone save holds the lead while the others queue
        return [1]

    def locked_group(saves: Any) -> Any:
        raise OperationalError("locked") from sqlite3.OperationalError("database is locked")

    group = GroupCommit(insert, locked_group)
    results: dict[int, Any] = {}

    def save(n: int) -> None:
        try:
            results[n] = group.insert([n])  # type: ignore[list-item]
        except Exception as e:  # noqa: BLE001
            results[n] = e

    first = threading.Thread(target=save, args=(0,))
    first.start()
    time.sleep(0.1)
    others = [threading.Thread(target=save, args=(n,)) for n in range(1, 5)]
    for t in others:
        t.start()
    time.sleep(0.2)
    gate.set()
    for t in [first, *others]:
        t.join(5)
    assert results[0] == [1]
    assert all(isinstance(results[n], OperationalError) for n in range(1, 5)), results
    assert alone_calls == [1]  # only the first, lone save was written alone
