"""Rebuild throughput: `ledger projections rebuild` against reading and decoding the same log.

For each store, a province of about --events events (bench/province.py) is generated into
an empty store without projecting it, then, in one run, three passes over the whole log:

  bare decode    `recorder.select_notifications` in pages of LEDGER_PROJECTION_PAGE_SIZE and
                 the application's mapper decoding each into its domain event: the least
                 any projection must do (the issue's "reading and decoding the same log")
  runner's read  the same pages as the runner reads them (`ProjectionRunner._decode`): the
                 notifications, their hash-chain rows (record time, hash) and decoding
  rebuild        what `ledger projections rebuild` does (`runner.rebuild()`): every read
                 model built again beside the live ones, from position 0, and swapped in;
                 once per worker count asked for (--workers; when not given, the
                 store's default, `ledger.settings.rebuild_parts`): with N > 1 the projectors are built in N parts, N-1 of them in
                 forked processes

and the rebuild's rate as a share of each read's (target, issue 13: ≥ 0.25×). The two reads
are single-process, whatever the worker count: the baseline is the least one process must
do. Each pass runs twice, the reads around the first rebuilds, and the faster of each pair
counts (the second rebuild replaces full read models, as a rebuild of a ledger in use does).
Rates are by wall time; the second table gives the same ratios by CPU time, this process's
and its rebuild workers' together (on PostgreSQL the server's own CPU is not in it, so there
the wall-time ratios are the ones that count). With --profile, the rebuild runs under
cProfile once more (in one process) and the functions that took most of its time are listed.

Run:  .venv/bin/python bench/rebuild.py [--stores sqlite,postgres] [--events 2e4] [--profile]
      [--workers 1,2] [--store-url URL]   (an existing store instead of a province: one store)
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import province
from _common import Section, count, emit, fresh_store, quiet_logging, ratio

from ledger.service import Ledger
from ledger.settings import Settings


def progress(message: str) -> None:
    print(f"… {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Timed:
    events: int
    wall: float
    cpu: float  # this process's CPU time and that of its children (rebuild workers)


def cpu_time() -> float:
    """This process's CPU time and that of its ended children (a rebuild's workers)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def timed(work: Callable[[], int]) -> Timed:
    wall, cpu = time.perf_counter(), cpu_time()
    n = work()
    return Timed(n, time.perf_counter() - wall, cpu_time() - cpu)


def best(a: Timed, b: Timed) -> Timed:
    assert a.events == b.events, (a, b)
    return Timed(a.events, min(a.wall, b.wall), min(a.cpu, b.cpu))


def _pages(ledger: Ledger, handle: Callable[[list], None]) -> int:
    recorder, size, start, events = ledger.app.recorder, ledger.runner.page_size, 0, 0
    while True:
        page = recorder.select_notifications(start=start + 1, limit=size)
        if not page:
            return events
        handle(page)
        events += len(page)
        start = page[-1].id


def bare_decode(ledger: Ledger) -> int:
    """Notifications read and decoded into domain events, nothing else."""
    mapper = ledger.app.mapper

    def decode(page: list) -> None:
        for n in page:
            mapper.to_domain_event(n)

    return _pages(ledger, decode)


def runners_read(ledger: Ledger) -> int:
    """The pages as the runner reads them: notifications, chain rows, decoding."""
    return _pages(ledger, ledger.runner._decode)


def rebuild(ledger: Ledger, workers: int) -> int:
    head = ledger.app.head()
    ledger.runner.rebuild_workers = workers
    reached = ledger.runner.rebuild()
    assert reached == head, (reached, head)
    return head


def profiled_rebuild(ledger: Ledger, top: int = 30) -> str:
    profile = cProfile.Profile()
    profile.enable()
    rebuild(ledger, 1)  # the profiler sees this process only
    profile.disable()
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


def measure(kind: str, url: str, events: int | None, with_profile: bool, asked: list[int] | None):
    settings = Settings()
    settings.store = url
    settings.embedded_projector = False
    ledger = Ledger.open(settings)
    workers = asked or [ledger.runner.rebuild_workers]  # none asked: the store's default
    try:
        if events is not None:
            progress(f"{kind}: generating about {events:,} events")
            province.Province(ledger, events).build(progress)
        n = ledger.app.head()
        progress(f"{kind}: {n:,} events; reading and decoding the log")
        bare, read = timed(lambda: bare_decode(ledger)), timed(lambda: runners_read(ledger))
        built: dict[int, Timed] = {}
        for w in workers:
            progress(f"{kind}: rebuilding the read models ({w} process{'es' * (w > 1)})")
            built[w] = timed(lambda w=w: rebuild(ledger, w))
        bare = best(bare, timed(lambda: bare_decode(ledger)))
        read = best(read, timed(lambda: runners_read(ledger)))
        for w in workers:
            progress(f"{kind}: rebuilding them again ({w} process{'es' * (w > 1)})")
            built[w] = best(built[w], timed(lambda w=w: rebuild(ledger, w)))
        assert bare.events == read.events == n, (bare, read, n)
        assert all(b.events == n for b in built.values()), (built, n)
        profile = profiled_rebuild(ledger) if with_profile else ""
    finally:
        ledger.close()

    def row(w: int, b: Timed, seconds: Callable[[Timed], float]) -> list[str]:
        def shown(t: Timed) -> str:
            return f"{seconds(t):.1f} s ({count(t.events / seconds(t))}/s)"

        return [
            kind,
            count(n),
            str(w),
            shown(bare),
            shown(read),
            shown(b),
            ratio(seconds(bare), seconds(b)),
            ratio(seconds(read), seconds(b)),
        ]

    by_wall = [row(w, b, lambda t: t.wall) for w, b in built.items()]
    by_cpu = [row(w, b, lambda t: t.cpu) for w, b in built.items()]
    return by_wall, by_cpu, profile


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stores", default="sqlite,postgres")
    parser.add_argument("--events", default="2e4", help="about how many events")
    parser.add_argument("--profile", action="store_true", help="also profile one rebuild")
    parser.add_argument("--store-url", help="rebuild this existing store (no province made)")
    parser.add_argument(
        "--workers", help="rebuild processes to measure, e.g. 1,2 (LEDGER_REBUILD_WORKERS)"
    )
    args = parser.parse_args()
    quiet_logging()
    workers = [int(w) for w in args.workers.split(",")] if args.workers else None
    columns = [
        "store",
        "events",
        "rebuild processes",
        "bare decode",
        "runner's read",
        "rebuild",
        "rebuild / bare decode",
        "rebuild / runner's read",
    ]
    target = "target: the rebuild at ≥ 0.25× the decoded read's rate (issue 13)"
    by_wall = Section(
        "rebuild against reading and decoding the same log (wall time)",
        columns,
        numeric=frozenset({1, 2, 6, 7}),
        notes=[
            target,
            "bare decode: notifications read and decoded into domain events; runner's read: "
            "the same with their hash-chain rows, as the runner reads (`_decode`)",
        ],
    )
    by_cpu = Section(
        "the same, by CPU time (this process and its rebuild workers)",
        columns,
        numeric=frozenset({1, 2, 6, 7}),
        notes=["PostgreSQL's own CPU (its backends) is not counted here: see the wall times"],
    )
    profiles = []
    if args.store_url:
        kind = "postgres" if args.store_url.startswith("postgres") else "sqlite"
        runs = [(kind, args.store_url, None)]
    else:
        kinds = [s.strip() for s in args.stores.split(",") if s.strip()]
        runs = [(kind, None, int(float(args.events))) for kind in kinds]
    for kind, url, events in runs:
        if url is None:
            with fresh_store(kind, "rebuild") as fresh:
                wall_rows, cpu_rows, profile = measure(kind, fresh, events, args.profile, workers)
        else:
            wall_rows, cpu_rows, profile = measure(kind, url, None, args.profile, workers)
        by_wall.rows.extend(wall_rows)
        by_cpu.rows.extend(cpu_rows)
        if profile:
            profiles.append(f"--- {kind}: the rebuild under cProfile ---\n{profile}")
    for text in profiles:
        print(text)
    emit(
        "rebuild",
        "Rebuild throughput",
        [by_wall, by_cpu],
        " ".join(["bench/rebuild.py", *sys.argv[1:]]),
    )


if __name__ == "__main__":
    main()
