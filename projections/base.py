"""What a projector is: tables it owns, and how one event changes them."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
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

    # The aggregate id as the read models store it (computed once, not per projector).
    aggregate_hex: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if not self.aggregate_hex:
            object.__setattr__(self, "aggregate_hex", self.aggregate_id.hex)


class Memo(dict):
    """What a projector keeps in memory of its own rows (they stay the truth): bounded, and
    forgotten whole when it outgrows `limit` (what is forgotten is read back when needed)."""

    def __init__(self, limit: int = 200_000):
        super().__init__()
        self.limit = limit

    def remember(self, key: Any, value: Any) -> None:
        if len(self) >= self.limit and key not in self:
            self.clear()
        self[key] = value

    def fetch(self, key: Any, load: Callable[[], Any]) -> Any:
        """The value kept for `key`, else `load()`'s (read from the rows), then kept."""
        value = self.get(key)
        if value is None:
            value = load()
            self.remember(key, value)
        return value


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

    # What rebuilding this projector costs, relative to the others (CPU time measured by
    # bench/rebuild.py, decoding the events it handles included): a rebuild in parts shares
    # the projectors out by it. While applying, a projector reads only its own tables, so
    # projectors can be rebuilt apart.
    rebuild_cost: ClassVar[float] = 1.0
    # Bump when apply() changes meaning without a table change; either change rebuilds.
    revision: int = 1
    # Indexes (by name) that applying events never reads through: a rebuild, which loads
    # every row into empty tables, builds them once after the load instead of row by row.
    deferred: frozenset[str] = frozenset()

    @property
    def version(self) -> str:
        """A fingerprint of the tables and revision: when it changes, the runner rebuilds."""
        shape = repr((self.revision, self.tables)).encode()
        return hashlib.sha256(shape).hexdigest()[:16]

    def create(self, tx: Tx, *, defer: bool = False) -> None:
        """Create the tables and their indexes (with `defer`, those in `deferred` later)."""
        for _name, ddl, indexes in self.tables:
            tx.execute(ddl)
            for index in indexes:
                if not (defer and index_name(index) in self.deferred):
                    tx.execute(index)

    def deferred_indexes(self) -> list[str]:
        """The CREATE INDEX statements `create(defer=True)` leaves out."""
        return [
            index
            for _name, _ddl, indexes in self.tables
            for index in indexes
            if index_name(index) in self.deferred
        ]

    def drop(self, tx: Tx) -> None:
        for name, _ddl, _indexes in self.tables:
            tx.execute(f"DROP TABLE IF EXISTS {name}")

    def apply(self, tx: Tx, envelope: Envelope) -> None:
        name = self.handlers.get(type(envelope.event))
        if name is not None:
            getattr(self, name)(tx, envelope)

    def reset_caches(self) -> None:
        """Forget in-memory caches (after a rebuild or a lost race with another runner)."""


_INDEX_NAME = re.compile(r"CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)", re.I)


def index_name(ddl: str) -> str:
    found = _INDEX_NAME.match(ddl)
    assert found, ddl
    return found.group(1)
