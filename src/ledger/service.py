"""The ledger as one object: event store, read models and projection runner, opened together.

The API server, the projection worker and the CLI all start from `Ledger.open`. The ledger
is also the write side's view of the read models (`application.ReadSide`): the application
is given it when it is built.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import threading
import time

import anyio

from ledger.application import CommandResult, LedgerApplication
from ledger.commands import Command
from ledger.domain.base import Stamp
from ledger.domain.errors import Conflict
from ledger.domain.rules.accountability import Link
from ledger.integrity.witness import Witness, witness_for
from ledger.settings import Settings, rebuild_parts
from ledger.store import check_store, parse_store_url
from projections.chain import resolve_chain
from projections.db import ReadStore
from projections.responsibility import in_charge_items
from projections.runner import ProjectionRunner, default_projectors
from projections.talk_obligations import talk_owed_in

WAITING, WATCHING, DONE, GONE = range(4)


class _Waiter:
    __slots__ = ("deadline", "position", "ready", "state")

    def __init__(self, position: int, deadline: float):
        self.position, self.deadline, self.state = position, deadline, WAITING
        self.ready = threading.Lock()  # released once: applied, or this waiter is to watch
        self.ready.acquire()


class WaitingRoom:
    """Commands waiting for the read models to apply their writes (read-your-writes).

    The follower wakes every thread waiting on it at each page it applies; with many
    commands waiting, most wake only to find their position not yet applied, and each of
    those wake-ups costs CPU (the lock, the GIL, a new wait). Here one waiting command at a
    time, the watcher, waits on the follower; the others sleep on a lock of their own until
    the watcher sees their position applied (or their time runs out), so a page wakes one
    thread and each command is woken once. A watcher whose position is applied hands the
    watch to the lowest position still waiting.
    """

    def __init__(self, runner: ProjectionRunner):
        self.runner = runner
        self._lock = threading.Lock()
        self._heap: list[tuple[int, int, _Waiter]] = []
        self._order = itertools.count()
        self._watched = False

    def wait_for(self, position: int, timeout: float) -> bool:
        if position <= self.runner.reached:
            return True
        me = _Waiter(position, time.monotonic() + timeout)
        with self._lock:
            heapq.heappush(self._heap, (position, next(self._order), me))
            if not self._watched:
                self._watched = True
                me.state = WATCHING
        while me.state != WATCHING:
            if not me.ready.acquire(timeout=max(0.0, me.deadline - time.monotonic())):
                with self._lock:
                    if me.state == WAITING:  # nobody released it meanwhile: give up waiting
                        me.state = GONE
                        return self.runner.reached >= position
                me.ready.acquire()  # released just now: take the release
            if me.state == DONE:
                return True
        return self._watch(me)

    def _watch(self, me: _Waiter) -> bool:
        while True:
            with self._lock:
                live = (p for p, _, w in self._heap if w.state in (WAITING, WATCHING))
                lowest = min(live, default=me.position)
            left = me.deadline - time.monotonic()
            if left > 0:
                self.runner.wait_for(lowest, left)
            reached = self.runner.reached
            with self._lock:
                heap = self._heap
                while heap and (heap[0][0] <= reached or heap[0][2].state == GONE):
                    _, _, waiter = heapq.heappop(heap)
                    if waiter.state == WAITING:
                        waiter.state = DONE
                        waiter.ready.release()
                done = me.position <= reached
                if done or time.monotonic() >= me.deadline:
                    me.state = DONE if done else GONE
                    self._hand_over()
                    return done

    def _hand_over(self) -> None:
        """The watch passes to the lowest position still waiting (called under the lock)."""
        waiting = [entry for entry in self._heap if entry[2].state == WAITING]
        if not waiting:
            self._watched = False
            return
        _, _, waiter = min(waiting)
        waiter.state = WATCHING
        waiter.ready.release()


class Ledger:
    def __init__(self, settings: Settings, *, create: bool = True, make_dirs: bool = True):
        """Open the store of `settings`. Without `create`, a store that holds no ledger is
        refused (`Unavailable`); `make_dirs` creates a SQLite file's missing directory (the
        CLI never does: a mistyped path must not become a new ledger). `self.created` says
        whether this opening made a new ledger."""
        self.settings = settings
        config = parse_store_url(settings.store)
        if make_dirs and config.sqlite_path is not None:
            config.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        self.created = not check_store(config, create=create)
        self.reads = ReadStore(config)
        self.app = LedgerApplication(config, read_side=self)
        self.app.talk_policy = settings.talk_policy()
        self.runner = ProjectionRunner(
            self.app,
            self.reads,
            default_projectors(self.app.talk_policy),
            page_size=settings.projection_page_size,
            heartbeat_interval=settings.heartbeat_interval,
            rebuild_page_size=settings.rebuild_page_size,
            rebuild_workers=rebuild_parts(settings, config.dialect),
        )
        self.witness: Witness | None = None
        self.waiting = WaitingRoom(self.runner)

    @classmethod
    def open(
        cls, settings: Settings | None = None, *, create: bool = True, make_dirs: bool = True
    ) -> Ledger:
        return cls(settings or Settings(), create=create, make_dirs=make_dirs)

    def execute(
        self, command: Command, stamp: Stamp, noted: list[dict] | None = None
    ) -> CommandResult:
        return self.app.execute(command, stamp, noted=noted)

    # ------------------------------------------------------------------ the read side, for the write side

    def _caught_up(self) -> None:
        if not self.wait_for(self.app.head()):
            raise Conflict("the read models are still catching up with the log; retry shortly")

    def chain_links(self, case_id: str) -> list[Link]:
        """A case's chain as recorded now (after catching up with the log)."""
        self._caught_up()
        chain = self.reads.run(lambda tx: resolve_chain(tx, case_id, None))
        return chain.links if chain else []

    def in_charge_items(self, person_id: str) -> list[str]:
        """The IN_CHARGE items whose current holder is this person, as recorded now."""
        self._caught_up()
        return self.reads.run(lambda tx: in_charge_items(tx, person_id))

    def talk_owed_in(self, obligation_id: str) -> str | None:
        """The unit in which this 六必谈 obligation is owed, as recorded now (None: it is not)."""
        self._caught_up()
        return self.reads.run(lambda tx: talk_owed_in(tx, obligation_id))

    def wait_for(self, position: int, timeout: float | None = None) -> bool:
        """Read-your-writes: wait (bounded) until every read model has applied `position`."""
        if timeout is None:
            timeout = self.settings.read_your_writes_timeout
        if self.runner.running:  # this process's follower: its progress is known in memory
            return self.waiting.wait_for(position, timeout)
        if self.settings.embedded_projector:
            self.runner.catch_up()  # no follower thread here (CLI, tests): project inline
        return self.runner.wait_for(position, timeout)

    async def wait_for_async(self, position: int, timeout: float | None = None) -> bool:
        """`wait_for` without holding a worker thread: the event loop sleeps between looks at
        the follower's progress (or, with the projector in another process, at the tracking
        rows, read on a thread for a moment each time)."""
        if timeout is None:
            timeout = self.settings.read_your_writes_timeout
        runner = self.runner
        if position <= runner.reached:
            return True
        if self.settings.embedded_projector and not runner.running:
            # No follower (CLI, tests): the wait projects inline, which takes the thread anyway.
            return await anyio.to_thread.run_sync(self.wait_for, position, timeout)
        deadline = time.monotonic() + timeout
        runner.notify()
        delay = 0.001
        while True:
            if runner.running:
                reached = runner.reached
            else:
                positions = await anyio.to_thread.run_sync(runner.positions)
                reached = min(positions.values(), default=0)
            if reached >= position:
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            await asyncio.sleep(min(delay, left))
            delay = min(delay * 2, 0.02)

    # ------------------------------------------------------------------ lifecycle

    def start_projector(self) -> None:
        """Follow the log (and, with LEDGER_DIGEST_DIR, witness it: the process that follows
        the log also signs its digests)."""
        if self.witness is None:
            self.witness = witness_for(self.settings, self.app.recorder)
        self.runner.start(self.settings.poll_interval, listen=self.settings.listen_for_commits)
        if self.witness is not None:
            self.witness.start()

    def close(self) -> None:
        if self.witness is not None:
            self.witness.stop()
        self.runner.stop()
        self.reads.close()
        self.app.close()
