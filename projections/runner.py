"""The projection runner: catch up from the notification log, then follow it.

Each projector has its own row in `rm_tracking`. A page of notifications is read and
decoded once; each projector then applies the events past its own position and moves
its position, all projectors in one transaction per page. The tracking rows are read
(locked on PostgreSQL) inside that transaction, so two runners on one database never
double-apply: the second continues from where the first left each projector.
"""

from __future__ import annotations

import contextlib
import copy
import multiprocessing
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import structlog
from eventsourcing.utils import resolve_topic

from ledger import faults
from ledger.application import LedgerApplication
from ledger.domain.rules.talks import TalkPolicy
from ledger.store import commit_channel
from projections.base import Envelope, Projector
from projections.db import ReadStore

log = structlog.get_logger("ledger.projections")

TRACKING_DDL = (
    "CREATE TABLE IF NOT EXISTS rm_tracking (projector TEXT PRIMARY KEY, "
    "position BIGINT NOT NULL, version TEXT NOT NULL)"
)
# One row per following runner (process): when it last completed a round or a page, where it
# had got to, and its last error. /readyz and the projector's health check read it, so a
# stopped or failing projector shows. Not a read model: rebuilds leave it alone.
HEARTBEAT_DDL = (
    "CREATE TABLE IF NOT EXISTS rm_heartbeat (runner TEXT PRIMARY KEY, host TEXT NOT NULL, "
    "pid BIGINT NOT NULL, started_at DOUBLE PRECISION NOT NULL, "
    "beat_at DOUBLE PRECISION NOT NULL, position BIGINT NOT NULL, error TEXT)"
)
# The hash and record time of a page's events, from the hash chain.
RECORD_TIMES = (
    "SELECT position, hash, committed_at FROM {chain} WHERE position >= ? AND position <= ?"
)
# A tracking row that is no projector: the generation of the read models, changed by every
# rebuild, so that runners of other processes drop their caches when the tables are swapped.
GENERATION = "~generation"


class ReadModelState(NamedTuple):
    generation: int | None  # the rebuild they come from (None: never rebuilt beside)
    position: int  # the lowest position every projector has applied


HEARTBEAT_KEEP = 86400.0  # rows of runners silent for longer are deleted


@dataclass(frozen=True)
class Heartbeat:
    runner: str
    host: str
    pid: int
    started_at: float
    beat_at: float  # 0: never completed a round
    position: int
    error: str | None


def default_projectors(talk_policy: TalkPolicy | None = None) -> list[Projector]:
    from projections.cases import CaseProjector
    from projections.duty_reports import DutyReportProjector
    from projections.evaluation import EvaluationProjector
    from projections.event_index import EventIndexProjector
    from projections.findings import FindingProjector
    from projections.letters import LetterProjector
    from projections.organisation import OrganisationProjector
    from projections.power import PowerProjector
    from projections.responsibility import ResponsibilityProjector
    from projections.risk_posts import RiskPostProjector
    from projections.talk_obligations import TalkObligationProjector
    from projections.talks import TalkProjector

    return [
        EventIndexProjector(),
        OrganisationProjector(),
        ResponsibilityProjector(),
        CaseProjector(),
        LetterProjector(),
        EvaluationProjector(),
        FindingProjector(),
        RiskPostProjector(),
        PowerProjector(),
        DutyReportProjector(),
        TalkProjector(),
        TalkObligationProjector(talk_policy or TalkPolicy()),
    ]


class ProjectionRunner:
    def __init__(
        self,
        app: LedgerApplication,
        store: ReadStore,
        projectors: Sequence[Projector] | None = None,
        *,
        page_size: int = 1000,
        heartbeat_interval: float = 2.0,
        rebuild_page_size: int = 5000,
        rebuild_workers: int = 1,
        bulk: bool = False,
    ):
        self.app = app
        # Building empty read models from zero (a rebuild's shadow): indexes that applying
        # never reads are built once after the load (`finish_bulk`).
        self.bulk = bulk
        self.heartbeat_interval = heartbeat_interval
        self.runner_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._started_at = time.time()
        self._last_beat = 0.0
        self.store = store
        self.projectors = list(projectors) if projectors is not None else default_projectors()
        self.page_size = page_size
        # Events per transaction while rebuilding: fewer, larger commits (the shadow has no
        # reader waiting for them).
        self.rebuild_page_size = rebuild_page_size
        # Processes a rebuild builds in (each a share of the projectors, in a shadow of its own).
        self.rebuild_workers = rebuild_workers
        self._topics: dict[str, bool] = {}  # stored topic -> handled by some projector
        self._wake = threading.Event()
        self._progress = threading.Condition()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._listener: threading.Thread | None = None
        self._reached = 0  # lowest position every projector has applied, as seen by this process
        self._generation: int | None = None  # of the read models this runner last wrote
        self._seen_generation: int | None = None  # of the read models it last read
        # Observable states of the follower: between rounds, and LISTENing for commits.
        self.idle = threading.Event()
        self.listening = threading.Event()
        self.setup()

    # ------------------------------------------------------------------ tables

    def setup(self) -> None:
        """Create missing tables; rebuild from zero any read model whose shape has changed."""
        with self.store.write() as tx:
            tx.lock_schema_changes()
            tx.execute(TRACKING_DDL)
            tx.execute(HEARTBEAT_DDL)
            known = {
                r["projector"]: r["version"]
                for r in tx.all("SELECT projector, version FROM rm_tracking")
            }
            for p in self.projectors:
                if p.name in known and known[p.name] != p.version:
                    log.warning(
                        "projection.reshaped", projector=p.name, note="rebuilding from zero"
                    )
                    p.drop(tx)
                    p.reset_caches()
                    tx.execute(
                        "UPDATE rm_tracking SET position=0, version=? WHERE projector=?",
                        (p.version, p.name),
                    )
                p.create(tx, defer=self.bulk)
                tx.execute(
                    "INSERT INTO rm_tracking (projector, position, version) VALUES (?, 0, ?) "
                    "ON CONFLICT (projector) DO NOTHING",
                    (p.name, p.version),
                )

    def state(self) -> ReadModelState:
        """The read models' generation (renewed by every rebuild swapped in; None before the
        first) and the lowest position every projector has applied, in one statement."""
        rows = self.store.rows("SELECT projector, position FROM rm_tracking")
        known = {r["projector"]: r["position"] for r in rows}
        position = min((known.get(p.name, 0) for p in self.projectors), default=0)
        return ReadModelState(known.get(GENERATION), position)

    def positions(self) -> dict[str, int]:
        """Where each projector has got to; notes the generation seen on the way (`seen`)."""
        rows = self.store.rows("SELECT projector, position FROM rm_tracking")
        known = {r["projector"]: r["position"] for r in rows}
        self._seen_generation = known.get(GENERATION)
        return {p.name: known.get(p.name, 0) for p in self.projectors}

    def seen(self) -> ReadModelState:
        """The read models as this process's follower last saw them, without a read: their
        generation as of its last round (every poll interval, or at once on a commit's
        NOTIFY on PostgreSQL) and the position it has reached. Another process's rebuild
        is seen as its writes are: by the follower's next round."""
        return ReadModelState(self._seen_generation, self._reached)

    # ------------------------------------------------------------------ liveness

    def beat(self, *, error: BaseException | None = None) -> None:
        """Record that this runner is alive and where it got to (after a round or a page
        that succeeded), or its last error (the time of its last success unchanged)."""
        now = time.time()
        host, pid = socket.gethostname(), os.getpid()
        with self.store.write() as tx:
            if error is None:
                tx.execute(
                    "INSERT INTO rm_heartbeat (runner, host, pid, started_at, beat_at, position, "
                    "error) VALUES (?, ?, ?, ?, ?, ?, NULL) ON CONFLICT (runner) DO UPDATE SET "
                    "beat_at = excluded.beat_at, position = excluded.position, error = NULL",
                    (self.runner_id, host, pid, self._started_at, now, self._reached),
                )
                tx.execute("DELETE FROM rm_heartbeat WHERE beat_at < ?", (now - HEARTBEAT_KEEP,))
            else:
                text = f"{type(error).__name__}: {' '.join(str(error).split())}"[:500]
                tx.execute(
                    "INSERT INTO rm_heartbeat (runner, host, pid, started_at, beat_at, position, "
                    "error) VALUES (?, ?, ?, ?, 0, ?, ?) ON CONFLICT (runner) DO UPDATE SET "
                    "error = excluded.error",
                    (self.runner_id, host, pid, self._started_at, self._reached, text),
                )
        if error is None:
            self._last_beat = now

    def _beat_if_due(self, _position: int | None = None) -> None:
        if time.time() - self._last_beat >= self.heartbeat_interval:
            self.beat()

    def heartbeats(self) -> list[Heartbeat]:
        rows = self.store.run(
            lambda tx: tx.all(
                "SELECT runner, host, pid, started_at, beat_at, position, error FROM rm_heartbeat "
                "ORDER BY beat_at DESC"
            )
        )
        return [
            Heartbeat(
                r["runner"],
                r["host"],
                int(r["pid"]),
                float(r["started_at"]),
                float(r["beat_at"]),
                int(r["position"]),
                r["error"],
            )
            for r in rows
        ]

    def left_out(self) -> list[str]:
        """The indexes this bulk load has not built (CREATE INDEX statements)."""
        return [ddl for p in self.projectors for ddl in p.deferred_indexes()] if self.bulk else []

    def finish_bulk(self) -> None:
        """Build the indexes the bulk load left out, each in one pass over its rows."""
        indexes = self.left_out()
        if indexes:
            with self.store.write() as tx:
                for ddl in indexes:
                    tx.execute(ddl)
        self.bulk = False

    def rebuild(self, on_page: Callable[[int], None] | None = None) -> int:
        """Rebuild every read model from the log beside the live ones, then swap them in at
        once (`ReadStore.swap_in`): servers keep answering from the old tables meanwhile and
        never see a missing or partial one. Returns the position the read models are at.

        With `rebuild_workers` above one, the projectors are shared out in parts of about
        equal cost (`Projector.rebuild_cost`), each built in a shadow of its own: the first
        here, the others each in a process of its own (`_build_apart`). `on_page` gets the
        position every part has reached."""
        parts = _share_out(self.projectors, self.rebuild_workers)
        shadows: list[ReadStore] = []  # made so far: discarded whatever happens
        try:
            for n in range(len(parts)):
                shadows.append(self.store.shadow(n))
            for n in range(len(parts), MAX_REBUILD_PARTS):  # left by a rebuild in more parts
                self.store.drop_shadow(n)
            builders = [
                ProjectionRunner(
                    self.app, shadow, part, page_size=self.rebuild_page_size, bulk=True
                )
                for shadow, part in zip(shadows, parts, strict=True)
            ]
            left_out = [ddl for builder in builders for ddl in builder.left_out()]
            _build_apart(builders, self.app.head(), on_page)
            while True:
                with shadows[0].write() as tx:  # live runners see it and drop their caches
                    tx.execute(
                        "INSERT INTO rm_tracking (projector, position, version) VALUES (?, ?, '') "
                        "ON CONFLICT (projector) DO UPDATE SET position = excluded.position",
                        (GENERATION, time.time_ns() // 1000),
                    )
                built = [
                    (b.store, [t for p in b.projectors for t, _, _ in p.tables]) for b in builders
                ]
                # a copy builds the indexes anew anyway: those left out are built there
                if self.store.swap_in(built, left_out if self.store.copies_on_swap else ()):
                    break
                log.info("projection.rebuild_behind", note="a live projector moved on: catching up")
                for builder in builders:
                    builder.catch_up(on_page=on_page)
        finally:
            for shadow in shadows:
                self.store.discard(shadow)
        for projector in self.projectors:
            projector.reset_caches()
        return min(self.positions().values(), default=0)

    def reset(self) -> None:
        """Drop every read model and start from position zero (in place: for a store nobody
        serves from yet, as after an import; `rebuild` is for a ledger in use)."""
        with self.store.write() as tx:
            for p in self.projectors:
                p.drop(tx)
            tx.execute("DELETE FROM rm_tracking")
        for p in self.projectors:
            p.reset_caches()
        self._reached = 0
        self.setup()

    # ------------------------------------------------------------------ catching up

    def _decode(
        self, notifications: Sequence, chain: dict[int, dict] | None = None
    ) -> list[Envelope]:
        """Envelopes of the notifications, with record time and hash from their chain rows
        (read from the store unless given)."""
        mapper = self.app.mapper
        if chain is None:  # position -> (hash, record time): plain tuples, a page has thousands
            records = {
                row[0]: row[1:]
                for row in self.app.recorder.fetch_tuples(
                    RECORD_TIMES, (notifications[0].id, notifications[-1].id)
                )
            }
        else:
            records = {p: (r.get("hash", ""), r.get("committed_at")) for p, r in chain.items()}
        out = []
        for n in notifications:
            event = mapper.to_domain_event(n)
            chain_hash, committed = records.get(n.id, ("", None))
            out.append(
                Envelope(
                    position=n.id,
                    aggregate_id=n.originator_id,
                    version=n.originator_version,
                    type=n.topic.partition(":")[2],
                    # Record time is the commit's (taken under the insert lock, monotone);
                    # events stored before it was kept fall back to their own timestamp.
                    recorded_at=datetime.fromisoformat(committed) if committed else event.timestamp,
                    actor=getattr(event, "actor", ""),
                    idempotency_key=getattr(event, "idempotency_key", None),
                    event=event,
                    hash=chain_hash,
                    aggregate_hex=n.originator_id.hex,
                )
            )
        return out

    def catch_up(
        self,
        *,
        until: int | None = None,
        on_page: Callable[[int], None] | None = None,
        stop: threading.Event | None = None,
        to_head: bool = True,
    ) -> int:
        """Apply everything up to the head (or `until`); returns the lowest position reached.
        With `stop`, return between pages once it is set (a follower asked to stop).
        Without `to_head` (the follower), a round that has applied the last event this
        process committed ends there, without asking the store whether another process
        appended after it: the next round asks (at the next commit here, every poll
        interval, and at once on another process's NOTIFY on PostgreSQL)."""
        positions = self.positions()
        start = min(positions.values(), default=0)
        with self._progress:
            self._reached = max(self._reached, start)
            self._progress.notify_all()
        kept = self.app.recorder.committed
        while (until is None or start < until) and not (stop and stop.is_set()):
            envelopes = self._read(start, until)
            if not envelopes:
                break
            positions = self._apply_page(envelopes, positions)
            start = envelopes[-1].position
            with self._progress:
                self._reached = max(self._reached, min(positions.values(), default=0))
                self._progress.notify_all()
            if on_page:
                on_page(start)
            if not to_head and kept is not None and kept.last == start:
                break
        return min(positions.values(), default=0)

    def _read(self, after: int, until: int | None) -> list[Envelope]:
        """The page of the log after position `after` (up to `until`), decoded. What this
        process has just committed is taken as it was stored, from memory
        (`ledger.committed`), up to the first position it did not write; the rest is read."""
        kept = self.app.recorder.committed
        if kept is not None:
            notifications, chain = kept.after(after, self.page_size, until)
            if notifications:
                return self._decode(notifications, chain)
        notifications = self.app.recorder.select_notifications(
            start=after + 1, limit=self.page_size, stop=until
        )
        if not notifications:
            return []
        if not any(p.every_event for p in self.projectors):
            # Decode only what these projectors handle (the others' events they would pass
            # over), and the page's last event, whose position ends the page.
            last = notifications[-1]
            notifications = [n for n in notifications[:-1] if self._handled(n.topic)]
            notifications.append(last)
        return self._decode(notifications)

    def _handled(self, topic: str) -> bool:
        """Does one of these projectors apply events of this stored topic?"""
        handled = self._topics.get(topic)
        if handled is None:
            event_class = resolve_topic(topic)
            handled = any(event_class in p.handlers for p in self.projectors)
            self._topics[topic] = handled
        return handled

    def _apply_page(self, envelopes: list[Envelope], positions: dict[str, int]) -> dict[str, int]:
        """Apply a page to every projector behind its end, in one transaction (one commit:
        on PostgreSQL the commit, not the applying, was most of a small page's cost)."""
        last = envelopes[-1].position
        behind = [p for p in self.projectors if positions[p.name] < last]
        if not behind:
            return positions
        try:
            return self._apply_in_transaction(behind, envelopes, positions, last)
        except BaseException:
            for projector in behind:
                projector.reset_caches()  # caches may hold rows of the rolled-back transaction
            raise

    def _apply_in_transaction(
        self,
        behind: list[Projector],
        envelopes: list[Envelope],
        positions: dict[str, int],
        last: int,
    ) -> dict[str, int]:
        out = dict(positions)
        types = [type(e.event) for e in envelopes]
        with self.store.write() as tx:
            current = {
                r["projector"]: r["position"]
                for r in tx.all(
                    "SELECT projector, position FROM rm_tracking ORDER BY projector"
                    + (" FOR UPDATE" if tx.dialect == "postgres" else "")
                )
            }
            generation = current.get(GENERATION)
            if generation != self._generation:
                if self._generation is not None:  # rebuilt and swapped in meanwhile
                    for projector in self.projectors:
                        projector.reset_caches()
                self._generation = generation
            for projector in behind:
                position = current.get(projector.name, 0)
                if position != positions[projector.name]:
                    # Another runner moved this projector meanwhile; continue from where it is.
                    projector.reset_caches()
                if projector.every_event:
                    wanted = envelopes
                else:
                    handled = projector.handlers
                    wanted = [e for e, t in zip(envelopes, types, strict=True) if t in handled]
                for envelope in wanted:
                    if envelope.position > position:
                        projector.apply(tx, envelope)
                if last > position:
                    tx.execute(
                        "UPDATE rm_tracking SET position=? WHERE projector=?",
                        (last, projector.name),
                    )
                out[projector.name] = max(last, position)
        return out

    # ------------------------------------------------------------------ following

    @property
    def reached(self) -> int:
        """The lowest position every projector has applied, as this process last saw it
        (current while this process's follower runs)."""
        return self._reached

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def notify(self, position: int | None = None) -> None:
        """Wake the follower at once (called after every local save)."""
        self._wake.set()

    def follow(self, poll_interval: float = 0.05) -> None:
        """Catch up, then keep following until `stop()`; polling sees other processes' writes."""
        while not self._stop.is_set():
            self.idle.clear()
            try:
                self.catch_up(stop=self._stop, on_page=self._beat_if_due, to_head=False)
                self._beat_if_due()
            except Exception as e:  # keep following; the next round retries from tracking
                log.exception("projection.error")
                faults.note_failure(e)
                with contextlib.suppress(Exception):  # the store may refuse even that
                    self.beat(error=e)
                self._stop.wait(min(1.0, poll_interval * 10))
            self.idle.set()
            self._wake.wait(poll_interval)
            self._wake.clear()

    def start(self, poll_interval: float = 0.05, *, listen: bool = True) -> None:
        """Follow the log on a thread of its own; a no-op while a follower still runs (two
        followers in one process would share the projectors' caches)."""
        if self.running or (self._listener is not None and self._listener.is_alive()):
            return
        self._stop.clear()
        self._thread = threading.Thread(
            target=self.follow, args=(poll_interval,), name="projection-runner", daemon=True
        )
        self._thread.start()
        self.app.listeners.append(self.notify)
        if listen and self.app.store.dialect == "postgres":
            self._listener = threading.Thread(
                target=self._listen_for_commits, name="projection-listener", daemon=True
            )
            self._listener.start()

    def _listen_for_commits(self) -> None:
        """Wake the follower when any process appends (PostgreSQL LISTEN on the channel the
        recorder NOTIFYs in its transaction): the poll interval is only the fallback."""
        import psycopg
        from psycopg import sql

        config = self.app.store
        listen = sql.SQL("LISTEN {}").format(sql.Identifier(commit_channel(config.schema)))
        while not self._stop.is_set():
            try:
                with psycopg.connect(config.conninfo, autocommit=True, connect_timeout=5) as conn:
                    conn.execute(listen)
                    self._wake.set()  # anything committed before LISTEN took effect
                    self.listening.set()
                    while not self._stop.is_set():
                        for _ in conn.notifies(timeout=0.5, stop_after=1):
                            self._wake.set()
            except psycopg.Error as e:
                log.warning("projection.listen_failed", error=str(e))
                self._stop.wait(1.0)

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        # A thread that outlives its join keeps its reference, so start() cannot add another.
        if self._thread:
            self._thread.join(timeout=10)
            if not self._thread.is_alive():
                self._thread = None
        if self._listener:
            self._listener.join(timeout=5)
            if not self._listener.is_alive():
                self._listener = None
        if self.notify in self.app.listeners:
            self.app.listeners.remove(self.notify)

    def wait_for(self, position: int, timeout: float) -> bool:
        """Block until every projector has applied `position` (read-your-writes), or time out.

        With the follower running in this process, its progress is known in memory and the
        wait ends the moment it gets there; otherwise (a separate worker) poll the tracking rows.
        """
        deadline = time.monotonic() + timeout
        if position <= self._reached:
            return True
        self._wake.set()
        while True:
            if self.running:
                with self._progress:
                    if self._reached < position:
                        self._progress.wait(max(0.0, min(deadline - time.monotonic(), 0.5)))
                    if self._reached >= position:
                        return True
            elif min(self.positions().values(), default=0) >= position:
                return True
            else:
                time.sleep(0.01)
            if time.monotonic() >= deadline:
                return False


class RebuildFailed(RuntimeError):
    """A rebuild's worker process failed, died or got stuck: nothing was swapped in."""


# A rebuild worker whose position has not moved for this long is taken to be stuck.
STALLED_AFTER = 600.0


# Parts a rebuild builds in, at most: SQLite's swap attaches every part's shadow to one
# connection, which takes ten databases.
MAX_REBUILD_PARTS = 8


def _share_out(projectors: Sequence[Projector], workers: int) -> list[list[Projector]]:
    """Fresh twins of the projectors in up to `workers` parts of about equal rebuild cost:
    the costliest first, each to the part that costs least so far (no part left empty)."""
    parts: list[list[Projector]] = [[] for _ in range(max(1, min(workers, MAX_REBUILD_PARTS)))]
    costs = [0.0] * len(parts)
    for projector in sorted(projectors, key=lambda p: -p.rebuild_cost):
        cheapest = costs.index(min(costs))
        parts[cheapest].append(_fresh(projector))
        costs[cheapest] += projector.rebuild_cost
    return [part for part in parts if part]


def _build_apart(
    builders: Sequence[ProjectionRunner], until: int, on_page: Callable[[int], None] | None
) -> None:
    """Every builder catches up to `until`: the first in this process, the others each in a
    process forked from it (the modules are loaded already; each opens connections of its
    own). A worker that fails or dies fails the rebuild (`RebuildFailed`, with its error),
    and the caller discards the shadows: the live read models are never touched. A worker
    whose parent died stops after its page."""
    # Forked, not spawned: a spawned worker would import the application again (1.5 s of
    # CPU). Only the forking thread is carried over (not a PostgreSQL pool's), and a worker
    # opens connections of its own, never touching those it inherited.
    fork = multiprocessing.get_context("fork")
    reached = fork.Array("q", len(builders), lock=False)  # each part's position, shared
    workers = [  # the first part is built here
        _Worker(fork, builder, until, reached, n) for n, builder in enumerate(builders[1:], start=1)
    ]

    def progress(position: int) -> None:
        reached[0] = position
        for worker in workers:
            worker.check()
        if on_page:
            on_page(min(reached))

    try:
        for worker in workers:
            worker.process.start()
        _load(builders[0], until, progress)
        for worker in workers:
            while worker.process.exitcode is None:
                worker.process.join(0.25)
                progress(reached[0])
        progress(until)
    finally:
        for worker in workers:
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()


def _load(
    builder: ProjectionRunner,
    until: int,
    on_page: Callable[[int], None],
    stop: _ParentGone | None = None,
) -> int:
    """Load a part's shadow up to `until`; on PostgreSQL, then build the indexes the load
    left out (the swap moves its tables as they are; SQLite's swap copies and builds them)."""
    reached = builder.catch_up(until=until, on_page=on_page, stop=stop)  # type: ignore[arg-type]
    if reached >= until and not builder.store.copies_on_swap:
        builder.finish_bulk()
    return reached


class _Worker:
    """A forked process building one part of a rebuild, and what it says when it fails."""

    def __init__(self, fork: Any, builder: ProjectionRunner, until: int, reached: Any, n: int):
        self.errors, errors = fork.Pipe(duplex=False)
        self.process = fork.Process(
            target=_build_in_worker,
            args=(builder, until, reached, n, os.getpid(), errors),
            name=f"ledger-rebuild-{n}",
            daemon=True,
        )
        self.reached, self.n = reached, n
        self._seen, self._moved = -1, time.monotonic()

    def check(self) -> None:
        """Raise `RebuildFailed` if the worker has ended without finishing its part, or has
        not moved for STALLED_AFTER seconds (stuck: the command would otherwise wait for
        ever; a page takes seconds)."""
        code = self.process.exitcode
        if code is None:
            now = time.monotonic()
            if self.reached[self.n] != self._seen:
                self._seen, self._moved = self.reached[self.n], now
            elif now - self._moved > STALLED_AFTER:
                raise RebuildFailed(
                    f"rebuild worker {self.process.name} (pid {self.process.pid}) has not "
                    f"moved past position {self._seen} for {STALLED_AFTER:g} s; stopped, "
                    "nothing was swapped in"
                )
            return
        if code == 0:
            return
        try:
            error = self.errors.recv() if self.errors.poll() else f"exit code {code}"
        except EOFError:  # killed: it said nothing
            error = f"exit code {code}"
        raise RebuildFailed(
            f"rebuild worker {self.process.name} (pid {self.process.pid}) failed: {error}; "
            "nothing was swapped in"
        )


def _build_in_worker(
    builder: ProjectionRunner, until: int, reached: Any, n: int, parent: int, errors: Any
) -> None:
    """A forked worker's part of a rebuild: the same projectors and shadow, on connections
    of its own (never the parent's). Ends non-zero, its error sent, unless it got to `until`."""
    try:
        app = LedgerApplication(builder.app.store, read_side=builder.app.read_side)
        store = builder.store.reopened()
        try:
            worker = ProjectionRunner(
                app, store, builder.projectors, page_size=builder.page_size, bulk=True
            )
            got = _load(
                worker,
                until,
                lambda position: reached.__setitem__(n, position),
                _ParentGone(parent),
            )
        finally:
            store.close()
            app.close()
        if got < until:
            raise RuntimeError(f"stopped at {got} of {until}: the rebuild's process is gone")
    except BaseException as e:
        errors.send(f"{type(e).__name__}: {e}")
        raise


class _ParentGone:
    """A stop signal (`is_set`) for a forked worker: its parent process is gone."""

    def __init__(self, parent: int):
        self.parent = parent

    def is_set(self) -> bool:
        return os.getppid() != self.parent


def _fresh(projector: Projector) -> Projector:
    """A projector configured like this one (a talk policy, say), with nothing cached."""
    twin = copy.deepcopy(projector)
    twin.reset_caches()
    return twin
