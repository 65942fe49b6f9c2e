"""Load run: 32 concurrent clients against a real `ledger serve`, beside baselines in the same run.

For each store (SQLite, PostgreSQL) and each province size (bench/province.py; generated
once and kept for reuse in --province-dir / PostgreSQL schemas province_<size>):

  queries      the main dashboard and inspector queries, mixed, from 32 httpx async
               clients for --duration seconds against `ledger serve --no-projector`
               (one uvicorn worker): p50/p99 per query and requests/s; the growth of p99
               from the smallest to the largest province is the history-length check
  small query  `unit(id) { name kind posts { role person { name } } }` alone, 32 clients,
               beside a bare Starlette JSON endpoint serving the same rows from the same
               read models (bench/bare.py: bare_reads)
  mutations    registerPerson over HTTP, 32 clients, with the projector as its own process
               (`ledger projections run`, the compose shape; every mutation returns after
               read-your-writes) and, on SQLite, with the embedded projector; beside a
               minimal strawberry mutation that only saves the same event through
               eventsourcing on the same kind of store (bench/bare.py: minimal_mutation),
               and raw eventsourcing appends in process (1 thread, and 32 threads)
  lag          commands appended at a steady rate in process (200 events/s, then 400),
               projected by `ledger projections run` polling every 0.05 s (the default)
               or 0.02 s; an observer records when each position becomes visible in
               every read model: lag = visible − committed, p50/p99/max

Run:  .venv/bin/python bench/load.py [--stores sqlite,postgres] [--sizes 1e5,1e6]
          [--duration 15] [--clients 32] [--province-dir /tmp/ledger-province]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import province
from _common import (
    BENCH_DIR,
    POSTGRES_URL,
    Section,
    count,
    emit,
    fresh_store,
    ms,
    percentile,
    quiet_logging,
    ratio,
    short_size,
)

from ledger import commands as c
from ledger.auth import issue_token
from ledger.service import Ledger
from ledger.settings import Settings

SECRET = "load-bench-" + "z" * 40
ROOT = BENCH_DIR.parent

QUERIES: dict[str, str] = {
    "SmallUnit": "query SmallUnit($id: ID!) { unit(id: $id) { id name kind "
    "posts { role person { id name } } } }",
    "ResponsibilityList": "query ResponsibilityList($p: ID!) { responsibilityList(personId: $p) "
    "{ holder { id name } items { id kind title validFrom validTo scope { id name } } } }",
    "TaskLetters": "query TaskLetters($u: ID!) { taskLetters(recipientId: $u, first: 10) "
    "{ totalCount edges { node { id number status acknowledgedOn tasks { id percent } } } } }",
    "Transmission": "query Transmission($root: ID!, $asOf: Date!) "
    "{ responsibilityTransmission(rootUnitId: $root, asOf: $asOf) "
    "{ depth letters acknowledgedRate completedRate overdueTasks } }",
    "Cases": "query Cases($u: ID!, $from: Date!, $to: Date!) { cases(unitId: $u, from: $from, "
    "to: $to) { id category discovery registeredOn subject { id name } } }",
    "Chain": "query Chain($c: ID!) { accountabilityChain(caseId: $c) "
    "{ links { kind person { id name } heldFrom heldTo } } }",
    "EvaluationResult": "query EvaluationResult($c: ID!, $u: ID!) { evaluationResult(cycleId: $c, "
    "unitId: $u) { total grade rank vetoed deductions { points reason } } }",
}
REGISTER = (
    "mutation RegisterPerson($id: ID!, $name: String!) "
    "{ registerPerson(input: {id: $id, name: $name}) { id position } }"
)
MINIMAL_REGISTER = (
    "mutation RegisterPerson($id: String!, $name: String!) "
    "{ registerPerson(id: $id, name: $name) { id position } }"
)


def progress(message: str) -> None:
    print(f"… {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------- processes


@contextmanager
def process(name: str, args: list[str], env: dict[str, str], logs: Path) -> Iterator[None]:
    log = (logs / f"{name}.log").open("wb")
    popen = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    try:
        yield
    finally:
        popen.terminate()
        try:
            popen.wait(timeout=20)
        except subprocess.TimeoutExpired:
            popen.kill()
            popen.wait()
        log.close()


def environment(store: str, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "LEDGER_STORE": store,
        "BENCH_STORE": store,
        "LEDGER_JWT_SECRET": SECRET,
        "LEDGER_LOG_JSON": "1",
        "PYTHONPATH": str(BENCH_DIR),
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.update(extra)
    return env


@contextmanager
def http_server(
    kind: str, store: str, logs: Path, *, projector: str = "none", **extra: str
) -> Iterator[str]:
    """kind: ledger | bare_reads | minimal_mutation; projector: none | embedded | process."""
    port = free_port()
    env = environment(store, **extra)
    if kind == "ledger":
        args = [sys.executable, "-m", "ledger.cli", "serve", "--host", "127.0.0.1"]
        args += ["--port", str(port)]
        if projector != "embedded":
            args.append("--no-projector")
    else:
        args = [sys.executable, "-m", "uvicorn", f"bare:{kind}", "--factory", "--host"]
        args += ["127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning"]
    url = f"http://127.0.0.1:{port}"
    with ExitStack() as stack:
        if projector == "process":
            stack.enter_context(
                process(
                    "projector",
                    [sys.executable, "-m", "ledger.cli", "projections", "run"],
                    env,
                    logs,
                )
            )
        stack.enter_context(process(kind, args, env, logs))
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{kind} did not start: see {logs / kind}.log")
            time.sleep(0.2)
        yield url


# ---------------------------------------------------------------------- load


@dataclass
class Load:
    """What one load phase measured: latencies per request name, and the rate."""

    samples: dict[str, list[int]] = field(default_factory=dict)
    errors: int = 0
    seconds: float = 0.0

    def total(self) -> int:
        return sum(len(v) for v in self.samples.values())

    def rate(self, name: str | None = None) -> float:
        n = self.total() if name is None else len(self.samples.get(name, []))
        return n / self.seconds if self.seconds else 0.0

    def p(self, name: str, q: float) -> float:
        return percentile(sorted(self.samples.get(name, [])), q)

    def all(self, q: float) -> float:
        return percentile(sorted(x for v in self.samples.values() for x in v), q)


Request = tuple[str, str, str, dict | None]  # name, method, path, JSON body


def run_load(
    url: str,
    next_request: Callable[[random.Random], Request],
    *,
    clients: int,
    duration: float,
    warmup: float,
    headers: dict[str, str],
) -> Load:
    """`clients` concurrent keep-alive clients, each one request after another."""
    load = Load()

    async def client(http: httpx.AsyncClient, n: int, start: float, end: float) -> None:
        rng = random.Random(n)
        while True:
            name, method, path, body = next_request(rng)
            t0 = time.perf_counter_ns()
            if t0 / 1e9 >= end:
                return
            response = await http.request(method, path, json=body, headers=headers)
            t1 = time.perf_counter_ns()
            if response.status_code != 200 or b'"errors"' in response.content:
                load.errors += 1
                if load.errors <= 3:
                    progress(f"{name}: HTTP {response.status_code} {response.text[:300]}")
                continue
            if t0 / 1e9 >= start:
                load.samples.setdefault(name, []).append(t1 - t0)

    async def main() -> None:
        limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
        async with httpx.AsyncClient(base_url=url, limits=limits, timeout=120) as http:
            now = time.perf_counter()
            start, end = now + warmup, now + warmup + duration
            await asyncio.gather(*(client(http, n, start, end) for n in range(clients)))

    try:
        import uvloop  # the client's own CPU is taken from the server's two cores: keep it low

        uvloop.run(main())
    except ImportError:
        asyncio.run(main())
    load.seconds = duration
    return load


def graphql(name: str, variables: dict) -> Request:
    return (
        name,
        "POST",
        "/graphql",
        {"query": QUERIES[name], "variables": variables, "operationName": name},
    )


def query_mix(ids: province.SampleIds) -> Callable[[random.Random], Request]:
    names = list(QUERIES)
    counter = iter(range(10**12))

    def pick(rng: random.Random) -> Request:
        name = names[next(counter) % len(names)]
        year = rng.choice(ids.years)
        organ = rng.choice(ids.organs)
        variables = {
            "SmallUnit": lambda: {"id": rng.choice(ids.units)},
            "ResponsibilityList": lambda: {"p": rng.choice(ids.holders)},
            "TaskLetters": lambda: {"u": rng.choice(ids.letters_recipients)},
            "Transmission": lambda: {"root": organ, "asOf": f"{year}-10-01"},
            "Cases": lambda: {"u": organ, "from": f"{year}-01-01", "to": f"{year}-12-31"},
            "Chain": lambda: {"c": rng.choice(ids.cases)},
            "EvaluationResult": lambda: {"c": f"EV-{year}", "u": organ},
        }[name]()
        return graphql(name, variables)

    return pick


# ---------------------------------------------------------------------- in-process writes


def raw_appends(store: str, duration: float, threads: int) -> tuple[float, list[int]]:
    """Plain eventsourcing saves of the same event, `threads` at a time: (saves/s, latencies)."""
    from eventsourcing.application import Application

    from ledger.domain.base import Stamp
    from ledger.domain.person import Person
    from ledger.store import parse_store_url

    class Raw(Application):
        name = "RawBench"

    env = parse_store_url(store).eventsourcing_env()
    env.pop("APPLICATION_RECORDER_TOPIC")
    app = Raw(env=env)
    stamp = Stamp("bench")
    latencies: list[list[int]] = [[] for _ in range(threads)]
    run = uuid.uuid4().hex[:6]
    end = time.perf_counter() + duration

    def work(t: int) -> None:
        i = 0
        while time.perf_counter() < end:
            person = Person.register(stamp, f"R-{run}-{t}-{i}", "王建国")
            t0 = time.perf_counter_ns()
            app.save(person)
            latencies[t].append(time.perf_counter_ns() - t0)
            i += 1

    workers = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    app.close()
    flat = [x for lat in latencies for x in lat]
    return len(flat) / duration, flat


@dataclass
class Lag:
    rate: int
    events: int
    lags_ns: list[int]
    missing: int
    seconds: float = 0.0  # how long the writer took: events / seconds is the rate reached
    poll: float = 0.05


def projection_lag(
    store: str, logs: Path, rate: int, duration: float, poll: float, writers: int = 4
) -> Lag:
    """Commands appended at `rate`/s in process by `writers` threads (one command thread
    cannot keep 200/s on PostgreSQL); `ledger projections run` projects them, polling the
    log every `poll` seconds."""
    from ledger.domain.base import Stamp

    settings = Settings()
    settings.store = store
    settings.jwt_secret = SECRET
    settings.embedded_projector = False
    ledger = Ledger.open(settings)
    committed: dict[int, int] = {}
    seen: dict[int, int] = {}
    stop = threading.Event()

    def observe() -> None:
        last = min(ledger.runner.positions().values())
        while not stop.is_set():
            p = min(ledger.runner.positions().values())
            now = time.perf_counter_ns()
            for q in range(last + 1, p + 1):
                seen[q] = now
            last = max(last, p)
            time.sleep(0.005)

    with process(
        "projector-lag",
        [sys.executable, "-m", "ledger.cli", "projections", "run"],
        environment(store, LEDGER_POLL_INTERVAL=str(poll)),
        logs,
    ):
        # The worker takes seconds to start: the clock starts once it has projected a probe
        # (the read models may already be at the head, projected by someone else).
        stamp = Stamp("lag-bench")
        run = uuid.uuid4().hex[:6]
        probe = ledger.app.execute(
            c.RegisterPerson(f"LAG-{run}-probe", "探针"), stamp, wait=False
        ).position
        deadline = time.monotonic() + 120
        while min(ledger.runner.positions().values()) < probe:
            if time.monotonic() > deadline:
                raise RuntimeError("the projector did not start before the lag run")
            time.sleep(0.05)
        observer = threading.Thread(target=observe)
        observer.start()
        start = time.perf_counter()
        total = int(rate * duration)

        def write(first: int) -> None:
            """Every `writers`-th command, each at its own slot of the schedule."""
            for k in range(first, total, writers):
                wait = start + k / rate - time.perf_counter()
                if wait > 0:
                    time.sleep(wait)
                result = ledger.app.execute(
                    c.RegisterPerson(f"LAG-{run}-{k}", "李纪清"), stamp, wait=False
                )
                committed[result.position] = time.perf_counter_ns()

        threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - start
        deadline = time.monotonic() + 30
        last = max(committed)
        while last not in seen and time.monotonic() < deadline:
            time.sleep(0.01)
        stop.set()
        observer.join()
    ledger.close()
    lags = sorted(seen[p] - t for p, t in committed.items() if p in seen)
    return Lag(rate, total, lags, sum(p not in seen for p in committed), elapsed, poll)


# ---------------------------------------------------------------------- one store


@dataclass
class StoreRun:
    kind: str
    sizes: list[int] = field(default_factory=list)
    events: dict[int, int] = field(default_factory=dict)
    build_notes: list[str] = field(default_factory=list)
    queries: dict[int, Load] = field(default_factory=dict)
    serial: dict[int, Load] = field(default_factory=dict)
    small: dict[str, Load] = field(default_factory=dict)
    mutations: dict[str, Load] = field(default_factory=dict)
    raw: dict[int, tuple[float, list[int]]] = field(default_factory=dict)
    lags: list[Lag] = field(default_factory=list)


def province_store(kind: str, n: int, directory: Path, postgres_url: str) -> str:
    """The kept province of about n events (generated here the first time)."""
    name = short_size(n).replace(".", "_")
    if kind == "sqlite":
        directory.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{directory / f'p{name}.sqlite3'}"
    else:
        import psycopg

        schema = f"province_{name}"
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        url = f"{postgres_url}{'&' if '?' in postgres_url else '?'}schema={schema}"
    settings = Settings()
    settings.store = url
    settings.embedded_projector = False
    ledger = Ledger.open(settings)
    try:
        if ledger.app.head() == 0:
            progress(f"[{kind}] generating a province of ~{n:,} events into {url}")
            province.build(ledger, n, lambda m: progress(f"[{kind} {short_size(n)}] {m}"))
        else:
            ledger.runner.catch_up()
    finally:
        ledger.close()
    return url


def run_store(kind: str, args: argparse.Namespace, logs: Path) -> StoreRun:
    run = StoreRun(kind)
    ids = province.sample_ids()
    token = issue_token(_settings(), "load-viewer", "INSPECTOR", None, "8h")
    writer = issue_token(_settings(), "load-recorder", "RECORDER", None, "8h")
    auth = {"Authorization": f"Bearer {token}"}
    load_args = {"clients": args.clients, "duration": args.duration, "warmup": args.warmup}
    urls = {}
    for n in args.sizes:
        url = urls[n] = province_store(kind, n, Path(args.province_dir), args.postgres_url)
        run.sizes.append(n)
        settings = _settings()
        settings.store = url
        ledger = Ledger.open(settings)
        run.events[n] = ledger.app.head()
        ledger.close()
        if "queries" in args.phases:
            progress(f"[{kind} {short_size(n)}] query mix, {args.clients} clients")
            with http_server("ledger", url, logs) as base:
                run.queries[n] = run_load(base, query_mix(ids), headers=auth, **load_args)
                progress(f"[{kind} {short_size(n)}] query mix, one client")
                run.serial[n] = run_load(
                    base,
                    query_mix(ids),
                    headers=auth,
                    clients=1,
                    duration=args.duration,
                    warmup=args.warmup,
                )

    url = urls[args.sizes[0]]  # the small query and the writes use the smallest province
    if "small" in args.phases:
        with http_server("ledger", url, logs) as base:
            progress(f"[{kind}] small query alone")
            run.small["GraphQL (ledger serve)"] = run_load(
                base,
                lambda rng: graphql("SmallUnit", {"id": rng.choice(ids.units)}),
                headers=auth,
                **load_args,
            )
        with http_server("bare_reads", url, logs) as base:
            progress(f"[{kind}] small query: bare Starlette baseline")
            run.small["bare Starlette JSON"] = run_load(
                base,
                lambda rng: ("SmallUnit", "GET", f"/unit?id={rng.choice(ids.units)}", None),
                headers={},
                **load_args,
            )

    tag = uuid.uuid4().hex[:6]
    serial = iter(range(10**12))

    def register(rng: random.Random, query: str = REGISTER) -> Request:
        variables = {"id": f"LD-{tag}-{next(serial)}", "name": "张明远"}
        return "RegisterPerson", "POST", "/graphql", {"query": query, "variables": variables}

    if "mutations" in args.phases:
        shapes = [("projector process", "process")]
        if kind == "sqlite":
            shapes.append(("embedded projector", "embedded"))
        for label, shape in shapes:
            progress(f"[{kind}] mutations over HTTP ({label})")
            with http_server("ledger", url, logs, projector=shape) as base:
                run.mutations[f"ledger registerPerson, {label}"] = run_load(
                    base, register, headers={"Authorization": f"Bearer {writer}"}, **load_args
                )
        with fresh_store(kind, "minimal", args.postgres_url) as minimal_url:
            progress(f"[{kind}] minimal strawberry mutation")
            with http_server("minimal_mutation", minimal_url, logs) as base:
                run.mutations["minimal strawberry mutation (bare stack)"] = run_load(
                    base, lambda rng: register(rng, MINIMAL_REGISTER), headers={}, **load_args
                )
        for threads in (1, args.clients):
            with fresh_store(kind, f"raw{threads}", args.postgres_url) as raw_url:
                progress(f"[{kind}] raw eventsourcing appends, {threads} thread(s)")
                run.raw[threads] = raw_appends(raw_url, args.duration, threads)
    for phase in args.lag if "lag" in args.phases else ():
        rate, poll = phase.split("@")
        progress(f"[{kind}] projection lag at {rate} events/s, projector polling every {poll} s")
        run.lags.append(projection_lag(url, logs, int(rate), args.lag_duration, float(poll)))
    return run


def _settings() -> Settings:
    s = Settings()
    s.jwt_secret = SECRET
    return s


# ---------------------------------------------------------------------- tables


def tables(runs: list[StoreRun], args: argparse.Namespace) -> list[Section]:
    sections = []
    for run in runs:
        if run.queries:
            sections += query_tables(run, args)
        if run.small:
            sections.append(small_table(run, args))
        if run.mutations:
            sections.append(mutation_table(run, args))
        if run.lags:
            sections.append(lag_table(run))
    return sections


def query_tables(run: StoreRun, args: argparse.Namespace) -> list[Section]:
    kind, sizes, sections = run.kind, run.sizes, []
    q = Section(
        f"Query latency under load ({kind}, {args.clients} clients, query mix)",
        ("query", *(f"{short_size(n)}: p50 / p99 ms" for n in sizes), "p99 largest ÷ smallest"),
        numeric=frozenset(range(1, 2 + len(sizes))),
    )
    for name in QUERIES:
        cells = [
            f"{ms(run.queries[n].p(name, 50))} / {ms(run.queries[n].p(name, 99))}" for n in sizes
        ]
        growth = ratio(run.queries[sizes[-1]].p(name, 99), run.queries[sizes[0]].p(name, 99))
        q.rows.append((name, *cells, growth))
    q.rows.append(
        (
            "all (requests/s)",
            *(
                f"{ms(run.queries[n].all(50))} / {ms(run.queries[n].all(99))} "
                f"({count(run.queries[n].rate())}/s)"
                for n in sizes
            ),
            ratio(run.queries[sizes[-1]].all(99), run.queries[sizes[0]].all(99)),
        )
    )
    q.notes = [
        "events in the log: "
        + ", ".join(f"{short_size(n)} → {count(run.events[n])}" for n in sizes),
        f"{args.duration:g} s per size after {args.warmup:g} s warm-up; the 7 queries in "
        "turn, random ids; one uvicorn worker (`ledger serve --no-projector`), client and "
        "server on the same 2 cores.",
        f"errors: {sum(run.queries[n].errors for n in sizes)}",
    ]
    sections.append(q)

    one = Section(
        f"Query latency, one client at a time ({kind}): the cost of history length alone",
        ("query", *(f"{short_size(n)}: p50 / p99 ms" for n in sizes), "p99 largest ÷ smallest"),
        numeric=frozenset(range(1, 2 + len(sizes))),
    )
    for name in QUERIES:
        cells = [
            f"{ms(run.serial[n].p(name, 50))} / {ms(run.serial[n].p(name, 99))}" for n in sizes
        ]
        growth = ratio(run.serial[sizes[-1]].p(name, 99), run.serial[sizes[0]].p(name, 99))
        one.rows.append((name, *cells, growth))
    sections.append(one)
    return sections


def small_table(run: StoreRun, args: argparse.Namespace) -> Section:
    kind, sizes = run.kind, run.sizes or [0]
    s = Section(
        f"Small query against a bare Starlette endpoint ({kind}, {args.clients} clients, "
        f"{short_size(sizes[0])} province)",
        ("server", "requests/s", "p50 ms", "p99 ms", "ratio to bare (requests/s)"),
        numeric=frozenset({1, 2, 3, 4}),
    )
    base = run.small["bare Starlette JSON"].rate()
    for label, load in run.small.items():
        s.rows.append(
            (
                label,
                count(load.rate()),
                ms(load.p("SmallUnit", 50)),
                ms(load.p("SmallUnit", 99)),
                ratio(load.rate(), base),
            )
        )
    return s


def mutation_table(run: StoreRun, args: argparse.Namespace) -> Section:
    kind = run.kind
    m = Section(
        f"Mutations per second ({kind}, {args.clients} clients)",
        ("what", "mutations/s", "p50 ms", "p99 ms", "ratio to minimal strawberry"),
        numeric=frozenset({1, 2, 3, 4}),
    )
    base = run.mutations["minimal strawberry mutation (bare stack)"].rate()
    for label, load in run.mutations.items():
        m.rows.append(
            (
                label,
                count(load.rate()),
                ms(load.p("RegisterPerson", 50)),
                ms(load.p("RegisterPerson", 99)),
                ratio(load.rate(), base),
            )
        )
    for threads, (rate, lat) in run.raw.items():
        lat.sort()
        m.rows.append(
            (
                f"raw eventsourcing Application.save, {threads} thread(s), in process",
                count(rate),
                ms(percentile(lat, 50)),
                ms(percentile(lat, 99)),
                ratio(rate, base),
            )
        )
    m.notes = [
        "ledger registerPerson = the full path: JWT, GraphQL, command (existence check, "
        "hash-chained append), then the wait for the read models (read-your-writes) "
        "before answering.",
        f"errors: {sum(x.errors for x in run.mutations.values())}",
    ]
    return m


def lag_table(run: StoreRun) -> Section:
    kind = run.kind
    lag = Section(
        f"Projection lag under sustained writes ({kind})",
        (
            "events/s asked",
            "events/s reached",
            "projector poll s",
            "events",
            "p50 ms",
            "p99 ms",
            "max ms",
            "not seen",
        ),
        numeric=frozenset(range(8)),
    )
    for x in run.lags:
        lag.rows.append(
            (
                str(x.rate),
                count(x.events / x.seconds) if x.seconds else "—",
                f"{x.poll:g}",
                count(x.events),
                ms(percentile(x.lags_ns, 50)),
                ms(percentile(x.lags_ns, 99)),
                ms(x.lags_ns[-1] if x.lags_ns else float("nan")),
                str(x.missing),
            )
        )
    lag.notes = [
        "registerPerson commands appended at a steady rate in the bench process; "
        "`ledger projections run` (its own process) projects them; an observer polls "
        "rm_tracking every 5 ms: lag = first time every projector had the position − time "
        "the command returned. Below the asked rate, the writer could not keep up.",
    ]
    return lag


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stores", default="sqlite,postgres")
    parser.add_argument("--sizes", default="1e5,1e6", help="province sizes in events")
    parser.add_argument("--duration", type=float, default=15.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument(
        "--phases", default="queries,small,mutations,lag", help="which phases to run"
    )
    parser.add_argument(
        "--lag",
        default="200@0.05,200@0.02,400@0.02",
        help="lag phases: events/s @ projector poll interval (LEDGER_POLL_INTERVAL), s",
    )
    parser.add_argument("--lag-duration", type=float, default=20.0)
    parser.add_argument(
        "--province-dir", default=str(Path(tempfile.gettempdir()) / "ledger-province")
    )
    parser.add_argument("--postgres-url", default=POSTGRES_URL)
    args = parser.parse_args(argv)
    args.sizes = [int(float(s)) for s in args.sizes.split(",")]
    args.lag = args.lag.split(",")
    args.phases = set(args.phases.split(","))
    quiet_logging()
    runs = []
    logs = Path(tempfile.mkdtemp(prefix="ledger-load-logs-"))  # kept: server logs
    progress(f"server logs in {logs}")
    for kind in args.stores.split(","):
        runs.append(run_store(kind, args, logs))
    emit(
        "-".join(
            ["load"]
            + ([] if args.stores == "sqlite,postgres" else [args.stores.replace(",", "-")])
            + ([] if len(args.phases) == 4 else sorted(args.phases))
        ),
        "Load: 32 concurrent clients against `ledger serve`, beside baselines",
        tables(runs, args),
        "python bench/load.py " + " ".join(sys.argv[1:] if argv is None else argv),
    )


if __name__ == "__main__":
    main()
