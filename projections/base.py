"""What a projector is: tables it owns, and how one event changes them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from projections.db import Tx


@dataclass(frozen=True)
class Envelope:
    """One event from the notification log, decoded once and handed to every projector."""

    position: int
    aggregate_id: UUID
    version: int
    type: str
    recorded_at: datetime
    actor: str
    idempotency_key: str | None
    event: Any
    hash: str = ""  # the chain hash written with the event (see ledger.integrity)


class Projector:
    """Subclasses set `name` and `tables`, and implement `apply` (inside the runner's transaction)."""

    name: str = ""
    # (table name, CREATE TABLE statement, [CREATE INDEX statements])
    tables: tuple[tuple[str, str, tuple[str, ...]], ...] = ()
    # Event types this projector reads; None = all. Lets the runner skip irrelevant events.
    types: frozenset[str] | None = None

    # Bump when apply() changes meaning without a table change; either change rebuilds.
    revision: int = 1

    @property
    def version(self) -> str:
        """A fingerprint of the tables and revision: when it changes, the runner rebuilds."""
        shape = repr((self.revision, self.tables)).encode()
        return hashlib.sha256(shape).hexdigest()[:16]

    def create(self, tx: Tx) -> None:
        for _name, ddl, indexes in self.tables:
            tx.execute(ddl)
            for index in indexes:
                tx.execute(index)

    def drop(self, tx: Tx) -> None:
        for name, _ddl, _indexes in self.tables:
            tx.execute(f"DROP TABLE IF EXISTS {name}")

    def apply(self, tx: Tx, envelope: Envelope) -> None:
        raise NotImplementedError

    def reset_caches(self) -> None:
        """Forget in-memory caches (after a rebuild or a lost race with another runner)."""
