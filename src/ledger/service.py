"""The ledger as one object: event store, read models and projection runner, opened together.

The API server, the projection worker and the CLI all start from `Ledger.open`. The ledger
is also the write side's view of the read models (`application.ReadSide`): the application
is given it when it is built.
"""

from __future__ import annotations

import asyncio
import time

import anyio

from ledger.application import CommandResult, LedgerApplication
from ledger.commands import Command
from ledger.domain.base import Stamp
from ledger.domain.errors import Conflict
from ledger.domain.rules.accountability import Link
from ledger.integrity.witness import Witness, witness_for
from ledger.settings import Settings
from ledger.store import check_store, parse_store_url
from projections.chain import resolve_chain
from projections.db import ReadStore
from projections.responsibility import in_charge_items
from projections.runner import ProjectionRunner, default_projectors
from projections.talk_obligations import talk_owed_in


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
        )
        self.witness: Witness | None = None

    @classmethod
    def open(
        cls, settings: Settings | None = None, *, create: bool = True, make_dirs: bool = True
    ) -> Ledger:
        return cls(settings or Settings(), create=create, make_dirs=make_dirs)

    def execute(self, command: Command, stamp: Stamp) -> CommandResult:
        return self.app.execute(command, stamp)

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
        with self.reads.read() as tx:
            return talk_owed_in(tx, obligation_id)

    def wait_for(self, position: int, timeout: float | None = None) -> bool:
        """Read-your-writes: wait (bounded) until every read model has applied `position`."""
        if timeout is None:
            timeout = self.settings.read_your_writes_timeout
        if self.settings.embedded_projector and not self.runner.running:
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
