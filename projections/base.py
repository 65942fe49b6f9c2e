"""What a projector is: tables it owns, and how one event changes them."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar
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


def on(*events: type) -> Callable[[Callable], Callable]:
    """Mark a projector method as the one that applies these event classes."""

    def mark(method: Callable) -> Callable:
        method.__applies__ = events  # type: ignore[attr-defined]
        return method

    return mark


class Projector:
    """Subclasses set `name` and `tables`, and mark one method per event class with `@on`
    (run inside the runner's transaction); a projector of every event overrides `apply`."""

    name: str = ""
    # (table name, CREATE TABLE statement, [CREATE INDEX statements])
    tables: tuple[tuple[str, str, tuple[str, ...]], ...] = ()
    # event class -> name of the method that applies it (collected from the `@on` marks)
    handlers: ClassVar[dict[type, str]] = {}
    every_event: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.handlers = {
            event: name
            for klass in reversed(cls.__mro__)
            for name, method in vars(klass).items()
            for event in getattr(method, "__applies__", ())
        }

    def wants(self, envelope: Envelope) -> bool:
        """Does this projector read this event? Lets the runner skip the others."""
        return self.every_event or type(envelope.event) in self.handlers

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
        name = self.handlers.get(type(envelope.event))
        if name is not None:
            getattr(self, name)(tx, envelope)

    def reset_caches(self) -> None:
        """Forget in-memory caches (after a rebuild or a lost race with another runner)."""
