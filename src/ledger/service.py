"""The ledger as one object: event store, read models and projection runner, opened together.

The API server, the projection worker and the CLI all start from `Ledger.open`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.application import LedgerApplication
from ledger.domain.errors import Conflict
from ledger.settings import Settings
from ledger.store import parse_store_url
from projections.db import ReadStore
from projections.runner import ProjectionRunner


@dataclass
class Ledger:
    settings: Settings
    app: LedgerApplication
    reads: ReadStore
    runner: ProjectionRunner

    @classmethod
    def open(cls, settings: Settings | None = None) -> Ledger:
        settings = settings or Settings()
        config = parse_store_url(settings.store)
        app = LedgerApplication(config)
        reads = ReadStore(config)
        ledger = cls(
            settings,
            app,
            reads,
            ProjectionRunner(app, reads, page_size=settings.projection_page_size),
        )
        app.chain_members = ledger.chain_members
        return ledger

    def chain_members(self, case_id: str) -> set[str]:
        """Everyone in a case's chain as recorded now (after catching up with the log)."""
        from projections.chain import resolve_chain

        if not self.wait_for(self.app.head()):
            raise Conflict("the read models are still catching up with the log; retry shortly")
        with self.reads.read() as tx:
            chain = resolve_chain(tx, case_id, None)
        return chain.people if chain else set()

    def start_projector(self) -> None:
        self.runner.start(self.settings.poll_interval, listen=self.settings.listen_for_commits)

    def wait_for(self, position: int, timeout: float | None = None) -> bool:
        """Read-your-writes: wait (bounded) until every read model has applied `position`."""
        if timeout is None:
            timeout = self.settings.read_your_writes_timeout
        if self.settings.embedded_projector and not self.runner.running:
            self.runner.catch_up()  # no follower thread here (CLI, tests): project inline
        return self.runner.wait_for(position, timeout)

    def close(self) -> None:
        self.runner.stop()
        self.reads.close()
        self.app.close()
