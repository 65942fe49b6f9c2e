"""Live events: `ledgerEvents(types)` over graphql-transport-ws, across API processes.

A websocket client subscribes on API process A (and on B); events are written through
API process B. Every event arrives once, in log order, on every process; the types
filter holds; connection_init must carry a valid bearer token. Also the per-process feed
itself: one poller shared by every subscriber, and a slow subscriber loses nothing.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
import websockets
from scenario import ASSUME_POST, REGISTER_PERSON, REGISTER_UNIT
from servers import Api, Projector, init_store, postgres_schema, token

from ledger import commands as c
from ledger.api import feed as feed_module
from ledger.domain.base import Stamp
from ledger.service import Ledger

SUBSCRIBE_ALL = "subscription { ledgerEvents { position type entityId actor payload } }"
SUBSCRIBE_PEOPLE = (
    'subscription { ledgerEvents(types: ["PersonRegistered", "PostAssumed"]) '
    "{ position type entityId } }"
)
EVENTS = "query($after: Int!) { events(after: $after, first: 500) { events { position type } } }"


@pytest.fixture(params=["sqlite", "postgres"])
def two_apis(request, tmp_path: Path) -> Iterator[tuple[Api, Api]]:
    """Two API processes on one store: on SQLite each projects for itself (the one-machine
    set-up), on PostgreSQL neither does and `ledger projections run` projects for both."""
    with ExitStack() as stack:
        if request.param == "sqlite":
            store = f"sqlite:///{tmp_path}/ledger.sqlite3"
        else:
            store = stack.enter_context(postgres_schema())
        init_store(store)
        embedded = request.param == "sqlite"
        if not embedded:
            stack.enter_context(Projector(store, tmp_path))
        a = stack.enter_context(Api("api-a", store, tmp_path, projector=embedded))
        b = stack.enter_context(Api("api-b", store, tmp_path, projector=embedded))
        a.wait_ready()
        b.wait_ready()
        yield a, b


class Subscription:
    """One graphql-transport-ws connection with one subscription on it."""

    def __init__(self, api: Api, query: str, bearer: str | None):
        self.api, self.query, self.bearer = api, query, bearer
        self.received: list[dict] = []
        self.ws = None

    async def open(self) -> None:
        self.ws = await websockets.connect(
            f"ws://127.0.0.1:{self.api.port}/graphql", subprotocols=["graphql-transport-ws"]
        )
        payload = {"Authorization": f"Bearer {self.bearer}"} if self.bearer else {}
        await self.ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        ack = json.loads(await asyncio.wait_for(self.ws.recv(), 10))
        assert ack["type"] == "connection_ack", ack
        await self.ws.send(
            json.dumps({"id": "1", "type": "subscribe", "payload": {"query": self.query}})
        )

    async def drain(self, seconds: float) -> None:
        """Collect whatever arrives for `seconds`."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                message = json.loads(await asyncio.wait_for(self.ws.recv(), left))
            except TimeoutError:
                return
            assert message["type"] == "next", message
            assert not message["payload"].get("errors"), message
            self.received.append(message["payload"]["data"]["ledgerEvents"])

    async def until(self, position: int, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while not self.received or self.received[-1]["position"] < position:
            left = deadline - time.monotonic()
            assert left > 0, f"{self.api.name}: nothing at or past {position}: {self.received[-3:]}"
            await self.drain(min(left, 0.2))

    async def close(self) -> None:
        await self.ws.close()


def positions(events: list[dict]) -> list[int]:
    return [e["position"] for e in events]


def test_subscribers_on_every_process_get_every_event_once_in_order(two_apis):
    a, b = two_apis
    admin, inspector = token("ADMIN"), token("INSPECTOR")

    async def scenario() -> None:
        everything = Subscription(a, SUBSCRIBE_ALL, inspector)
        people = Subscription(a, SUBSCRIBE_PEOPLE, inspector)
        on_b = Subscription(b, SUBSCRIBE_ALL, inspector)
        subscriptions = (everything, people, on_b)
        for s in subscriptions:
            await s.open()
        # A subscription starts at the head when the server takes it up, which the protocol
        # does not acknowledge: write probes until every subscriber has seen one.
        probe = 0
        while not all(s.received for s in subscriptions):
            assert probe < 100, "the subscriptions never started"
            b.data(REGISTER_PERSON, {"id": f"PROBE-{probe}", "name": "探针"}, token=admin)
            probe += 1
            for s in subscriptions:
                await s.drain(0.05)
        starts = {id(s): s.received[0]["position"] for s in subscriptions}

        last = 0
        for uid, kind, parent in [("ORG", "ORGAN", None), ("DEP", "DEPARTMENT", "ORG")]:
            done = b.data(
                REGISTER_UNIT,
                {"id": uid, "name": f"单位{uid}", "kind": kind, "parentId": parent},
                token=admin,
            )
            last = done["registerUnit"]["position"]
        for n in range(12):
            done = b.data(REGISTER_PERSON, {"id": f"P-{n}", "name": f"干部{n}"}, token=admin)
            last = done["registerPerson"]["position"]
            if n % 3 == 0:
                done = b.data(
                    ASSUME_POST,
                    {"p": f"P-{n}", "u": "DEP", "role": "STAFF", "from": "2024-01-01"},
                    token=admin,
                )
                last = done["assumePost"]["position"]
        await everything.until(last)
        await on_b.until(last)
        await people.until(last)
        for s in subscriptions:  # nothing more may come: no duplicates trail behind
            await s.drain(0.5)
            await s.close()

        log = b.data(EVENTS, {"after": min(starts.values()) - 1}, token=inspector)["events"][
            "events"
        ]
        assert log[-1]["position"] == last
        for s in (everything, on_b):
            expected = [e for e in log if e["position"] >= starts[id(s)]]
            assert positions(s.received) == positions(expected), s.api.name
            assert [e["type"] for e in s.received] == [e["type"] for e in expected]
        wanted = {"PersonRegistered", "PostAssumed"}
        expected = [e for e in log if e["position"] >= starts[id(people)] and e["type"] in wanted]
        assert positions(people.received) == positions(expected)
        assert {e["type"] for e in people.received} == wanted
        unit_event = next(e for e in everything.received if e["type"] == "UnitRegistered")
        assert unit_event["entityId"] == "ORG" and unit_event["actor"] == "admin-mp"
        assert unit_event["payload"]["name"] == "单位ORG"

    asyncio.run(scenario())


def test_connection_init_without_a_valid_token_is_refused(two_apis):
    a, _ = two_apis

    async def refused(payload: dict) -> int:
        async with websockets.connect(
            f"ws://127.0.0.1:{a.port}/graphql", subprotocols=["graphql-transport-ws"]
        ) as ws:
            await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), 10)
            return closed.value.rcvd.code

    async def viewer_refused() -> dict:
        s = Subscription(a, SUBSCRIBE_ALL, token("VIEWER"))
        await s.open()
        message = json.loads(await asyncio.wait_for(s.ws.recv(), 10))
        await s.close()
        return message

    assert asyncio.run(refused({})) == 4403
    assert asyncio.run(refused({"Authorization": "Bearer not-a-token"})) == 4403
    message = asyncio.run(viewer_refused())  # authenticated, but raw events are not for viewers
    assert message["type"] in ("next", "error")
    errors = message["payload"]["errors"] if message["type"] == "next" else message["payload"]
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"


def test_only_subscriptions_run_over_a_websocket(two_apis):
    """Queries and mutations over a websocket would skip the HTTP path's checks: refused
    with BAD_INPUT and nothing appended; the legacy graphql-ws protocol is not spoken, and
    an oversized message closes the connection (1009) instead of being read."""
    a, _ = two_apis
    admin = token("ADMIN")
    mutation = 'mutation { registerPerson(input: {id: "WS-1", name: "经由套接字"}) { position } }'

    async def answer(query: str) -> dict:
        s = Subscription(a, query, admin)
        await s.open()
        message = json.loads(await asyncio.wait_for(s.ws.recv(), 10))
        await s.close()
        return message

    async def closed_code(subprotocol: str, message: str) -> int:
        async with websockets.connect(
            f"ws://127.0.0.1:{a.port}/graphql", subprotocols=[subprotocol], max_size=None
        ) as ws:
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await ws.send(message)  # the server may close before this is even sent
                while True:
                    await asyncio.wait_for(ws.recv(), 10)
            return closed.value.rcvd.code

    head = a.data(EVENTS, {"after": 0}, token=admin)["events"]["events"]
    paired = mutation.replace("mutation {", "mutation M {") + (
        " subscription S { ledgerEvents { position } }"  # unnamed: strawberry runs the first
    )
    for query in (mutation, '{ unit(id: "ORG") { name } }', paired):
        message = asyncio.run(answer(query))
        assert message["type"] == "error", message
        assert message["payload"][0]["extensions"]["code"] == "BAD_INPUT"
        assert "HTTP POST" in message["payload"][0]["message"]
    assert a.data(EVENTS, {"after": 0}, token=admin)["events"]["events"] == head

    async def subscribe_with(payload: object) -> int:
        async with websockets.connect(
            f"ws://127.0.0.1:{a.port}/graphql", subprotocols=["graphql-transport-ws"]
        ) as ws:
            init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {admin}"}}
            await ws.send(json.dumps(init))
            assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
                while True:
                    await asyncio.wait_for(ws.recv(), 10)
            return closed.value.rcvd.code

    assert asyncio.run(subscribe_with("not an object")) == 4400

    legacy = json.dumps({"type": "connection_init", "payload": {}})
    assert asyncio.run(closed_code("graphql-ws", legacy)) == 4406
    oversized = json.dumps({"type": "connection_init", "payload": {"x": "字" * 300_000}})
    assert asyncio.run(closed_code("graphql-transport-ws", oversized)) == 1009


# ---------------------------------------------------------------------- the feed in process


def test_one_poller_serves_every_subscriber_and_a_slow_one_loses_nothing(
    settings, monkeypatch: pytest.MonkeyPatch
):
    """In process: 20 subscribers share one feed; one that reads nothing for a while falls
    out of the fan-out, catches up from the index by itself, and still gets every event."""
    monkeypatch.setattr(feed_module, "MAX_QUEUED_PAGES", 2)
    monkeypatch.setattr(feed_module, "PAGE", 5)
    ledger = Ledger.open(settings)
    stamp = Stamp("feeder")

    async def scenario() -> None:
        started = time.monotonic()
        feed = feed_module.feed_for(ledger)
        subscribers = [await feed.subscribe() for _ in range(20)]
        assert feed_module.feed_for(ledger) is feed and len(feed.subscribers) == 20
        iterators = [s.rows() for s in subscribers]
        slow = iterators[0]

        def write(n: int, first: int = 0) -> None:
            for i in range(first, first + n):
                ledger.app.execute(c.RegisterPerson(f"P-{i}", f"干部{i}"), stamp, wait=False)
            ledger.runner.catch_up()

        def write_more(n: int, first: int = 1000) -> None:
            write(n, first)

        await asyncio.to_thread(write, 60)
        got: dict[int, list[int]] = {}
        for i, it in enumerate(iterators[1:], 1):
            got[i] = [(await anext(it)).position for _ in range(60)]
        assert all(g == list(range(1, 61)) for g in got.values())
        # The slow one read nothing while 60 events (12 pages) passed: it left the fan-out.
        assert subscribers[0].lagging
        slow_got = [(await anext(slow)).position for _ in range(60)]
        assert slow_got == list(range(1, 61))
        await asyncio.to_thread(write_more, 3)
        for it in iterators:
            assert [(await anext(it)).position for _ in range(3)] == [61, 62, 63]
        assert not subscribers[0].lagging  # level again: back in the fan-out
        await asyncio.to_thread(write_more, 2, 1003)
        for it in iterators:
            assert [(await anext(it)).position for _ in range(2)] == [64, 65]
        # One poller: index reads follow the clock, not the number of subscribers (20
        # pollers of their own would have made ~20 times as many).
        elapsed = time.monotonic() - started
        most = elapsed / settings.poll_interval + 20
        assert feed.polls <= most, f"{feed.polls} index reads in {elapsed:.2f} s"
        for it in iterators:
            await it.aclose()
        assert not feed.subscribers
        await asyncio.sleep(settings.poll_interval * 3)
        assert feed_module._feeds.get(feed.key) is None, "the poller outlived its subscribers"

    try:
        asyncio.run(scenario())
    finally:
        ledger.close()


def test_a_scoped_subscription_carries_its_units_events_and_ends_when_its_token_expires(
    two_apis,
):
    """A RECORDER limited to DEP hears DEP's events and its people's, not ORG's or another
    department's; when the token expires the subscription ends with UNAUTHENTICATED."""
    a, b = two_apis
    admin = token("ADMIN")
    for uid, kind, parent in [
        ("ORG", "ORGAN", None),
        ("DEP", "DEPARTMENT", "ORG"),
        ("OTHER", "DEPARTMENT", "ORG"),
    ]:
        b.data(
            REGISTER_UNIT, {"id": uid, "name": uid, "kind": kind, "parentId": parent}, token=admin
        )
    short = token("RECORDER", "recorder-dep", units=["DEP"], ttl="6s")
    issued = time.monotonic()

    async def scenario() -> dict:
        s = Subscription(a, SUBSCRIBE_ALL, short)
        await s.open()
        await asyncio.sleep(1)  # the server takes the subscription up at the head
        for n, unit in enumerate(["DEP", "OTHER", "DEP", "ORG"]):
            b.data(REGISTER_PERSON, {"id": f"Q-{n}", "name": f"干部{n}"}, token=admin)
            b.data(
                ASSUME_POST,
                {"p": f"Q-{n}", "u": unit, "role": "STAFF", "from": "2024-01-01"},
                token=admin,
            )
        while True:  # events, then the end
            left = 20 - (time.monotonic() - issued)
            assert left > 0, "the subscription outlived its token"
            message = json.loads(await asyncio.wait_for(s.ws.recv(), left))
            if message["type"] != "next" or message["payload"].get("errors"):
                await s.close()
                return message
            s.received.append(message["payload"]["data"]["ledgerEvents"])
            heard.extend(s.received[-1:])

    heard: list[dict] = []
    end = asyncio.run(scenario())
    # a person belongs to the units of their posts: hold posts in DEP
    assert {e["entityId"] for e in heard} == {"Q-0", "Q-2"}, heard
    assert {e["type"] for e in heard} == {"PostAssumed"}
    assert time.monotonic() - issued >= 5
    errors = end["payload"]["errors"] if end["type"] == "next" else end["payload"]
    assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED", end
