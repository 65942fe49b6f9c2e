"""Throughput measured with wrk: the ledger against its baselines, in one run, server-side.

The load generator is wrk (C, one process; Debian's package: `apt-get install wrk`), so the
client costs the two cores little and the servers saturate before it does; every server is
one uvicorn worker on the same store. Besides requests per second, the server's own CPU
time per request is read from /proc (utime + stime of the server process over the run):
on a shared machine that figure moves less than the rate.

For each store (SQLite, PostgreSQL), on the demo organisation (`ledger demo load`):

  bare Starlette          POST /graphql answers the small query's JSON from memory
  minimal strawberry      a minimal strawberry schema serving the same shape from memory
  ledger, repeated        the ledger's small query, the same request again and again
                          (a dashboard polling): the exact answer cache answers it
  ledger, first sight     the same with the answer cache off (LEDGER_ANSWER_CACHE=0):
                          every answer computed from the read models
  bare stack mutation     one strawberry mutation saving one eventsourcing event, run on
                          the event loop (strawberry's sync resolver): one save at a time
  ledger registerPerson   the same event through the ledger (token, command checks,
                          hash chain, idempotency, read-your-writes with the embedded
                          projector): on worker threads, the saves of concurrent commands
                          written together (`ledger.group_commit`); each request registers
                          a new person (the warm-up's ids are not sent again)

The small query: `unit(id) { id name kind posts { role person { id name } } }`.
Targets (issue 13): repeated ≥ 1.0× the minimal strawberry schema, first sight ≥ 0.6×,
mutations ≥ 0.8× the bare stack.

Run:  .venv/bin/python bench/throughput.py [--stores sqlite,postgres] [--duration 10]
          [--connections 16] [--only queries|mutations]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from _common import BENCH_DIR, Section, count, emit, fresh_store, ratio

from ledger.auth import issue_token
from ledger.settings import Settings

SECRET = "throughput-bench-" + "t" * 40
ROOT = BENCH_DIR.parent
UNIT = "ZJ-FGW-XXZX"  # the demo's 省经济信息中心: eleven posts
SMALL = (
    "query SmallUnit($id: ID!) { unit(id: $id) { id name kind posts { role person { id name } } } }"
)
REGISTER = (
    "mutation RegisterPerson($id: ID!, $name: String!) "
    "{ registerPerson(input: {id: $id, name: $name}) { id position } }"
)
MINIMAL_REGISTER = (
    "mutation RegisterPerson($id: String!, $name: String!) "
    "{ registerPerson(id: $id, name: $name) { id position } }"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def progress(message: str) -> None:
    print(f"… {message}", file=sys.stderr, flush=True)


@dataclass
class Server:
    url: str
    pid: int

    def cpu_seconds(self) -> float:
        """utime + stime of the server process so far."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rpartition(")")[2].split()
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks


@contextmanager
def server(kind: str, store: str, logs: Path, **extra: str) -> Iterator[Server]:
    """kind: ledger | bare_starlette | minimal_reads | minimal_mutation."""
    port = free_port()
    env = {
        **os.environ,
        "LEDGER_STORE": store,
        "BENCH_STORE": store,
        "BENCH_UNIT": UNIT,
        "LEDGER_JWT_SECRET": SECRET,
        "LEDGER_LOG_JSON": "1",
        "PYTHONPATH": str(BENCH_DIR),
        **extra,
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    if kind == "ledger":
        args = [sys.executable, "-m", "ledger.cli", "serve", "--host", "127.0.0.1"]
        args += ["--port", str(port)]
    else:
        args = [sys.executable, "-m", "uvicorn", f"bare:{kind}", "--factory", "--host"]
        args += ["127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning"]
    name = f"{kind}-{port}"
    with (logs / f"{name}.log").open("wb") as log:
        popen = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 120
            while True:
                try:
                    if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if popen.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{kind} did not start: see {logs / name}.log")
                time.sleep(0.2)
            yield Server(url, popen.pid)
        finally:
            popen.terminate()
            try:
                popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                popen.kill()
                popen.wait()


def lua_string(text: str) -> str:
    return "[==[" + text + "]==]"


def script(path: Path, body: dict | None, token: str | None, register: str | None = None) -> Path:
    """A wrk script: one fixed POST body, or (register) a new person id per request."""
    headers = ['wrk.headers["Content-Type"] = "application/json"']
    if token:
        headers.append(f'wrk.headers["Authorization"] = "Bearer {token}"')
    lines = ['wrk.method = "POST"', *headers]
    if body is not None:
        lines.append(f"wrk.body = {lua_string(json.dumps(body, ensure_ascii=False))}")
    if register is not None:
        template = json.dumps(
            {"query": register, "variables": {"id": "@ID@", "name": "压测人员"}},
            ensure_ascii=False,
        )
        run = f"R{int(time.time() * 1000) % 10**9}"
        lines += [
            "local threads = 0",
            "function setup(thread) threads = threads + 1; thread:set('tid', threads) end",
            "local n = 0",
            f"local template = {lua_string(template)}",
            "function request()",
            "  n = n + 1",
            f"  local id = string.format('{run}-%d-%d', tid, n)",
            "  local body = string.gsub(template, '@ID@', id)",
            "  return wrk.format(nil, nil, nil, body)",
            "end",
        ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@dataclass
class Run:
    rate: float
    requests: int
    non_2xx: int
    cpu_us: float  # server CPU per request


def wrk(target: Server, lua: Path, duration: int, connections: int) -> Run:
    cpu = target.cpu_seconds()
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{duration}s",
            "-s",
            str(lua),
            target.url + "/graphql",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    cpu = target.cpu_seconds() - cpu
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return Run(rate, requests, int(bad.group(1)) if bad else 0, cpu / max(requests, 1) * 1e6)


def check(target: Server, body: dict, token: str | None) -> None:
    """The request the run repeats answers without errors (wrk sees only the status)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    answer = httpx.post(target.url + "/graphql", json=body, headers=headers, timeout=30).json()
    if answer.get("errors") or not answer.get("data"):
        raise RuntimeError(f"{target.url} answers {answer}")


def measure_store(
    kind: str, duration: int, connections: int, logs: Path, only: str | None = None
) -> Section:
    runs: dict[str, Run] = {}
    small = {"query": SMALL, "variables": {"id": UNIT}}
    with fresh_store(kind, "throughput") as store:
        progress(f"{kind}: loading the demo organisation")
        env = {**os.environ, "LEDGER_JWT_SECRET": SECRET, "LEDGER_LOG_JSON": "1"}
        subprocess.run(
            [sys.executable, "-m", "ledger.cli", "demo", "load", "--store", store],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        settings = Settings()
        settings.jwt_secret = SECRET
        viewer = issue_token(settings, "bench-viewer", "VIEWER", None, "2h")
        recorder = issue_token(settings, "bench-recorder", "RECORDER", None, "2h")
        plan = [
            ("bare Starlette", "bare_starlette", {}, small, None, None),
            ("minimal strawberry", "minimal_reads", {}, small, None, None),
            ("ledger, repeated", "ledger", {}, small, viewer, None),
            ("ledger, first sight", "ledger", {"LEDGER_ANSWER_CACHE": "0"}, small, viewer, None),
            ("bare stack mutation", "minimal_mutation", {}, None, None, MINIMAL_REGISTER),
            ("ledger registerPerson", "ledger", {}, None, recorder, REGISTER),
        ]
        if only is not None:  # the query rows (body) or the mutation rows (register)
            plan = [row for row in plan if (row[5] is None) == (only == "queries")]
        for name, server_kind, extra, body, token, register in plan:
            progress(f"{kind}: {name}")
            with server(server_kind, store, logs, **extra) as target:
                if body is not None:
                    check(target, body, token)
                lua = script(logs / f"{server_kind}.lua", body, token, register)
                wrk(target, lua, 2, connections)  # warm-up: caches, connections, JIT-free code
                # A new script, so that the run's person ids are new too (the warm-up's again
                # would be refused as already registered: cheap refusals, not registrations).
                lua = script(logs / f"{server_kind}.lua", body, token, register)
                runs[name] = wrk(target, lua, duration, connections)
    section = Section(
        f"{kind}: {connections} connections, {duration} s per server (wrk)",
        [
            "server",
            "requests/s",
            "server CPU µs/request",
            "non-2xx",
            "ratio (rate)",
            "ratio (CPU)",
            "target",
        ],
        numeric=frozenset({1, 2, 3, 4, 5}),
    )
    read, write = runs.get("minimal strawberry"), runs.get("bare stack mutation")
    versus = {
        "bare Starlette": (read, ""),
        "minimal strawberry": (read, ""),
        "ledger, repeated": (read, "≥ 1.0×"),
        "ledger, first sight": (read, "≥ 0.6×"),
        "bare stack mutation": (write, ""),
        "ledger registerPerson": (write, "≥ 0.8×"),
    }
    for name, run in runs.items():
        base, target = versus[name]
        section.rows.append(
            [
                name,
                count(run.rate),
                count(run.cpu_us),
                str(run.non_2xx),
                ratio(run.rate, base.rate) if base else "",
                ratio(base.cpu_us, run.cpu_us) if base else "",  # requests per CPU-second
                target,
            ]
        )
    section.notes.append(
        "ratios: reads against the minimal strawberry schema, mutations against the bare stack; "
        "(rate) from requests/s, (CPU) from the server's CPU per request (requests per "
        "CPU-second), which other work on a shared machine disturbs less"
    )
    section.notes.append(
        "the ledger's mutation CPU includes its embedded projector applying the event to the "
        "read models (read-your-writes); the bare stack projects nothing"
    )
    return section


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stores", default="sqlite,postgres")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--only", choices=["queries", "mutations"], help="run only these rows")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk (Debian's package)")
    sections = []
    with tempfile.TemporaryDirectory(prefix="ledger-throughput-") as tmp:
        for kind in [s.strip() for s in args.stores.split(",") if s.strip()]:
            sections.append(
                measure_store(kind, args.duration, args.connections, Path(tmp), args.only)
            )
    emit(
        "throughput",
        "Throughput under wrk: the ledger against its baselines",
        sections,
        " ".join(["bench/throughput.py", *sys.argv[1:]]),
    )


if __name__ == "__main__":
    main()
