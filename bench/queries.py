"""responsibilityList latency against the length of the history behind it.

For each size (events in the log) a fresh store is filled with a synthetic but realistic
history spanning ten years of record time: units, people who take posts and move,
responsibility items assigned, rotated (a transfer every ~3 years), sometimes ended, and
corrected (a third of the items) long after the fact. Record time is the commit time, so
each batch of events is committed with `ledger.integrity.chain.clock` set to the record time the
generator chose for it (and the events carry it as their `timestamp`): "knownAt a year
back" selects a real past state of the ledger. The projections then catch up from
position 0 (timed), and the query is measured four ways:

    asOf today        × knownAt now
    asOf today        × knownAt a year back
    asOf 3 years back × knownAt now
    asOf 3 years back × knownAt a year back

through three paths; sample i runs every case on every size by every path before
sample i+1, and each sample asks for another holder:

    bare SQL          projections.responsibility.responsibility_list under ledger.reads.read()
                      (the baseline: the read model alone)
    GraphQL           schema.execute_sync with a VIEWER context (resolvers, the holder lookup,
                      the knownAt -> position lookup, serialisation)
    HTTP              POST /graphql to the real server (uvicorn running create_app in a
                      child process on the same store) over one keep-alive connection:
                      JWT check, JSON, the ASGI stack, the worker-thread hop, logging

Run:  .venv/bin/python bench/queries.py [--sizes 1e4,1e5] [--samples 1000]
      1e6 events adds ~25-30 minutes on a shared 2-vCPU machine (building and projecting
      the history, not the queries).
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from _common import (
    POSTGRES_URL,
    Section,
    count,
    emit,
    fresh_store,
    ms,
    now_ns,
    parse_sizes,
    percentile,
    quiet_logging,
    ratio,
    short_size,
)

from ledger.domain.base import Stamp, create
from ledger.domain.person import Person, person_uuid
from ledger.domain.responsibility import ResponsibilityItem, item_uuid
from ledger.domain.unit import Unit, unit_uuid
from ledger.domain.values import POST_ROLES, RESPONSIBILITY_AREAS, RESPONSIBILITY_KINDS
from ledger.integrity import chain as integrity
from ledger.service import Ledger
from ledger.settings import Settings

DAY = 86_400.0
YEARS_OF_HISTORY = 10
ACTORS = tuple(f"hr-recorder-{i}" for i in range(1, 5))
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘"
GIVEN = "建国明远思齐海峰文静立新晓红志强丽华国栋雨桐光明春燕志远德华秀英伟军芳敏"
AREA_WORDS = {
    "EDUCATION": "廉政教育",
    "SUPERVISION": "监督检查",
    "MANAGEMENT": "日常管理",
}
TOPICS = ("干部选拔任用", "政府采购", "项目审批", "资金拨付", "工程建设", "公务接待", "人事招聘")
REASONS = (
    "据人事处来函更正轮岗生效日期",
    "原登记责任人有误，依分工文件更正",
    "补录会议纪要所定分工",
)
BATCH_EVENTS = 2000  # events per app.save while generating
PERSON_ACTIONS = frozenset(("person", "post", "leave", "move"))


# ---------------------------------------------------------------------- the history


@dataclass
class HistoryStats:
    events: int = 0
    units: int = 0
    persons: int = 0
    items: int = 0
    transfers: int = 0
    corrections: int = 0
    corrections_last_year: int = 0
    transfers_last_year: int = 0
    ended: int = 0
    first: datetime | None = None
    last: datetime | None = None
    generate_s: float = 0.0
    catch_up_s: float = 0.0
    holding_rows: int = 0
    holders: int = 0
    projectors: tuple[str, ...] = ()


@dataclass
class Generator:
    """Plans a history of exactly `n` events, then applies it in record-time order."""

    n: int
    seed: int
    end: datetime
    # Units per thousand events: 1 gives each unit hundreds of items over the ten years (a
    # dense, pessimistic history); the chain benchmark asks for a real organ's density.
    units_per_thousand: int = 1
    rng: random.Random = field(init=False)
    stats: HistoryStats = field(default_factory=HistoryStats)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.start = self.end - timedelta(days=365.25 * YEARS_OF_HISTORY)
        self.t0 = self.start.timestamp()
        self.t_end = self.end.timestamp()
        self.year_back = (self.end - timedelta(days=365)).timestamp()

    # -------------------------------------------------------------- planning

    def plan(self) -> list[tuple[float, int, str, int]]:
        """(record time, sequence, action, index) for every event, in no particular order."""
        rng, n = self.rng, self.n
        actions: list[tuple[float, int, str, int]] = []

        def add(t: float, action: str, index: int) -> None:
            actions.append((t, len(actions), action, index))

        self.n_units = max(10, n * self.units_per_thousand // 1000)
        for u in range(self.n_units):
            add(self.t0 - DAY + u, "unit", u)
        self.n_persons = max(60, n // 30)
        for p in range(self.n_persons):
            # 40% on the books when the ledger starts, the rest hired over the years.
            if rng.random() < 0.4:
                t = self.t0 + rng.uniform(0, 30 * DAY)
            else:
                t = rng.uniform(self.t0, self.t_end - 90 * DAY)
            add(t, "person", p)
            add(t + rng.uniform(3600, 10 * DAY), "post", p)
            moved = t + rng.uniform(365 * DAY, 5 * 365 * DAY)
            if rng.random() < 0.25 and moved < self.t_end:
                add(moved, "leave", p)  # leaves the post and takes another the next day
                add(moved + 1, "move", p)
        budget = n - len(actions)
        if budget <= 0:
            raise SystemExit(f"{n} events is too few for a history; use at least 5000")
        item = 0
        while budget > 0:
            plan = self.plan_item()
            for t, action in plan[:budget]:
                add(t, action, item)
            budget -= min(len(plan), budget)
            item += 1
        self.n_items = item
        assert len(actions) == n
        return actions

    def plan_item(self) -> list[tuple[float, str]]:
        rng = self.rng
        assigned = rng.uniform(self.t0 + 30 * DAY, self.t_end - 30 * DAY)
        plan = [(assigned, "assign")]
        t = assigned
        while True:  # rotation (轮岗): at least 6 months, ~3 years on average
            t += 180 * DAY + rng.expovariate(1 / (900 * DAY))
            if t >= self.t_end:
                break
            plan.append((t, "transfer"))
        if rng.random() < 0.15 and assigned + 180 * DAY < self.t_end:
            ended = rng.uniform(assigned + 180 * DAY, self.t_end)
            plan = [p for p in plan if p[0] < ended]
            plan.append((ended, "end"))
        corrections = rng.choices((0, 1, 2), weights=(70, 25, 5))[0]
        for _ in range(corrections):
            plan.append((rng.uniform(assigned + 7 * DAY, self.t_end), "correct"))
        plan.sort()
        return plan

    # -------------------------------------------------------------- applying

    def fill(self, ledger: Ledger, progress: Callable[[str], None]) -> HistoryStats:
        started = time.perf_counter()
        actions = self.plan()
        actions.sort()
        self.units: list[str] = []
        self.registered: list[str] = []
        self.persons: dict[int, Person] = {}
        self.items: dict[int, ResponsibilityItem] = {}
        # One pending event per aggregate per save keeps positions in record-time order.
        batch: dict[tuple[str, int], Any] = {}
        batch_time = [0.0]

        def save(pending: dict) -> None:
            # Record time is the commit's: commit this batch at the time of its last event.
            integrity.clock = lambda: datetime.fromtimestamp(batch_time[0], UTC)
            try:
                ledger.app.save(*pending.values())
            finally:
                integrity.clock = real_clock

        real_clock = integrity.clock
        for done, (t, _seq, action, index) in enumerate(actions, 1):
            key = (
                "unit" if action == "unit" else "person" if action in PERSON_ACTIONS else "item",
                index,
            )
            if key in batch or len(batch) >= BATCH_EVENTS:
                save(batch)
                batch = {}
            batch[key] = self.apply(action, index, datetime.fromtimestamp(t, UTC))
            batch_time[0] = t
            if done % 100_000 == 0:
                progress(f"generated {done:,} / {len(actions):,} events")
        if batch:
            save(batch)
        s = self.stats
        s.events, s.units, s.persons, s.items = (
            len(actions),
            self.n_units,
            len(self.persons),
            len(self.items),
        )
        s.first = datetime.fromtimestamp(actions[0][0], UTC)
        s.last = datetime.fromtimestamp(actions[-1][0], UTC)
        s.generate_s = time.perf_counter() - started
        return s

    def stamp(self) -> Stamp:
        return Stamp(self.rng.choice(ACTORS))

    def apply(self, action: str, index: int, ts: datetime) -> Any:
        rng = self.rng
        if action == "unit":
            return self.new_unit(index, ts)
        if action == "person":
            pid = f"P-{index:07d}"
            name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
            person = create(
                Person,
                Person.Registered,
                self.stamp(),
                person_uuid(pid),
                person_id=pid,
                name=name,
                timestamp=ts,
            )
            self.persons[index] = person
            self.registered.append(pid)
            return person
        if action in ("post", "move"):
            person = self.persons[index]
            held = {p["unit_id"] for p in person.posts}
            unit = rng.choice(self.units[1:])
            for _ in range(20):  # another unit than those held (a person holds a few posts)
                if unit not in held:
                    break
                unit = rng.choice(self.units[1:])
            person.trigger_event(
                Person.PostAssumed,
                **self.stamp().fields(),
                unit_id=unit,
                role=rng.choice(POST_ROLES[1:]),
                valid_from=(ts.date() + timedelta(days=1 if action == "move" else 0)).isoformat(),
                timestamp=ts,
            )
            return person
        if action == "leave":
            person = self.persons[index]
            post = next(p for p in person.posts if p["valid_to"] is None)
            person.trigger_event(
                Person.PostLeft,
                **self.stamp().fields(),
                unit_id=post["unit_id"],
                role=post["role"],
                valid_to=max(ts.date().isoformat(), post["valid_from"]),
                timestamp=ts,
            )
            return person
        if action == "assign":
            return self.assign(index, ts)
        item = self.items[index]
        current = item.periods[-1]
        if action == "transfer":
            effective = ts.date() + timedelta(days=rng.randint(-20, 45))
            floor = date.fromisoformat(current["valid_from"]) + timedelta(days=1)
            item.trigger_event(
                ResponsibilityItem.Transferred,
                **self.stamp().fields(),
                from_holder_id=current["holder_id"],
                to_holder_id=self.other_person(current["holder_id"]),
                effective=max(effective, floor).isoformat(),
                timestamp=ts,
            )
            self.stats.transfers += 1
            self.stats.transfers_last_year += ts.timestamp() >= self.year_back
            return item
        if action == "end":
            valid_to = (ts.date() + timedelta(days=rng.randint(-30, 30))).isoformat()
            item.trigger_event(
                ResponsibilityItem.Ended,
                **self.stamp().fields(),
                valid_to=max(valid_to, current["valid_from"]),
                timestamp=ts,
            )
            self.stats.ended += 1
            return item
        assert action == "correct"
        item.trigger_event(
            ResponsibilityItem.Corrected,
            **self.stamp().fields(),
            periods=self.corrected(item.periods),
            reason=rng.choice(REASONS),
            timestamp=ts,
        )
        self.stats.corrections += 1
        self.stats.corrections_last_year += ts.timestamp() >= self.year_back
        return item

    def new_unit(self, index: int, ts: datetime) -> Unit:
        # Every 25th unit is an organ; the others are departments of the latest organ.
        organ = index % 25 == 0
        uid = f"U-{index:05d}"
        parent = None if organ else self.units[(index // 25) * 25]
        unit = create(
            Unit,
            Unit.Registered,
            self.stamp(),
            unit_uuid(uid),
            unit_id=uid,
            name=("省直某厅" if organ else "处室") + f"{index:05d}",
            kind="ORGAN" if organ else "DEPARTMENT",
            parent_id=parent,
            short_name=None,
            timestamp=ts,
        )
        self.units.append(uid)
        return unit

    def assign(self, index: int, ts: datetime) -> ResponsibilityItem:
        rng = self.rng
        iid = f"R-{index:07d}"
        area = rng.choice(RESPONSIBILITY_AREAS)
        item = create(
            ResponsibilityItem,
            ResponsibilityItem.Assigned,
            self.stamp(),
            item_uuid(iid),
            item_id=iid,
            holder_id=rng.choice(self.registered),
            kind=rng.choice(RESPONSIBILITY_KINDS),
            area=area,
            title=f"{rng.choice(TOPICS)}{AREA_WORDS[area]}第{index}项",
            scope_unit_ids=sorted(
                rng.sample(self.units, k=min(len(self.units), rng.randint(1, 3)))
            ),
            valid_from=(ts.date() - timedelta(days=rng.randint(0, 60))).isoformat(),
            valid_to=None,
            timestamp=ts,
        )
        self.items[index] = item
        return item

    def other_person(self, than: str) -> str:
        while True:
            pid = self.rng.choice(self.registered)
            if pid != than:
                return pid

    def corrected(self, periods: list[dict]) -> list[dict]:
        """A restated timeline: a rotation date moved by days or weeks, or a wrong holder fixed."""
        rng = self.rng
        ps = [dict(p) for p in periods]
        if len(ps) >= 2 and rng.random() < 0.7:
            i = rng.randrange(1, len(ps))
            current = date.fromisoformat(ps[i]["valid_from"])
            low = date.fromisoformat(ps[i - 1]["valid_from"]) + timedelta(days=1)
            high = (
                date.fromisoformat(ps[i]["valid_to"])
                if ps[i]["valid_to"]
                else current + timedelta(days=60)
            )
            moved = current + timedelta(days=rng.choice((-1, 1)) * rng.randint(3, 40))
            moved = min(max(moved, low), high)
            if moved != current:
                ps[i - 1]["valid_to"] = (moved - timedelta(days=1)).isoformat()
                ps[i]["valid_from"] = moved.isoformat()
                return ps
        j = rng.randrange(len(ps))
        ps[j]["holder_id"] = self.other_person(ps[j]["holder_id"])
        return ps


# ---------------------------------------------------------------------- the queries

QUERY = """query List($p: ID!, $asOf: Date, $knownAt: DateTime) {
  responsibilityList(personId: $p, asOf: $asOf, knownAt: $knownAt) {
    holder { id name }
    asOf
    knownAt
    items { id kind area title validFrom validTo }
  }
}"""
PATHS = ("bare SQL", "GraphQL in process", "HTTP to uvicorn")
HOLDERS_PER_CASE = 200


@dataclass(frozen=True)
class Case:
    name: str
    as_of: str
    known_at: datetime | None
    position: int | None  # what knownAt resolves to, for the bare SQL baseline


@dataclass
class Measured:
    events: int
    case: str
    path: str
    samples_ns: list[int]
    items: float

    def p(self, q: float) -> float:
        return percentile(self.samples_ns, q)


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def make_cases(ledger: Ledger) -> list[Case]:
    from ledger.api.context import today
    from projections.event_index import position_known_at

    now_day = today()
    back = years_before(now_day, 3)
    year_back = datetime.now(UTC) - timedelta(days=365)
    with ledger.reads.read() as tx:
        position = position_known_at(tx, year_back)
    return [
        Case("asOf today · knownAt now", now_day.isoformat(), None, None),
        Case("asOf today · knownAt 1 year back", now_day.isoformat(), year_back, position),
        Case("asOf 3 years back · knownAt now", back.isoformat(), None, None),
        Case("asOf 3 years back · knownAt 1 year back", back.isoformat(), year_back, position),
    ]


def bare(ledger: Ledger, holder: str, case: Case) -> list[Any]:
    from projections.responsibility import responsibility_list

    with ledger.reads.read() as tx:
        return responsibility_list(tx, holder, case.as_of, case.position)


def variables(holder: str, case: Case) -> dict[str, Any]:
    return {
        "p": holder,
        "asOf": case.as_of,
        "knownAt": case.known_at.isoformat() if case.known_at else None,
    }


def holders_for(ledger: Ledger, case: Case, persons: list[str], seed: int) -> list[str]:
    """Up to HOLDERS_PER_CASE people who held at least one item in this case, at random."""
    rng = random.Random(f"{seed}:{case.name}")
    pool = persons[:]
    rng.shuffle(pool)
    found = []
    for holder in pool[: HOLDERS_PER_CASE * 20]:
        if bare(ledger, holder, case):
            found.append(holder)
            if len(found) == HOLDERS_PER_CASE:
                break
    return found or pool[:HOLDERS_PER_CASE]


def changed_by_known_at(ledger: Ledger, cases: list[Case], holders: list[str]) -> dict[str, float]:
    """Per asOf: the share of holders whose list as known a year ago differs from now."""
    out = {}
    for now_case, past_case in ((cases[0], cases[1]), (cases[2], cases[3])):
        differ = sum(bare(ledger, h, now_case) != bare(ledger, h, past_case) for h in holders)
        out[now_case.as_of] = differ / len(holders) if holders else math.nan
    return out


@contextmanager
def api_server(settings: Settings) -> Iterator[Callable[[dict, dict], dict]]:
    """The real server (uvicorn, create_app) in a child process on the same store.

    Yields `post(body, headers) -> JSON answer` over one keep-alive connection. The server
    logs as in production, into a file that is shown only if it fails to start.
    """
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "LEDGER_STORE": settings.store,
        "LEDGER_JWT_SECRET": settings.jwt_secret or "",
        "LEDGER_EMBEDDED_PROJECTOR": "0",
        "LEDGER_LOG_JSON": "1",
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "ledger.api.app:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    with tempfile.TemporaryFile("w+") as log:
        server = subprocess.Popen(command, env=env, stdout=log, stderr=log)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    conn.request("GET", "/healthz")
                    conn.getresponse().read()
                    break
                except OSError:
                    conn.close()
                    if server.poll() is not None or time.monotonic() > deadline:
                        log.seek(0)
                        raise RuntimeError(f"the API server did not start:\n{log.read()}") from None
                    time.sleep(0.1)

            def post(body: dict, headers: dict) -> dict:
                data = json.dumps(body).encode()
                try:
                    conn.request("POST", "/graphql", data, headers)
                    response = conn.getresponse()
                except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
                    # uvicorn closes a keep-alive connection idle for 5 s (its default), e.g.
                    # while the other servers start: reconnect. Only warm-up samples see this.
                    conn.close()
                    conn.request("POST", "/graphql", data, headers)
                    response = conn.getresponse()
                answer = json.loads(response.read())
                if response.status != 200 or answer.get("errors"):
                    raise RuntimeError(f"HTTP {response.status}: {answer}")
                return answer

            yield post
        finally:
            conn.close()
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


@dataclass
class SizeRun:
    """One history: its store, opened, with what the measurement needs."""

    ledger: Ledger
    stats: HistoryStats
    persons: list[str]
    cases: list[Case] = field(default_factory=list)
    holders: dict[str, list[str]] = field(default_factory=dict)  # case name -> holders
    measured: list[Measured] = field(default_factory=list)
    changed: dict[str, float] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def events(self) -> int:
        return self.stats.events


def build(
    stack: ExitStack, kind: str, n: int, seed: int, postgres_url: str, units_per_thousand: int = 1
) -> SizeRun:
    """A fresh store holding an n-event history, projected (both timed); stays open."""

    def progress(message: str) -> None:
        print(f"… [{kind} {short_size(n)}] {message}", file=sys.stderr, flush=True)

    url = stack.enter_context(
        fresh_store(kind, f"history_{short_size(n).replace('.', '_')}", postgres_url)
    )
    settings = Settings()
    settings.store = url
    settings.jwt_secret = "bench-" + "x" * 42
    settings.embedded_projector = False
    ledger = Ledger.open(settings)
    stack.callback(ledger.close)
    generator = Generator(
        n, seed, end=datetime.now(UTC) - timedelta(hours=1), units_per_thousand=units_per_thousand
    )
    progress("generating the history")
    stats = generator.fill(ledger, progress)
    head = ledger.app.head()
    if head != n:
        raise RuntimeError(f"expected {n} events in the log, found {head}")
    progress(f"generated in {stats.generate_s:.1f} s; projecting")
    started = time.perf_counter()
    ledger.runner.catch_up(on_page=lambda p: p % 100_000 == 0 and progress(f"projected {p:,}"))
    stats.catch_up_s = time.perf_counter() - started
    stats.projectors = tuple(p.name for p in ledger.runner.projectors)
    if min(ledger.runner.positions().values()) != n:
        raise RuntimeError("the projections did not reach the head")
    with ledger.reads.read() as tx:
        row = tx.one("SELECT COUNT(*) AS n, COUNT(DISTINCT holder_id) AS h FROM rm_holdings")
        stats.holding_rows, stats.holders = row["n"], row["h"]
    progress(f"projected in {stats.catch_up_s:.1f} s")
    return SizeRun(ledger, stats, sorted(generator.registered))


def spin(k: int) -> int:
    total = 0
    for i in range(k):
        total += i
    return total


def _timed_spin(k: int) -> int:
    started = now_ns()
    spin(k)
    return now_ns() - started


def calibrate(target_ns: float) -> int:
    """Iterations of `spin` that take about target_ns on this machine (best of a few)."""
    k = 10_000
    best = min(_timed_spin(k) for _ in range(20))
    return max(1, round(k * target_ns / best))


def measure(
    stack: ExitStack, runs: list[SizeRun], samples: int, warmup: int, seed: int
) -> list[int]:
    """Sample i runs every case, on every size, by every path before sample i+1.

    Interleaving means a slower moment of the machine lands on all of them alike, so a
    difference between sizes or cases is not an artefact of when each was measured.
    """
    from ledger.api.context import Context
    from ledger.api.schema import schema
    from ledger.auth import Caller, issue_token

    caller = Caller("bench", "VIEWER")
    posts = []
    for run in runs:
        run.cases = make_cases(run.ledger)
        posts.append(stack.enter_context(api_server(run.ledger.settings)))
    token = issue_token(runs[0].ledger.settings, "bench", "VIEWER", ttl="8h")
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def path_functions(run: SizeRun, post: Callable[[dict, dict], dict]) -> list[Callable]:
        def via_sql(holder: str, case: Case) -> list[str]:
            return [r.item_id for r in bare(run.ledger, holder, case)]

        def via_graphql(holder: str, case: Case) -> list[str]:
            result = schema.execute_sync(
                QUERY,
                variable_values=variables(holder, case),
                context_value=Context(run.ledger, caller, None),
            )
            if result.errors:
                raise RuntimeError(f"GraphQL error: {result.errors[0]}")
            return [i["id"] for i in result.data["responsibilityList"]["items"]]

        def via_http(holder: str, case: Case) -> list[str]:
            body = post({"query": QUERY, "variables": variables(holder, case)}, headers)
            return [i["id"] for i in body["data"]["responsibilityList"]["items"]]

        return [via_sql, via_graphql, via_http]

    paths = [path_functions(run, post) for run, post in zip(runs, posts, strict=True)]
    n_cases = len(runs[0].cases)
    # [run][case][path] -> ns, and [run][case] -> items returned
    timings = [[[[] for _ in PATHS] for _ in range(n_cases)] for _ in runs]
    items = [[0] * n_cases for _ in runs]
    for run in runs:
        for case in run.cases:
            run.holders[case.name] = holders_for(run.ledger, case, run.persons, seed)
    # A pure-CPU loop as long as a typical bare query, timed between the samples: what the
    # machine alone does to a fixed amount of work (its p99 is scheduling jitter, not SQL).
    loop = calibrate(target_ns=300_000)
    jitter: list[int] = []
    for i in range(warmup + samples):
        if i >= warmup:
            jitter.append(_timed_spin(loop))
        if i % 100 == 0:
            print(f"… sample {i} of {warmup + samples}", file=sys.stderr, flush=True)
        for c in range(n_cases):
            for r, run in enumerate(runs):
                case = run.cases[c]
                holders = run.holders[case.name]
                holder = holders[i % len(holders)]
                answers = []
                for path, timing in zip(paths[r], timings[r][c], strict=True):
                    started = now_ns()
                    answers.append(path(holder, case))
                    elapsed = now_ns() - started
                    if i >= warmup:
                        timing.append(elapsed)
                if i < len(holders) and not answers[0] == answers[1] == answers[2]:
                    run.problems.append(f"{case.name}: {holder} answered differently by path")
                if i >= warmup:
                    items[r][c] += len(answers[0])
    for r, run in enumerate(runs):
        for c, case in enumerate(run.cases):
            for name, timing in zip(PATHS, timings[r][c], strict=True):
                timing.sort()
                run.measured.append(
                    Measured(run.events, case.name, name, timing, items[r][c] / samples)
                )
    for run in runs:
        holders = sorted({h for hs in run.holders.values() for h in hs})
        run.changed = changed_by_known_at(run.ledger, run.cases, holders)
    jitter.sort()
    return jitter


# ---------------------------------------------------------------------- tables


def tables(
    kind: str, runs: list[SizeRun], samples: int, warmup: int, jitter: list[int]
) -> list[Section]:
    sizes = [r.stats.events for r in runs]
    measured = [m for r in runs for m in r.measured]
    by = {(m.events, m.case, m.path): m for m in measured}
    cases = list(dict.fromkeys(m.case for m in measured))

    latency = Section(
        f"responsibilityList latency ({kind})",
        ("events", "case", "path", "p50 ms", "p99 ms", "ratio to bare SQL p50", "items/answer"),
        numeric=frozenset({0, 3, 4, 5, 6}),
    )
    for case in cases:
        for path in PATHS:
            for n in sizes:
                m = by[(n, case, path)]
                base = by[(n, case, PATHS[0])].p(50)
                latency.rows.append(
                    (
                        short_size(n),
                        case,
                        path,
                        ms(m.p(50)),
                        ms(m.p(99)),
                        ratio(m.p(50), base),
                        f"{m.items:.1f}",
                    )
                )
    latency.notes = [
        f"{samples} timed samples per case, path and size after {warmup} warm-up samples, "
        "interleaved: sample i runs every case on every size by all three paths before "
        "sample i+1; each "
        f"sample asks for another holder, cycling over up to {HOLDERS_PER_CASE} people who held "
        "at least one item in that case.",
        "bare SQL = projections.responsibility.responsibility_list in one ledger.reads.read() "
        "transaction, with knownAt already resolved to a position; GraphQL also looks up the "
        "holder and (for knownAt) the position, each in its own read transaction.",
        "Noise floor: a pure-Python loop that takes 0.300 ms alone, timed between the samples, "
        f"took p50 {ms(percentile(jitter, 50))} ms, p99 {ms(percentile(jitter, 99))} ms here: "
        "what interleaving with the other paths (and the server process) and the machine's "
        "scheduling jitter do to fixed work. p99 values are dominated by that, not by the query.",
    ]

    flat = Section(
        f"p50 ms by history size ({kind}) — flat means history length does not matter",
        ("case", "path", *(f"{short_size(n)} events" for n in sizes), "largest ÷ smallest"),
        numeric=frozenset(range(2, 3 + len(sizes))),
    )
    for case in cases:
        for path in PATHS:
            p50s = [by[(n, case, path)].p(50) for n in sizes]
            flat.rows.append((case, path, *(ms(p) for p in p50s), ratio(p50s[-1], p50s[0])))

    history = Section(
        f"The histories ({kind})",
        (
            "events",
            "units",
            "persons",
            "items",
            "transfers (last year)",
            "corrections (last year)",
            "ended",
            "record time",
            "generate + save",
            "projection catch-up",
            "rm_holdings rows (per holder)",
            "lists changed by knownAt −1y (asOf today / −3y)",
        ),
        numeric=frozenset({0, 1, 2, 3, 4, 5, 6}),
    )
    for r in runs:
        s = r.stats
        changed = list(r.changed.values())
        history.rows.append(
            (
                count(s.events),
                count(s.units),
                count(s.persons),
                count(s.items),
                f"{count(s.transfers)} ({count(s.transfers_last_year)})",
                f"{count(s.corrections)} ({count(s.corrections_last_year)})",
                count(s.ended),
                f"{s.first:%Y-%m-%d} → {s.last:%Y-%m-%d}",
                f"{s.generate_s:.1f} s ({count(s.events / s.generate_s)} events/s)",
                f"{s.catch_up_s:.1f} s ({count(s.events / s.catch_up_s)} events/s)",
                f"{count(s.holding_rows)} ({s.holding_rows / max(s.holders, 1):.0f})",
                " / ".join(f"{c:.0%}" for c in changed),
            )
        )
    history.notes = [
        "generate + save = planning the history, building the aggregates with the chosen "
        f"record times and app.save of up to {BATCH_EVENTS} events per call (not a command "
        "path; see bench/commands.py for that).",
        "projection catch-up = ledger.runner.catch_up() from position 0 over all "
        f"{len(runs[0].stats.projectors)} projectors ({', '.join(runs[0].stats.projectors)}), "
        "in pages of "
        f"{Settings().projection_page_size} events (LEDGER_PROJECTION_PAGE_SIZE).",
        "lists changed = share of the measured holders whose list asked knownAt a year back "
        "differs from the one asked now (so the knownAt cases read different rows).",
    ]
    problems = [p for r in runs for p in r.problems]
    if problems:
        history.notes.append(f"{len(problems)} answers differed between paths, e.g. {problems[0]}")
    return [flat, latency, history]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="responsibilityList latency (bare SQL, GraphQL, HTTP) at several history "
        "sizes, four asOf × knownAt cases. 1e6 events adds ~25-30 minutes (building the history).",
    )
    parser.add_argument(
        "--sizes",
        default="1e4,1e5",
        help="comma-separated event counts, e.g. 1e4,1e5,1e6 (default 1e4,1e5)",
    )
    parser.add_argument("--samples", type=int, default=1000, help="timed samples per case/path")
    parser.add_argument("--warmup", type=int, default=100, help="untimed samples per case/path")
    parser.add_argument("--seed", type=int, default=20240701)
    parser.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument(
        "--postgres-url",
        default=POSTGRES_URL,
        help="database for --store postgres; a fresh schema per size is created and dropped",
    )
    args = parser.parse_args(argv)
    sizes = parse_sizes(args.sizes)
    if args.samples < 500:
        print("note: fewer than 500 samples make p99 unreliable", file=sys.stderr)
    quiet_logging()
    with ExitStack() as stack:
        runs = [build(stack, args.store, n, args.seed, args.postgres_url) for n in sizes]
        jitter = measure(stack, runs, args.samples, args.warmup, args.seed)
        sections = tables(args.store, runs, args.samples, args.warmup, jitter)
    emit(
        "queries" if args.store == "sqlite" else f"queries-{args.store}",
        "responsibilityList latency against history length",
        sections,
        "python bench/queries.py " + " ".join(sys.argv[1:] if argv is None else argv),
    )


if __name__ == "__main__":
    main()
