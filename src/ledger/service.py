"""The ledger as one object: event store, read models and projection runner, opened together.

The API server, the projection worker and the CLI all start from `Ledger.open`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.application import LedgerApplication
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
        return cls(
            settings,
            app,
            reads,
            ProjectionRunner(app, reads, page_size=settings.projection_page_size),
        )

    def start_projector(self) -> None:
        self.runner.start(self.settings.poll_interval)

    def wait_for(self, position: int, timeout: float | None = None) -> bool:
        """Read-your-writes: wait (bounded) until every read model has applied `position`."""
        if timeout is None:
            timeout = self.settings.read_your_writes_timeout
        return self.runner.wait_for(position, timeout)

    def close(self) -> None:
        self.runner.stop()
        self.reads.close()
        self.app.close()
