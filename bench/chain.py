"""accountabilityChain (一案双查) latency against the length of the history behind it.

Each size reuses the responsibility-list history of `queries.py` (units, people, posts,
items with rotations and late corrections over ten years of record time) at a real organ's
density (`--units-per-1000 30`: thirty units per thousand events, so a department has a
handful of items over it at a time and a chain about ten links at every size), then registers
cases through the command path: half with facts about five years back, half about fourteen
months back; then concludes each and determines a measure (later events). The chain is asked
four ways — facts recent / five years back × knownAt now / before the conclusions — through GraphQL in
process and as bare SQL (`projections.chain.resolve_chain`), beside `responsibilityList`
asked through GraphQL in the same run (the baseline every other query is compared with).

Run:  .venv/bin/python bench/chain.py [--sizes 1e4,1e5] [--samples 300] [--store sqlite]
      1e6 adds ~20 minutes here (generating and projecting the history).
"""

from __future__ import annotations

import argparse
import random
import time
from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta

import queries
from _common import (
    POSTGRES_URL,
    Section,
    emit,
    ms,
    now_ns,
    parse_sizes,
    percentile,
    quiet_logging,
    ratio,
)

from ledger import commands as c
from ledger.domain.base import Stamp

CHAIN = """query($id: ID!, $k: DateTime) { accountabilityChain(caseId: $id, knownAt: $k) {
  links { kind person { name } post { role from to } basis { id } measure } gaps { kind } } }"""
LIST = """query($p: ID!, $k: DateTime) { responsibilityList(personId: $p, knownAt: $k) {
  items { id title validFrom validTo scope { name } } } }"""
CASES_PER_KIND = 100


def register_cases(run: queries.SizeRun, seed: int) -> tuple[dict[str, list[str]], datetime]:
    """Cases in departments, against people of the history, committed at chosen record times."""
    rng = random.Random(seed)
    app = run.ledger.app
    with run.ledger.reads.read() as tx:
        units = [r["unit_id"] for r in tx.all("SELECT unit_id FROM rm_units WHERE depth = 1")]
    today = date.today()
    kinds = {"facts recent": timedelta(days=425), "facts 5 years back": timedelta(days=5 * 365)}
    made: dict[str, list[str]] = {k: [] for k in kinds}
    for kind, back in kinds.items():
        for n in range(CASES_PER_KIND):
            facts = today - back - timedelta(days=rng.randrange(60))
            registered = facts + timedelta(days=30)
            case_id = f"K-{'R' if kind == 'facts recent' else 'O'}-{n:03d}"
            case = c.RegisterCase(
                id=case_id,
                unit_id=rng.choice(units),
                subject_id=rng.choice(run.persons),
                category="EIGHT_PROVISIONS",
                discovery="PASSIVE",
                facts_on=facts.isoformat(),
                registered_on=registered.isoformat(),
                summary="违规收受礼品",
            )
            app.execute(case, Stamp("bench-recorder"), wait=False)
            made[kind].append(case_id)
    # The past instant the chains are also asked at; then the ledger moves on: every case is
    # concluded and has a measure determined for someone in its chain, recorded after it.
    time.sleep(0.01)
    run.ledger.runner.catch_up()
    past = datetime.now(UTC)
    time.sleep(0.01)
    from projections.chain import resolve_chain

    for ids in made.values():
        for case_id in ids:
            today_ = date.today().isoformat()
            app.execute(
                c.ConcludeCase(case_id, "SECOND", "党内警告", today_),
                Stamp("bench-recorder"),
                wait=False,
            )
            run.ledger.runner.catch_up()  # no projector runs beside this benchmark
            with run.ledger.reads.read() as tx:
                chain = resolve_chain(tx, case_id, None)
            if chain and chain.links:
                measure = c.DetermineAccountability(
                    case_id, chain.links[0].person_id, "ADMONISHMENT", "一案双查", today_
                )
                app.execute(measure, Stamp("bench-recorder"), wait=False)
    run.ledger.runner.catch_up()
    return made, past


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", default="1e4,1e5", help="history sizes in events (1e6 takes long)"
    )
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--store", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--postgres-url", default=POSTGRES_URL)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--units-per-1000",
        type=int,
        default=30,
        help="units per thousand events of history (30: a few IN_CHARGE items over each "
        "department at a time, as in a real organ; 1: the dense history of queries.py)",
    )
    args = parser.parse_args(argv)
    quiet_logging()

    from ledger.api.context import Context
    from ledger.api.schema import schema
    from ledger.auth import Caller
    from projections.chain import resolve_chain
    from projections.event_index import position_known_at

    caller = Caller("bench", "VIEWER")
    rows, figures, link_notes = [], {}, []
    with ExitStack() as stack:
        for n in parse_sizes(args.sizes):
            run = queries.build(
                stack, args.store, n, args.seed, args.postgres_url, args.units_per_1000
            )
            made, past_instant = register_cases(run, args.seed)
            with run.ledger.reads.read() as tx:
                past = position_known_at(tx, past_instant)
            rng = random.Random(args.seed)
            with run.ledger.reads.read() as tx:
                for kind, ids in made.items():
                    counts = sorted(len(resolve_chain(tx, i, None).links) for i in ids)
                    link_notes.append(
                        f"{n:.0e} · {kind}: {counts[len(counts) // 2]} links per chain (median), "
                        f"{run.stats.units} units, {run.stats.items:,} items"
                    )

            def gql(query: str, variables: dict, run=run) -> None:
                result = schema.execute_sync(
                    query,
                    variable_values=variables,
                    context_value=Context(run.ledger, caller, None),
                )
                if result.errors:
                    raise RuntimeError(result.errors)

            def bare(case_id: str, position, run=run) -> None:
                with run.ledger.reads.read() as tx:
                    resolve_chain(tx, case_id, position)

            paths = []
            for kind, ids in made.items():
                for label, known in (
                    ("knownAt now", None),
                    ("knownAt before conclusions", past_instant),
                ):
                    k = known.isoformat() if known else None
                    position = past if known else None
                    paths.append(
                        (
                            f"{kind} · {label}",
                            "GraphQL in process",
                            lambda ids=ids, k=k, rng=rng: gql(
                                CHAIN, {"id": rng.choice(ids), "k": k}
                            ),
                        )
                    )
                    paths.append(
                        (
                            f"{kind} · {label}",
                            "bare SQL",
                            lambda ids=ids, p=position, rng=rng: bare(rng.choice(ids), p),
                        )
                    )
            paths.append(
                (
                    "responsibilityList · knownAt now",
                    "GraphQL in process",
                    lambda rng=rng, run=run: gql(LIST, {"p": rng.choice(run.persons), "k": None}),
                )
            )
            samples: dict[tuple[str, str], list[int]] = {(c, p): [] for c, p, _ in paths}
            for i in range(args.warmup + args.samples):
                for case, path, fn in paths:
                    started = now_ns()
                    fn()
                    if i >= args.warmup:
                        samples[(case, path)].append(now_ns() - started)
            baseline = percentile(
                sorted(samples[("responsibilityList · knownAt now", "GraphQL in process")]), 50
            )
            for (case, path), ns in samples.items():
                ns.sort()
                figures[(n, case, path)] = percentile(ns, 50)
                rows.append(
                    [
                        f"{n:.0e}",
                        case,
                        path,
                        ms(percentile(ns, 50)),
                        ms(percentile(ns, 99)),
                        ratio(percentile(ns, 50), baseline),
                    ]
                )
            time.sleep(0)
    section = Section(
        f"accountabilityChain latency ({args.store})",
        ["events", "case", "path", "p50 ms", "p99 ms", "p50 ÷ responsibilityList p50"],
        rows,
        numeric=frozenset({3, 4, 5}),
        notes=[
            f"{args.samples} samples per row after {args.warmup} warm-up rounds, interleaved; "
            f"{CASES_PER_KIND} cases per facts kind, a random one per sample",
            "the baseline is responsibilityList (asOf today, knownAt now) through the same "
            "GraphQL stack in the same run",
            f"{args.units_per_1000} units per thousand events of history, so the number of "
            "items over a unit, and the length of a chain, stays the same at every size:",
            *link_notes,
        ],
    )
    emit(
        "chain",
        "accountabilityChain latency against history length",
        [section],
        f"python bench/chain.py --sizes {args.sizes} --samples {args.samples} --store {args.store}",
    )


if __name__ == "__main__":
    main()
