"""Rebuild throughput: `ledger projections rebuild` against reading and decoding the same log.

For each store, a province of about --events events (bench/province.py) is generated into
an empty store without projecting it, then, in one run:

  decoded read   the log read in pages of LEDGER_PROJECTION_PAGE_SIZE and decoded into
                 domain events with their chain rows, as the runner reads it
                 (`ProjectionRunner._decode`), nothing written
  rebuild        what `ledger projections rebuild` does: drop the read models and project
                 the whole log again (`runner.reset()`, `runner.catch_up(until=head)`)

and the rebuild's rate as a share of the decoded read's (target, issue 13: ≥ 0.25×).
With --profile, the rebuild runs under cProfile once more and the functions that took
most of its time are listed.

Run:  .venv/bin/python bench/rebuild.py [--stores sqlite,postgres] [--events 2e4] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time

import province
from _common import Section, count, emit, fresh_store, quiet_logging, ratio

from ledger.service import Ledger
from ledger.settings import Settings


def progress(message: str) -> None:
    print(f"… {message}", file=sys.stderr, flush=True)


def decoded_read(ledger: Ledger) -> tuple[int, float]:
    runner, recorder = ledger.runner, ledger.app.recorder
    started, start, events = time.perf_counter(), 0, 0
    while True:
        page = recorder.select_notifications(start=start + 1, limit=runner.page_size)
        if not page:
            break
        envelopes = runner._decode(page)
        events += len(envelopes)
        start = envelopes[-1].position
    return events, time.perf_counter() - started


def rebuild(ledger: Ledger) -> float:
    head = ledger.app.head()
    started = time.perf_counter()
    ledger.runner.reset()
    ledger.runner.catch_up(until=head)
    return time.perf_counter() - started


def profiled_rebuild(ledger: Ledger, top: int = 25) -> str:
    profile = cProfile.Profile()
    profile.enable()
    rebuild(ledger)
    profile.disable()
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


def measure(kind: str, events: int, with_profile: bool) -> tuple[list[str], str]:
    with fresh_store(kind, "rebuild") as url:
        settings = Settings()
        settings.store = url
        settings.embedded_projector = False
        ledger = Ledger.open(settings)
        try:
            progress(f"{kind}: generating about {events:,} events")
            stats = province.Province(ledger, events).build(progress)
            n = stats.events
            progress(f"{kind}: reading and decoding the log")
            read_n, read_s = decoded_read(ledger)
            progress(f"{kind}: rebuilding the read models")
            rebuild_s = rebuild(ledger)
            read_again_n, read_again_s = decoded_read(ledger)  # once more: a warm cache for both
            read_s = min(read_s, read_again_s)
            assert read_n == read_again_n == n, (read_n, read_again_n, n)
            profile = profiled_rebuild(ledger) if with_profile else ""
        finally:
            ledger.close()
    read_rate, rebuild_rate = n / read_s, n / rebuild_s
    row = [
        kind,
        count(n),
        f"{read_s:.1f} s ({count(read_rate)}/s)",
        f"{rebuild_s:.1f} s ({count(rebuild_rate)}/s)",
        ratio(rebuild_rate, read_rate),
    ]
    return row, profile


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stores", default="sqlite,postgres")
    parser.add_argument("--events", default="2e4", help="about how many events")
    parser.add_argument("--profile", action="store_true", help="also profile one rebuild")
    args = parser.parse_args()
    quiet_logging()
    section = Section(
        "rebuild against the decoded read of the same log",
        ["store", "events", "decoded read", "rebuild", "rebuild / read"],
        numeric=frozenset({1, 4}),
        notes=["target: the rebuild at ≥ 0.25× the decoded read's rate (issue 13)"],
    )
    profiles = []
    for kind in [s.strip() for s in args.stores.split(",") if s.strip()]:
        row, profile = measure(kind, int(float(args.events)), args.profile)
        section.rows.append(row)
        if profile:
            profiles.append(f"--- {kind}: the rebuild under cProfile ---\n{profile}")
    for text in profiles:
        print(text)
    emit(
        "rebuild",
        "Rebuild throughput",
        [section],
        " ".join(["bench/rebuild.py", *sys.argv[1:]]),
    )


if __name__ == "__main__":
    main()
