"""Serving under hostile load: what any caller may send costs a bounded amount of work.

- A document's static cost (fields × list sizes, `ledger.api.cost`) is checked against the
  caller's per-role budget before anything runs: over it, BAD_INPUT with the cost and the
  budget in `extensions`, and not one read-model statement ran.
- Cyclic paths (`results → cycle → results`) are answered from one computation.
- A request past its deadline, or whose client hung up, stops: the count of objects the
  execution started (`Context.work`) stops growing, well short of the whole answer.
- Malformed requests are refused as JSON with `extensions.code`; no traceback is logged
  for a client's error or for a client that hangs up.

Work is measured by counters, never by timing. On SQLite, and PostgreSQL when
LEDGER_TEST_POSTGRES is set.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from conftest import GraphQLClient, wait_until
from graphql import GraphQLList, GraphQLNonNull, GraphQLObjectType, get_named_type, parse
from test_permission_matrix import served_ledger

from ledger.api import view as api_view
from ledger.api.cost import LIST_SIZES, PAGED, document_cost
from ledger.api.schema import schema
from ledger.logs import RateLimit
from ledger.settings import Settings
from projections import evaluation as ev
from projections.db import Tx

UNITS = [f"D{i:02d}" for i in range(12)]
CYCLE = "EV-HOSTILE"


def nested_results(levels: int, leaf: str = "total") -> str:
    """`evaluationCycle { results { cycle { results { ... leaf } } } }`, `levels` results deep."""
    inner = f"results {{ {leaf} }}"
    for _ in range(levels - 1):
        inner = f"results {{ cycle {{ {inner} }} }}"
    return f'{{ evaluationCycle(id: "{CYCLE}") {{ {inner} }} }}'


CHAIN_ALIASES = (
    "{ "
    + " ".join(
        f"a{i}: cases {{ id accountabilityChain {{ links {{ person {{ posts {{ unit {{ "
        f"posts {{ person {{ name }} }} }} }} }} }} }} }}"
        for i in range(30)
    )
    + " }"
)


class World:
    def __init__(self, gql: GraphQLClient):
        self.gql = gql

    def admin(self, mutation: str, input_: dict[str, Any]) -> None:
        doc = f"mutation($i: {mutation[0].upper()}{mutation[1:]}Input!) {{ {mutation}(input: $i) {{ id }} }}"
        self.gql.data(doc, {"i": input_})

    def build(self) -> World:
        self.admin("registerUnit", {"id": "ORG", "name": "省直某厅", "kind": "ORGAN"})
        for i, unit in enumerate(UNITS):
            self.admin(
                "registerUnit",
                {"id": unit, "name": f"处室{i}", "kind": "DEPARTMENT", "parentId": "ORG"},
            )
            self.admin("registerPerson", {"id": f"P-{unit}", "name": f"处长{i}"})
            self.admin(
                "assumePost",
                {
                    "personId": f"P-{unit}",
                    "unitId": unit,
                    "role": "UNIT_HEAD",
                    "from": "2020-01-01",
                },
            )
        self.admin(
            "openEvaluationCycle",
            {
                "id": CYCLE,
                "year": 2024,
                "title": "2024年度考核",
                "periodFrom": "2024-01-01",
                "periodTo": "2024-12-31",
                "unitIds": UNITS,
                "criteria": [{"code": "EDU", "title": "宣传教育", "maxPoints": 100}],
            },
        )
        self.admin(
            "registerCase",
            {
                "id": "C-H1",
                "unitId": UNITS[0],
                "subjectId": f"P-{UNITS[0]}",
                "category": "INTEGRITY",
                "discovery": "PASSIVE",
                "factsOn": "2024-03-01",
                "registeredOn": "2024-04-01",
                "summary": "违规收受礼品",
            },
        )
        for i, unit in enumerate(UNITS):
            self.admin(
                "recordScore",
                {"cycleId": CYCLE, "unitId": unit, "criterion": "EDU", "points": 60 + i},
            )
        return self


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def world(request, tmp_path_factory) -> Iterator[World]:
    with served_ledger(request.param, tmp_path_factory.mktemp(f"hostile-{request.param}")) as gql:
        yield World(gql).build()


@pytest.fixture
def budgets(world):
    """The ledger's per-role budgets, restored after the test that changes them."""
    settings = world.gql.ledger.settings
    saved = dict(settings.cost_budgets), settings.request_deadline
    yield settings.cost_budgets
    settings.cost_budgets.clear()
    settings.cost_budgets.update(saved[0])
    settings.request_deadline = saved[1]


class Statements:
    """SQL statements the request threads run (the projector's own polling left out)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.count = 0
        self._lock = threading.Lock()
        original = Tx.execute

        def counting(tx: Tx, sql: str, params=()):  # type: ignore[no-untyped-def]
            if threading.current_thread().name != "projection-runner":
                with self._lock:
                    self.count += 1
            return original(tx, sql, params)

        monkeypatch.setattr(Tx, "execute", counting)


@pytest.fixture
def contexts(monkeypatch) -> list:
    """Every request context the view makes (to read its work counter afterwards)."""
    made: list = []
    original = api_view.LedgerGraphQL.get_context

    async def recording(self, request, response):  # type: ignore[no-untyped-def]
        context = await original(self, request, response)
        made.append(context)
        return context

    monkeypatch.setattr(api_view.LedgerGraphQL, "get_context", recording)
    return made


# ---------------------------------------------------------------------- the cost limit


def test_nested_results_over_the_budget_are_refused_before_anything_runs(world, monkeypatch):
    statements = Statements(monkeypatch)
    body = world.gql.post(nested_results(5), role="VIEWER")
    error = body["errors"][0]
    assert body["data"] is None and error["extensions"]["code"] == "BAD_INPUT"
    budget = world.gql.ledger.settings.cost_budgets["VIEWER"]
    assert error["extensions"]["budget"] == budget
    assert error["extensions"]["cost"] > budget
    assert statements.count == 0  # not one read of the read models


def test_thirty_aliases_of_a_deep_chain_are_refused(world, monkeypatch):
    statements = Statements(monkeypatch)
    for role in ("VIEWER", "ADMIN", "INSPECTOR"):
        body = world.gql.post(CHAIN_ALIASES, role=role)
        assert body["errors"][0]["extensions"]["code"] == "BAD_INPUT", role
        assert body["errors"][0]["extensions"]["cost"] > body["errors"][0]["extensions"]["budget"]
    assert statements.count == 0


def test_budgets_are_per_role_from_settings(world, budgets):
    query = "{ units { id name posts { role person { id name } } } }"
    cost = document_cost(schema._schema, parse(query), None)
    assert world.gql.data(query, role="VIEWER")["units"]
    budgets["VIEWER"] = cost - 1
    body = world.gql.post(query, role="VIEWER")
    assert body["errors"][0]["extensions"] == {
        "code": "BAD_INPUT",
        "cost": cost,
        "budget": cost - 1,
    }
    assert world.gql.data(query, role="ADMIN")["units"]  # another role, its own budget


def test_a_cyclic_path_is_answered_from_one_computation(world, budgets, monkeypatch):
    budgets["VIEWER"] = 10**18  # statically, three levels of 1,000 results each
    calls = []
    original = ev.results

    def counted(tx, row, position):  # type: ignore[no-untyped-def]
        calls.append(row.cycle_id)
        return original(tx, row, position)

    monkeypatch.setattr(ev, "results", counted)
    data = world.gql.data(nested_results(3), role="VIEWER")
    outer = data["evaluationCycle"]["results"]
    assert len(outer) == len(UNITS)
    leaves = [
        r["total"] for a in outer for b in a["cycle"]["results"] for r in b["cycle"]["results"]
    ]
    ranked = [r["total"] for r in outer[0]["cycle"]["results"][0]["cycle"]["results"]]
    assert len(ranked) == len(UNITS) and ranked == sorted(ranked, reverse=True)
    assert leaves == ranked * len(UNITS) ** 2
    assert calls == [CYCLE]  # three levels of results, one evaluation


def test_every_list_of_objects_says_what_it_may_hold():
    """A new list field must name its size in ledger.api.cost.LIST_SIZES (or be a page)."""
    missing = []
    for type_ in schema._schema.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
            continue
        if type_.name in ("Mutation", "Subscription"):
            continue
        for name, field in type_.fields.items():
            kind = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
            if not isinstance(kind, GraphQLList):
                continue
            if not isinstance(get_named_type(kind), GraphQLObjectType):
                continue
            coordinate = f"{type_.name}.{name}"
            if (
                coordinate not in LIST_SIZES
                and coordinate not in PAGED
                and "first" not in field.args
            ):
                missing.append(coordinate)
    assert not missing, f"lists without a size in ledger.api.cost.LIST_SIZES: {missing}"


def test_the_web_fronts_queries_fit_a_viewers_budget():
    """The pages served at /web ask what a VIEWER may afford (their documents are costed
    as they stand in the page modules)."""
    from pathlib import Path

    import ledger.api

    pages = Path(ledger.api.__file__).parent / "static" / "web"
    budget = Settings().cost_budgets["VIEWER"]
    documents = [
        d
        for f in sorted(pages.rglob("*.js"))
        for d in re.findall(r"`((?:query|mutation)\b[^`]*)`", f.read_text())
    ]
    for document in documents:
        assert document_cost(schema._schema, parse(document), None) <= budget, document


@pytest.mark.parametrize(
    ("document", "variables", "cost"),
    [
        ("{ unit(id: 1) { id name } }", {}, 3),
        ("{ a: unit(id: 1) { id } b: unit(id: 2) { id } }", {}, 4),
        ("{ taskLetters(first: 3) { totalCount edges { node { id } } } }", {}, 1 + 1 + 1 + 3 * 2),
        ("query($n: Int) { events(first: $n) { events { position } } }", {"n": 7}, 1 + 1 + 7),
        ("query($n: Int = 4) { events(first: $n) { events { position } } }", {}, 1 + 1 + 4),
        ("{ events { last } }", {}, 2),
        ("{ units { ...F } } fragment F on Unit { id name }", {}, 1 + 1000 * 2),
        ("{ verifyLedger { ok } }", {}, 20_001),
        ("{ __schema { types { name fields { name } } } }", {}, 1),
    ],
)
def test_the_static_cost_is_fields_times_list_sizes(document, variables, cost):
    assert document_cost(schema._schema, parse(document), None, variables) == cost


# ---------------------------------------------------------------------- stopping work


def heavy(world: World, budgets) -> tuple[str, int]:
    """A document within a raised budget whose whole answer is ~20,000 results, each
    an object: (document, the number of objects the whole answer would complete)."""
    budgets["VIEWER"] = 10**18
    document = nested_results(4, leaf="total unit { id name }")
    n = len(UNITS)
    results = n + n**2 + n**3 + n**4
    cycles = n + n**2 + n**3
    return document, 1 + 1 + results + cycles + n**4  # root, cycle, results, cycles, units


def test_a_request_past_its_deadline_stops(world, budgets, contexts):
    document, whole = heavy(world, budgets)
    world.gql.ledger.settings.request_deadline = 0.2
    body = world.gql.post(document, role="VIEWER")
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "TIMEOUT"
    context = contexts[-1]
    assert context.stop_reason == "deadline"
    done = context.work
    assert 0 < done < whole / 2
    time.sleep(0.3)
    assert context.work == done  # nothing goes on after the answer


@contextlib.contextmanager
def real_server(world: World) -> Iterator[int]:
    """The same app under uvicorn on a free port, on a thread of this process."""
    from ledger.api.app import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(
        create_app(world.gql.ledger), host="127.0.0.1", port=port, log_config=None, lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_until(lambda: server.started, "uvicorn to start")
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def raw_post(port: int, body: bytes, token: str, *, declared: int | None = None) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port))
    head = (
        f"POST /graphql HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {declared or len(body)}\r\n\r\n"
    )
    s.sendall(head.encode() + body)
    return s


def test_work_stops_when_the_client_hangs_up(world, budgets, contexts):
    document, whole = heavy(world, budgets)
    with real_server(world) as port:
        client = raw_post(port, json.dumps({"query": document}).encode(), world.gql.token("VIEWER"))
        wait_until(lambda: contexts and contexts[-1].work > 0, "the execution to start")
        client.close()
        context = contexts[-1]
        wait_until(lambda: context.stop_reason == "disconnect", "the hang-up to be seen")
        time.sleep(0.3)
        done = context.work
        time.sleep(0.3)
        assert context.work == done  # stopped, not finishing an answer nobody reads
        assert done < whole / 2


# ---------------------------------------------------------------------- malformed requests


MALFORMED = [
    ("bad JSON", "POST", b"{bad", "application/json", 400),
    ("deep JSON", "POST", b"[" * 1000 + b"]" * 1000, "application/json", 400),
    (
        "deep variables",
        "POST",
        b'{"query": "{ units { id } }", "variables": {"a": ' + b"[" * 100 + b"]" * 100 + b"}}",
        "application/json",
        400,
    ),
    ("not JSON at all", "POST", b"\xff\xfe", "application/json", 400),
    ("wrong content type", "POST", b'{"query": "{ units { id } }"}', "text/plain", 400),
    ("no content type", "POST", b'{"query": "{ units { id } }"}', "", 400),
    ("empty query", "POST", b'{"query": ""}', "application/json", 400),
    ("no query", "POST", b"{}", "application/json", 400),
    (
        "variables not an object",
        "POST",
        b'{"query": "{ units { id } }", "variables": [1]}',
        "application/json",
        400,
    ),
    ("query not a string", "POST", b'{"query": 5}', "application/json", 400),
    ("GET with bad variables", "GET", b"", "", 400),
    ("GET of a mutation", "GET", b"", "", 400),
    ("PUT", "PUT", b"{}", "application/json", 405),
]


@pytest.mark.parametrize(("name", "method", "body", "content_type", "status"), MALFORMED)
def test_malformed_requests_are_refused_as_json_with_a_code(
    world, capfd, name, method, body, content_type, status
):
    headers = {"Authorization": f"Bearer {world.gql.token('VIEWER')}"}
    if content_type:
        headers["Content-Type"] = content_type
    params = None
    if name == "GET with bad variables":
        params = {"query": "{ units { id } }", "variables": "{x"}
    elif name == "GET of a mutation":
        params = {"query": 'mutation { registerPerson(input: {id: "P-G", name: "x"}) { id } }'}
    head = world.gql.head()
    response = world.gql.http.request(
        method, "/graphql", content=body, headers=headers, params=params
    )
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    errors = response.json()["errors"]
    assert errors and all(e["extensions"]["code"] == "BAD_INPUT" for e in errors)
    assert world.gql.head() == head
    logged = capfd.readouterr()
    assert "Traceback" not in logged.out + logged.err


def test_a_client_that_hangs_up_mid_body_logs_no_traceback(world, capfd):
    with real_server(world) as port:
        for _ in range(3):
            client = raw_post(port, b'{"query"', world.gql.token("VIEWER"), declared=100)
            time.sleep(0.05)
            client.close()
        time.sleep(0.3)
    logged = capfd.readouterr()
    assert "Traceback" not in logged.out + logged.err
    assert "ClientDisconnect" not in logged.out + logged.err


def test_error_logs_are_rate_limited():
    now = [0.0]
    limit = RateLimit(burst=3, window=10.0, clock=lambda: now[0])
    assert [limit.allow("e") for _ in range(5)] == [0, 0, 0, None, None]
    assert limit.allow("other") == 0  # per event name
    now[0] = 10.0
    assert limit.allow("e") == 2  # the next line says how many were dropped
    assert limit.allow("e") == 0


def test_memory_is_handed_back_after_a_large_answer(world, budgets, monkeypatch):
    from ledger.api import app as api_app

    monkeypatch.setattr(api_app, "LARGE_ANSWER_BYTES", 20_000)
    budgets["VIEWER"] = 10**18
    before = api_app.ReturnMemory.returned
    world.gql.data("{ units { id } }", role="VIEWER")  # small: kept
    assert api_app.ReturnMemory.returned == before
    answer = world.gql.http.post(
        "/graphql",
        json={"query": nested_results(3, leaf="total unit { id name }")},
        headers={"Authorization": f"Bearer {world.gql.token('VIEWER')}"},
    )
    assert len(answer.content) > 20_000
    assert api_app.ReturnMemory.returned == before + 1


# ---------------------------------------------------------------------- waiting for a position


def min_position(world: World, position: int, role: str = "VIEWER") -> dict:
    return world.gql.post(
        "{ units { id } }", role=role, headers={"X-Ledger-Min-Position": str(position)}
    )


def test_a_position_beyond_the_head_is_bad_input_at_once(world, monkeypatch):
    head = world.gql.head()
    statements = Statements(monkeypatch)
    body = min_position(world, 100_000_000_000)
    assert body["data"] is None
    assert body["errors"][0]["extensions"] == {
        "code": "BAD_INPUT",
        "position": 100_000_000_000,
        "head": head,
    }
    assert statements.count == 0  # the head is read from the log; no read model is asked
    assert not min_position(world, head).get("errors")  # the head itself is fine


@contextlib.contextmanager
def projector_elsewhere(world: World, timeout: float) -> Iterator[int]:
    """This process's follower stopped (as with `serve --no-projector`) and one event
    appended that no projector applies: yields its position; the follower restarts after."""
    from ledger import commands as c
    from ledger.domain.base import Stamp

    ledger = world.gql.ledger
    settings = ledger.settings
    saved = settings.embedded_projector, settings.read_your_writes_timeout
    ledger.runner.stop()
    settings.embedded_projector, settings.read_your_writes_timeout = False, timeout
    try:
        n = world.gql.head()
        result = ledger.app.execute(
            c.RegisterPerson(id=f"P-WAIT-{n}", name="等待"),
            Stamp("tester", None, "ADMIN", None),
            wait=False,
        )
        yield result.position
    finally:
        settings.embedded_projector, settings.read_your_writes_timeout = saved
        ledger.start_projector()
        ledger.wait_for(ledger.app.head())


def test_a_wait_that_times_out_is_stale_not_stale_data(world):
    with projector_elsewhere(world, timeout=0.3) as position:
        body = min_position(world, position)
    assert body["data"] is None
    assert body["errors"][0]["extensions"] == {"code": "STALE", "position": position}
    assert not min_position(world, position).get("errors")  # caught up: answered


def test_waiting_requests_hold_no_worker_thread(world):
    """Sixty requests wait for a position no projector reaches (more than the 40 worker
    threads): an ordinary query is answered while every one of them is still waiting."""
    with projector_elsewhere(world, timeout=8) as position, real_server(world) as port:
        token = world.gql.token("VIEWER")
        body = json.dumps({"query": "{ units { id } }"}).encode()
        waiting = []
        for _ in range(60):
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(
                (
                    f"POST /graphql HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
                    f"Content-Type: application/json\r\nX-Ledger-Min-Position: {position}\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n"
                ).encode()
                + body
            )
            waiting.append(s)
        import httpx

        answer = httpx.post(
            f"http://127.0.0.1:{port}/graphql",
            json={"query": "{ units { id } }"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        assert answer.status_code == 200 and answer.json()["data"]["units"]
        import select

        answered, _, _ = select.select(waiting, [], [], 0)
        assert answered == []  # every waiting request is still waiting
        for s in waiting:
            s.close()


# ---------------------------------------------------------------------- concurrent writers


def test_eight_writers_on_one_cycle_are_all_recorded(world):
    """8 writers × 10 scores on one cycle at once: each save races the others on the
    cycle's version, and none of them conflicts in the business sense (the server retries
    the loser against the new version), so none is refused and all 80 are in the log."""
    import httpx

    from ledger.domain.evaluation import cycle_uuid

    ledger = world.gql.ledger
    before = ledger.app.repository.get(cycle_uuid(CYCLE)).version
    outcomes: list[str] = []
    lock = threading.Lock()
    document = "mutation($i: RecordScoreInput!) { recordScore(input: $i) { id position } }"
    with real_server(world) as port:
        start = threading.Barrier(8)

        def writer(w: int) -> None:
            token = world.gql.token("APPRAISER", subject=f"appraiser-{w}")
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
                start.wait()
                for k in range(10):
                    unit = UNITS[(w + k) % len(UNITS)]
                    answer = http.post(
                        "/graphql",
                        json={
                            "query": document,
                            "variables": {
                                "i": {
                                    "cycleId": CYCLE,
                                    "unitId": unit,
                                    "criterion": "EDU",
                                    "points": 50 + w + k / 10,
                                }
                            },
                        },
                        headers={"Authorization": f"Bearer {token}"},
                    ).json()
                    errors = answer.get("errors") or []
                    with lock:
                        outcomes.append(errors[0]["extensions"]["code"] if errors else "ok")

        threads = [threading.Thread(target=writer, args=(w,)) for w in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    refused = [o for o in outcomes if o != "ok"]
    assert len(outcomes) == 80
    assert refused == [], f"{len(refused)} of 80 refused: {sorted(set(refused))}"
    assert ledger.app.repository.get(cycle_uuid(CYCLE)).version == before + 80


def test_writers_in_two_processes_retry_instead_of_refusing(world):
    """The same race across two ledgers on one store (as two API processes: no shared
    lock), 4 writers each: the losers of each race retry, none is refused."""
    from eventsourcing.persistence import IntegrityError

    from ledger import commands as c
    from ledger.domain.base import Stamp
    from ledger.domain.evaluation import cycle_uuid
    from ledger.service import Ledger

    first = world.gql.ledger
    second = Ledger.open(first.settings)
    races = []
    try:
        for ledger in (first, second):
            save = ledger.app.save

            def counting_save(*objs, _save=save, **kw):  # type: ignore[no-untyped-def]
                try:
                    return _save(*objs, **kw)
                except IntegrityError:
                    races.append(1)
                    raise

            ledger.app.save = counting_save  # type: ignore[method-assign]
        before = first.app.repository.get(cycle_uuid(CYCLE)).version
        refused: list[str] = []
        start = threading.Barrier(8)

        def writer(w: int) -> None:
            ledger = (first, second)[w % 2]
            stamp = Stamp(f"appraiser-{w}", None, "APPRAISER", None)
            start.wait()
            for k in range(10):
                command = c.RecordScore(
                    cycle_id=CYCLE,
                    unit_id=UNITS[(w + k) % len(UNITS)],
                    criterion="EDU",
                    points=40 + w + k / 10,
                )
                try:
                    ledger.app.execute(command, stamp, wait=False)
                except Exception as e:  # noqa: BLE001 - any refusal counts
                    refused.append(type(e).__name__)

        threads = [threading.Thread(target=writer, args=(w,)) for w in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert refused == []
        assert first.app.repository.get(cycle_uuid(CYCLE)).version == before + 80
        assert races, "no save lost a race: the test did not exercise the retry"
    finally:
        del first.app.save
        second.close()
        first.wait_for(first.app.head())


# ---------------------------------------------------------------------- the answer cache


def answers(world: World):
    return world.gql.http.app.state.view.answers


def test_a_repeated_query_is_answered_from_the_cache_until_a_write(world):
    cache = answers(world)
    query = "query Dash { units { id name } }"
    first = world.gql.data(query, role="VIEWER")
    hits = cache.hits
    assert world.gql.data(query, role="VIEWER") == first
    assert cache.hits == hits + 1
    world.admin(
        "registerUnit", {"id": "D-NEW", "name": "新处室", "kind": "DEPARTMENT", "parentId": "ORG"}
    )
    after = world.gql.data(query, role="VIEWER")  # the position moved: computed again
    assert cache.hits == hits + 1
    assert {"id": "D-NEW", "name": "新处室"} in after["units"]


def test_roles_and_scopes_do_not_share_answers(world):
    query = '{ case(id: "C-H1") { id summary subject { name } } }'
    admin = world.gql.data(query, role="ADMIN")["case"]
    viewer = world.gql.data(query, role="VIEWER")["case"]
    assert admin["summary"] and viewer["summary"] is None  # personal data by role
    assert world.gql.data(query, role="ADMIN")["case"] == admin
    assert world.gql.data(query, role="VIEWER")["case"] == viewer
    outside = world.gql.post(query, token=world.gql.token("RECORDER", units=[UNITS[1]]))
    inside = world.gql.post(query, token=world.gql.token("RECORDER", units=[UNITS[0]]))
    assert inside["data"]["case"]["summary"] and outside["data"]["case"] is None


def test_a_cached_answer_with_personal_data_still_writes_its_access_record(world):
    from ledger.integrity.access import AccessLog

    log = AccessLog(world.gql.ledger.app.recorder)

    def records() -> int:
        return len(log.page(after=0, first=500, entity_id="C-H1"))

    query = 'query Reads { case(id: "C-H1") { id summary } }'
    cache = answers(world)
    before, hits = records(), cache.hits
    for _ in range(3):
        assert world.gql.data(query, role="INSPECTOR")["case"]["summary"]
    assert cache.hits >= hits + 2  # the second and third came from the cache
    assert records() == before + 3  # and each wrote its record, as the first did


def test_what_the_cache_keeps_out(world):
    cache = answers(world)
    for query in (
        "{ accessLog { records { position } } }",
        "{ verifyLedger { ok } }",
        '{ responsibilityList(personId: "P-D00") { knownAt items { id } } }',
    ):
        world.gql.data(query, role="ADMIN")
        hits = cache.hits
        world.gql.data(query, role="ADMIN")
        assert cache.hits == hits, query
    head = world.gql.head()
    world.gql.data('mutation { registerPerson(input: {id: "P-CACHE", name: "甲"}) { id } }')
    assert world.gql.head() == head + 1


def test_the_default_date_is_part_of_the_key(world, monkeypatch):
    from datetime import date

    from ledger.api import answers as answers_module

    cache = answers(world)
    query = "query Today { units { id } }"
    world.gql.data(query, role="VIEWER")
    hits = cache.hits
    monkeypatch.setattr(answers_module, "today", lambda: date(2099, 1, 1))
    world.gql.data(query, role="VIEWER")
    assert cache.hits == hits  # another day's asOf: computed again


def test_a_rebuild_elsewhere_is_never_answered_from_the_cache(world):
    """A rebuild can change answers without moving the position (a projector's new revision
    or settings, or read models that had gone wrong). Here a unit's name in the read model
    is spoilt by hand, the spoilt answer is cached, and `ledger projections rebuild` runs in
    another process: once this process has seen the rebuild, the same query at the same
    position answers from the rebuilt read models, not from the cache."""
    import subprocess
    import sys

    from servers import base_env

    ledger, query = world.gql.ledger, '{ unit(id: "D03") { id name } }'
    ledger.wait_for(ledger.app.head())
    truth = world.gql.data('{ unit(id: "D03") { name } }', role="VIEWER")["unit"]["name"]
    with ledger.reads.write() as tx:
        tx.execute("UPDATE rm_units SET name = ? WHERE unit_id = ?", ("被改坏的名称", "D03"))
    world.gql.data("{ units { id } }", role="VIEWER")  # another document: the cache is warm
    assert world.gql.data(query, role="VIEWER")["unit"]["name"] == "被改坏的名称"
    hits = answers(world).hits
    assert world.gql.data(query, role="VIEWER")["unit"]["name"] == "被改坏的名称"
    assert answers(world).hits == hits + 1  # the spoilt answer is in the cache
    position, generation = ledger.app.head(), ledger.runner.seen().generation

    rebuilt = subprocess.run(
        [
            sys.executable,
            "-m",
            "ledger.cli",
            "projections",
            "rebuild",
            "--store",
            ledger.settings.store,
        ],
        capture_output=True,
        text=True,
        env=base_env(ledger.settings.store),
        timeout=300,
    )
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert ledger.app.head() == position  # nothing was written meanwhile
    # This process sees the other's rebuild as it sees the other's writes: at its follower's
    # next round (LEDGER_POLL_INTERVAL).
    wait_until(lambda: ledger.runner.seen().generation != generation, "the rebuild seen", 10)
    assert ledger.runner.seen().position == position
    assert world.gql.data(query, role="VIEWER")["unit"]["name"] == truth


# ---------------------------------------------------------------------- on the loop or on a thread


def test_only_small_queries_that_cannot_wait_run_on_the_event_loop(world):
    """A small query on SQLite runs on the event loop (a hop to a worker thread cost more
    than its work), on PostgreSQL on the small queries' own few threads (its reads wait on
    the network); a mutation, anything that may wait for the read models (`knownAt`),
    anything answered from the event store (it hashes the log, and may wait for its write
    lock: a review held the loop 30 s that way) and anything costing more than SMALL_COST
    hop to the operation threads, so neither the loop nor the small queries' threads are
    ever held long."""
    from types import SimpleNamespace

    from ledger.api.view import ON_THE_LOOP, OPERATION, SMALL_QUERY

    view = world.gql.http.app.state.view

    def placement(query: str, variables: dict | None = None) -> str:
        return view.placement(
            SimpleNamespace(query=query, operation_name=None, variables=variables)
        )

    small = "query Small($id: ID!) { unit(id: $id) { id name posts { role person { name } } } }"
    sqlite = world.gql.ledger.reads.dialect == "sqlite"
    assert placement(small, {"id": "D01"}) == (ON_THE_LOOP if sqlite else SMALL_QUERY)
    for query in (
        '{ unit(id: "D01") { posts(knownAt: "2024-01-01T00:00:00Z") { role } } }',  # may wait
        'query Q($t: DateTime) { unit(id: "D01") { posts(knownAt: $t) { role } } }',
        'mutation { registerPerson(input: {id: "P-X", name: "甲"}) { id } }',
        "{ units { id name posts { role person { name } } } }",  # over the cost
        "{ unit(id: ",  # does not parse: strawberry reports it, off the loop
        "{ treeHead { treeSize } }",  # the event store
        "{ verifyLedger { ok } }",
        "{ accessLog { records { position } } }",
    ):
        assert placement(query) == OPERATION, query
