"""Commands per second through LedgerApplication, against the layers underneath it.

Every row runs N single-event writes, one after another, one transaction each, after a
warm-up of the same operation; each row gets its own fresh database file (SQLite) or
schema (PostgreSQL) so that no row inherits another's table sizes.

    raw driver INSERT + COMMIT        sqlite3 / psycopg, one row per transaction, rows of
                                      the same size as the ledger's stored events
    raw eventsourcing save            a minimal Aggregate with one created event carrying
                                      the same fields, `Application.save` once per aggregate,
                                      the same persistence module and settings    (baseline)
    ... + ledger hash-chain recorder  the same, with the ledger's ChainedSQLite/PostgresRecorder
    LedgerApplication commands        register_person, assume_post, register_person, ...
    ... with idempotency key          the same, each command also saves its IdempotencyKey
    GraphQL mutation, in process      schema.execute_sync of registerPerson/assumePost with
                                      the projector running: returns after read-your-writes

Run:  .venv/bin/python bench/commands.py [--store sqlite|postgres|both] [--n 3000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _common import POSTGRES_URL, Section, count, emit, now_ns, quiet_logging, ratio
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate

from ledger import commands as c
from ledger.application import LedgerApplication
from ledger.domain.base import Stamp
from ledger.domain.person import Person
from ledger.store import parse_store_url

ACTOR = "bench-recorder"
UNIT = "BENCH-ORG"
VALID_FROM = "2024-01-01"
NAMES = ("王建国", "李纪清", "张明远", "陈思齐", "刘海峰", "赵文静", "孙立新", "周晓红")


def person_id(prefix: str, i: int) -> str:
    return f"P-{prefix}{i:07d}"


def name_of(i: int) -> str:
    return NAMES[i % len(NAMES)]


# ---------------------------------------------------------------------- stores


class Stores:
    """Fresh places to write: one SQLite file, or one PostgreSQL schema, per row."""

    def __init__(self, kind: str, postgres_url: str):
        self.kind = kind
        self.postgres_url = postgres_url
        self._tmp: tempfile.TemporaryDirectory | None = None
        self._schemas: list[str] = []
        self._token = uuid.uuid4().hex[:8]

    def __enter__(self) -> Stores:
        if self.kind == "sqlite":
            self._tmp = tempfile.TemporaryDirectory(prefix="ledger-bench-")
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()
        if self._schemas:
            import psycopg

            with psycopg.connect(self.postgres_url, autocommit=True) as conn:
                for schema in self._schemas:
                    conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')

    def url(self, name: str) -> str:
        """A ledger store URL for a fresh, empty store."""
        if self.kind == "sqlite":
            assert self._tmp is not None
            return f"sqlite:///{Path(self._tmp.name) / name}.sqlite3"
        import psycopg

        schema = f"bench_{self._token}_{name}"
        with psycopg.connect(self.postgres_url, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        self._schemas.append(schema)
        sep = "&" if "?" in self.postgres_url else "?"
        return f"{self.postgres_url}{sep}schema={schema}"

    def eventsourcing_env(self, name: str, *, chained: bool) -> dict[str, str]:
        """The ledger's own persistence settings; without its recorder unless `chained`."""
        env = parse_store_url(self.url(name)).eventsourcing_env()
        if not chained:
            env.pop("APPLICATION_RECORDER_TOPIC")
        return env


# ---------------------------------------------------------------------- timing


def timed(op: Callable[[int], Any], n: int, warmup: int) -> int:
    """Run op(0..warmup-1) untimed, then op(warmup..warmup+n-1) timed; returns elapsed ns."""
    for i in range(warmup):
        op(i)
    started = now_ns()
    for i in range(warmup, warmup + n):
        op(i)
    return now_ns() - started


# ---------------------------------------------------------------------- raw driver


def raw_sqlite(stores: Stores, n: int, warmup: int, state_bytes: int) -> int:
    import sqlite3

    path = stores.url("raw_driver").removeprefix("sqlite:///")
    conn = sqlite3.connect(path, isolation_level=None)
    # As eventsourcing.sqlite opens its file: WAL, default synchronous, explicit BEGIN.
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(
        "CREATE TABLE stored_events (originator_id TEXT, originator_version INTEGER, "
        "topic TEXT, state BLOB, PRIMARY KEY (originator_id, originator_version))"
    )
    state = b"x" * state_bytes
    topic = "ledger:PersonRegistered"

    def op(i: int) -> None:
        conn.execute("BEGIN")
        conn.execute(
            "INSERT INTO stored_events VALUES (?, ?, ?, ?)", (uuid.uuid4().hex, 1, topic, state)
        )
        conn.execute("COMMIT")

    try:
        return timed(op, n, warmup)
    finally:
        conn.close()


def raw_psycopg(stores: Stores, n: int, warmup: int, state_bytes: int) -> int:
    import psycopg

    schema = parse_store_url(stores.url("raw_driver")).schema
    conn = psycopg.connect(stores.postgres_url)
    conn.execute(
        f'CREATE TABLE "{schema}".stored_events (notification_id BIGSERIAL, '
        "originator_id UUID NOT NULL, originator_version INTEGER NOT NULL, "
        "topic TEXT, state BYTEA, PRIMARY KEY (originator_id, originator_version))"
    )
    conn.commit()
    state = b"x" * state_bytes
    topic = "ledger:PersonRegistered"
    sql = (
        f'INSERT INTO "{schema}".stored_events (originator_id, originator_version, topic, state) '
        "VALUES (%s, %s, %s, %s)"
    )

    def op(i: int) -> None:
        conn.execute(sql, (uuid.uuid4(), 1, topic, state))
        conn.commit()

    try:
        return timed(op, n, warmup)
    finally:
        conn.close()


# ---------------------------------------------------------------------- raw eventsourcing


class BenchPerson(Aggregate):
    """As small as an aggregate gets: one created event with a person's fields."""

    class Registered(Aggregate.Created):
        actor: str
        idempotency_key: str | None
        person_id: str
        name: str

    def __init__(self, actor: str, idempotency_key: str | None, person_id: str, name: str):
        self.person_id = person_id
        self.name = name


class RawApplication(Application):
    name = "RawBench"


def new_bench_person(i: int) -> BenchPerson:
    pid = person_id("R", i)
    return BenchPerson._create(
        BenchPerson.Registered,
        id=uuid.uuid5(uuid.NAMESPACE_URL, pid),
        actor=ACTOR,
        idempotency_key=None,
        person_id=pid,
        name=name_of(i),
    )


def raw_eventsourcing(stores: Stores, n: int, warmup: int, *, chained: bool) -> tuple[int, float]:
    name = "raw_es_chained" if chained else "raw_es"
    app = RawApplication(env=stores.eventsourcing_env(name, chained=chained))
    try:
        size = len(app.mapper.to_stored_event(new_bench_person(-1).collect_events()[0]).state)
        return timed(lambda i: app.save(new_bench_person(i)), n, warmup), size
    finally:
        app.close()


# ---------------------------------------------------------------------- the ledger


def ledger_state_bytes(app: LedgerApplication) -> float:
    """Mean stored size of the two events the command rows write (not saved here)."""
    stamp = Stamp(ACTOR)
    person = Person.register(stamp, person_id("S", 0), name_of(0))
    person.assume_post(stamp, UNIT, "STAFF", VALID_FROM)
    events = person.collect_events()
    return statistics.fmean(len(app.mapper.to_stored_event(e).state) for e in events)


def ledger_op(app: LedgerApplication, *, keyed: bool) -> Callable[[int], Any]:
    """Command i: register_person when i is even, assume_post for that person when odd."""

    def op(i: int) -> None:
        pid = person_id("L", i // 2)
        stamp = Stamp(ACTOR, f"bench-{i}" if keyed else None)
        if i % 2 == 0:
            app.execute(c.RegisterPerson(pid, name_of(i // 2)), stamp, wait=False)
        else:
            app.execute(c.AssumePost(pid, UNIT, "STAFF", VALID_FROM), stamp, wait=False)

    return op


@contextmanager
def ledger_app(url: str) -> Iterator[LedgerApplication]:
    """The ledger's write side on a real store (its read models are not followed here)."""
    from ledger.service import Ledger
    from ledger.settings import Settings

    settings = Settings()
    settings.store = url
    ledger = Ledger.open(settings)
    try:
        ledger.app.execute(c.RegisterUnit(UNIT, "基准测试机关", "ORGAN"), Stamp(ACTOR), wait=False)
        yield ledger.app
    finally:
        ledger.close()


def ledger_commands(stores: Stores, n: int, warmup: int, *, keyed: bool) -> tuple[int, float]:
    with ledger_app(stores.url("ledger_keyed" if keyed else "ledger")) as app:
        size = ledger_state_bytes(app)
        # Warm-up must end on an even command so that the timed run starts with a register.
        return timed(ledger_op(app, keyed=keyed), n, warmup + warmup % 2), size


REGISTER = "mutation($id: ID!, $name: String!) { registerPerson(input: {id: $id, name: $name}) { id position } }"
ASSUME = (
    "mutation($p: ID!, $u: ID!) "
    '{ assumePost(input: {personId: $p, unitId: $u, role: STAFF, from: "2024-01-01"}) '
    "{ id position } }"
)


def graphql_mutations(stores: Stores, n: int, warmup: int) -> int:
    from ledger.api.context import Context
    from ledger.api.schema import schema
    from ledger.auth import Caller
    from ledger.service import Ledger
    from ledger.settings import Settings

    settings = Settings()
    settings.store = stores.url("graphql")
    settings.jwt_secret = "bench-" + "x" * 42
    ledger = Ledger.open(settings)
    caller = Caller(ACTOR, "RECORDER")
    ledger.app.execute(c.RegisterUnit(UNIT, "基准测试机关", "ORGAN"), Stamp(ACTOR))
    ledger.start_projector()

    def op(i: int) -> None:
        pid = person_id("G", i // 2)
        if i % 2 == 0:
            query, variables = REGISTER, {"id": pid, "name": name_of(i // 2)}
        else:
            query, variables = ASSUME, {"p": pid, "u": UNIT}
        result = schema.execute_sync(
            query, variable_values=variables, context_value=Context(ledger, caller, None)
        )
        if result.errors:
            raise RuntimeError(f"mutation {i} failed: {result.errors[0]}")

    try:
        return timed(op, n, warmup + warmup % 2)
    finally:
        ledger.close()


# ---------------------------------------------------------------------- main


@dataclass
class Case:
    what: str
    run: Callable[[Stores], tuple[int, float]]  # -> (elapsed ns for n ops, stored bytes/event)
    samples: list[float] = field(default_factory=list)  # ops/s, one per round
    state_bytes: float = 0.0


def cases(kind: str, n: int, warmup: int, ledger_bytes: float) -> list[Case]:
    raw = raw_sqlite if kind == "sqlite" else raw_psycopg
    driver = "sqlite3" if kind == "sqlite" else "psycopg"
    size = round(ledger_bytes)
    return [
        Case(
            f"raw {driver} INSERT + COMMIT, 1 row/transaction",
            lambda st: (raw(st, n, warmup, size), size),
        ),
        Case(
            "raw eventsourcing Application.save, 1 event/save",
            lambda st: raw_eventsourcing(st, n, warmup, chained=False),
        ),
        Case(
            "… same + the ledger's hash-chain recorder",
            lambda st: raw_eventsourcing(st, n, warmup, chained=True),
        ),
        Case(
            "LedgerApplication: registerPerson / assumePost",
            lambda st: ledger_commands(st, n, warmup, keyed=False),
        ),
        Case(
            "… same, with idempotency key (2 events/command)",
            lambda st: ledger_commands(st, n, warmup, keyed=True),
        ),
        Case(
            "GraphQL mutation in process, incl. read-your-writes wait",
            lambda st: (graphql_mutations(st, n, warmup), ledger_bytes),
        ),
    ]


def run_store(kind: str, n: int, warmup: int, rounds: int, postgres_url: str) -> list[Case]:
    """Every case once per round, rounds interleaved so that drift hits all cases alike."""
    with Stores(kind, postgres_url) as stores, ledger_app(stores.url("sizing")) as app:
        ledger_bytes = ledger_state_bytes(app)
    todo = cases(kind, n, warmup, ledger_bytes)
    for r in range(rounds):
        for case in todo:
            progress(f"[{kind}] round {r + 1}/{rounds}: {case.what}")
            with Stores(kind, postgres_url) as stores:
                ns, size = case.run(stores)
            case.samples.append(n / (ns / 1e9))
            case.state_bytes = size
    return todo


def progress(message: str) -> None:
    print(f"… {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="Commands per second through LedgerApplication, against raw eventsourcing "
        "saves and raw driver INSERTs (sequential, one transaction per write).",
    )
    parser.add_argument("--store", choices=("sqlite", "postgres", "both"), default="sqlite")
    parser.add_argument("--n", type=int, default=3000, help="timed operations per row and round")
    parser.add_argument(
        "--warmup", type=int, default=200, help="untimed operations before each timed run"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="timed runs per row, interleaved; the table shows their median",
    )
    parser.add_argument(
        "--postgres-url",
        default=POSTGRES_URL,
        help="database for --store postgres; a fresh schema per run is created and dropped",
    )
    args = parser.parse_args(argv)
    quiet_logging()

    kinds = ("sqlite", "postgres") if args.store == "both" else (args.store,)
    section = Section(
        "Sequential single-event writes",
        (
            "store",
            "what",
            "ops/s",
            "min–max ops/s",
            "µs/op",
            "stored bytes/event",
            "ratio to raw eventsourcing save",
        ),
        numeric=frozenset({2, 3, 4, 5, 6}),
    )
    for kind in kinds:
        done = run_store(kind, args.n, args.warmup, args.rounds, args.postgres_url)
        base = statistics.median(done[1].samples)
        for case in done:
            median = statistics.median(case.samples)
            section.rows.append(
                (
                    kind,
                    case.what,
                    count(median),
                    f"{count(min(case.samples))}–{count(max(case.samples))}",
                    f"{1e6 / median:,.0f}",
                    f"{case.state_bytes:.0f}",
                    ratio(median, base),
                )
            )
    section.notes = [
        f"n = {args.n:,} operations per run after {args.warmup} warm-up operations, "
        f"{args.rounds} runs per row (interleaved, each on a fresh file/schema); ops/s is "
        "their median, one operation after another on one thread.",
        "A LedgerApplication operation is one command: its reads, its decision and one atomic "
        "save (1 event, or 2 with an idempotency key).",
        "ratio = ops/s ÷ the raw eventsourcing save of the same store (1.00× = as fast as "
        "eventsourcing itself; the raw driver row shows what the database alone allows).",
        "The raw eventsourcing rows use the same persistence module and settings as the "
        "ledger (StoreConfig.eventsourcing_env), without or with its recorder.",
        "Log lines are rendered as in production (JSON) but written to /dev/null.",
    ]
    emit(
        "commands",
        "Commands per second",
        [section],
        "python bench/commands.py " + " ".join(sys.argv[1:] if argv is None else argv),
    )


if __name__ == "__main__":
    main()
