"""accountabilityChain (一案双查) latency against the length of the history behind it.

Each size reuses the responsibility-list history of `queries.py` (units, people, posts,
items with rotations and late corrections over ten years of record time), then registers
cases through the command path with record times of their own: half with facts about five
years back, half about fourteen months back, all known a year ago. The chain is asked four
ways — facts recent / five years back × knownAt now / a year back — through GraphQL in
process and as bare SQL (`projections.chain.resolve_chain`), beside `responsibilityList`
asked through GraphQL in the same run (the baseline every other query is compared with).

Run:  .venv/bin/python bench/chain.py [--sizes 1e4,1e5] [--samples 300] [--store sqlite]
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

from ledger import integrity
from ledger.domain.base import Stamp

CHAIN = """query($id: ID!, $k: DateTime) { accountabilityChain(caseId: $id, knownAt: $k) {
  links { kind person { name } post { role from to } basis { id } measure } gaps { kind } } }"""
LIST = """query($p: ID!, $k: DateTime) { responsibilityList(personId: $p, knownAt: $k) {
  items { id title validFrom validTo scope { name } } } }"""
CASES_PER_KIND = 100


def register_cases(run: queries.SizeRun, seed: int) -> dict[str, list[str]]:
    """Cases in departments, against people of the history, committed at chosen record times."""
    rng = random.Random(seed)
    app = run.ledger.app
    with run.ledger.reads.read() as tx:
        units = [r["unit_id"] for r in tx.all("SELECT unit_id FROM rm_units WHERE depth = 1")]
    today = date.today()
    kinds = {"facts recent": timedelta(days=425), "facts 5 years back": timedelta(days=5 * 365)}
    made: dict[str, list[str]] = {k: [] for k in kinds}
    real_clock = integrity.clock
    try:
        for kind, back in kinds.items():
            for n in range(CASES_PER_KIND):
                facts = today - back - timedelta(days=rng.randrange(60))
                registered = facts + timedelta(days=30)
                at = datetime.combine(registered, datetime.min.time(), UTC) + timedelta(hours=9)
                integrity.clock = lambda at=at: at
                case_id = f"K-{kind[:6].replace(' ', '')}-{n:03d}"
                app.register_case(
                    Stamp("bench-recorder"),
                    id=case_id,
                    unit_id=rng.choice(units),
                    subject_id=rng.choice(run.persons),
                    category="EIGHT_PROVISIONS",
                    discovery="PASSIVE",
                    facts_on=facts.isoformat(),
                    facts_until=None,
                    registered_on=registered.isoformat(),
                    summary="违规收受礼品",
                )
                made[kind].append(case_id)
    finally:
        integrity.clock = real_clock
    run.ledger.runner.catch_up()
    return made


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
    args = parser.parse_args(argv)
    quiet_logging()

    from ledger.api.context import Context
    from ledger.api.schema import schema
    from ledger.auth import Caller
    from projections.chain import resolve_chain
    from projections.event_index import position_known_at

    caller = Caller("bench", "VIEWER")
    year_back = datetime.now(UTC) - timedelta(days=365)
    rows, figures = [], {}
    with ExitStack() as stack:
        for n in parse_sizes(args.sizes):
            run = queries.build(stack, args.store, n, args.seed, args.postgres_url)
            made = register_cases(run, args.seed)
            with run.ledger.reads.read() as tx:
                past = position_known_at(tx, year_back)
            rng = random.Random(args.seed)

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
                for label, known in (("knownAt now", None), ("knownAt 1 year back", year_back)):
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
