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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from _common import POSTGRES_URL, Section, count, emit, now_ns, quiet_logging, ratio
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate

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


@dataclass
class Row:
    what: str
    ops: int
    ns: int
    state_bytes: float

    @property
    def per_second(self) -> float:
        return self.ops / (self.ns / 1e9)


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
            app.register_person(stamp, id=pid, name=name_of(i // 2))
        else:
            app.assume_post(
                stamp, person_id=pid, unit_id=UNIT, role="STAFF", valid_from=VALID_FROM
            )

    return op


@contextmanager
def ledger_app(url: str) -> Iterator[LedgerApplication]:
    app = LedgerApplication(url)
    try:
        app.register_unit(Stamp(ACTOR), id=UNIT, name="基准测试机关", kind="ORGAN")
        yield app
    finally:
        app.close()


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
    ledger.app.register_unit(Stamp(ACTOR), id=UNIT, name="基准测试机关", kind="ORGAN")
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


def run_store(kind: str, n: int, warmup: int, postgres_url: str) -> list[Row]:
    rows: list[Row] = []
    with Stores(kind, postgres_url) as stores:
        # The row size of the ledger's events, for the raw driver row.
        with ledger_app(stores.url("sizing")) as app:
            ledger_bytes = ledger_state_bytes(app)

        progress(f"[{kind}] raw driver INSERT + COMMIT")
        raw = raw_sqlite if kind == "sqlite" else raw_psycopg
        driver = "sqlite3" if kind == "sqlite" else "psycopg"
        ns = raw(stores, n, warmup, round(ledger_bytes))
        rows.append(Row(f"raw {driver} INSERT + COMMIT, 1 row/transaction", n, ns, ledger_bytes))

        progress(f"[{kind}] raw eventsourcing save")
        ns, size = raw_eventsourcing(stores, n, warmup, chained=False)
        rows.append(Row("raw eventsourcing Application.save, 1 event/save", n, ns, size))

        progress(f"[{kind}] raw eventsourcing save + hash chain")
        ns, size = raw_eventsourcing(stores, n, warmup, chained=True)
        rows.append(Row("… same + ledger hash-chain recorder", n, ns, size))

        progress(f"[{kind}] LedgerApplication commands")
        ns, size = ledger_commands(stores, n, warmup, keyed=False)
        rows.append(Row("LedgerApplication: registerPerson / assumePost", n, ns, size))

        progress(f"[{kind}] LedgerApplication commands with idempotency keys")
        ns, size = ledger_commands(stores, n, warmup, keyed=True)
        rows.append(Row("… same, with idempotency key (2 events/command)", n, ns, size))

        progress(f"[{kind}] GraphQL mutations")
        ns = graphql_mutations(stores, n, warmup)
        rows.append(
            Row("GraphQL mutation in process, incl. read-your-writes wait", n, ns, ledger_bytes)
        )
    return rows


def progress(message: str) -> None:
    print(f"… {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="Commands per second through LedgerApplication, against raw eventsourcing "
        "saves and raw driver INSERTs (sequential, one transaction per write).",
    )
    parser.add_argument("--store", choices=("sqlite", "postgres", "both"), default="sqlite")
    parser.add_argument("--n", type=int, default=3000, help="timed operations per row")
    parser.add_argument(
        "--warmup", type=int, default=200, help="untimed operations before each row"
    )
    parser.add_argument(
        "--postgres-url",
        default=POSTGRES_URL,
        help="database for --store postgres; a fresh schema per row is created and dropped",
    )
    args = parser.parse_args(argv)
    quiet_logging()

    kinds = ("sqlite", "postgres") if args.store == "both" else (args.store,)
    section = Section(
        "Sequential single-event writes",
        ("store", "what", "n", "ops/s", "µs/op", "stored bytes/event", "ratio to raw eventsourcing save"),
        numeric=frozenset({2, 3, 4, 5, 6}),
    )
    for kind in kinds:
        rows = run_store(kind, args.n, args.warmup, args.postgres_url)
        base = rows[1].per_second
        for r in rows:
            section.rows.append(
                (
                    kind,
                    r.what,
                    count(r.ops),
                    count(r.per_second),
                    f"{r.ns / r.ops / 1e3:,.0f}",
                    f"{r.state_bytes:.0f}",
                    ratio(r.per_second, base),
                )
            )
    section.notes = [
        "ops/s = operations completed per second of wall time, one after another on one "
        "thread; a LedgerApplication op is one command (one atomic save).",
        "ratio = ops/s ÷ the raw eventsourcing save of the same store (1.00× = as fast as "
        "eventsourcing itself; the raw driver row shows what the database alone allows).",
        "raw eventsourcing rows use the same persistence module and settings as the ledger "
        "(StoreConfig.eventsourcing_env), in a fresh file/schema of their own.",
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
