"""The events this process has just committed, kept in memory for its own projector.

The embedded projector applies, moments after each commit, the very events the commit
wrote: reading them back (the log's page, then its hash-chain rows, in two transactions)
was a fifth of the projector's time on PostgreSQL. The recorder adds here what each of its
transactions wrote, once it has committed: every event as stored (the bytes the store
holds), with its position and its chain row. The projector takes from here a run of
positions that follows on from where it stands with no position missing, and reads
everything else from the store: an event another process committed in between is never
here, so the run stops before it and the projector reads it back.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Sequence

from eventsourcing.persistence import Notification, StoredEvent

# Events kept at most (the oldest are forgotten first: the projector reads them back).
LIMIT = 4096


class Committed:
    def __init__(self, limit: int = LIMIT):
        self.limit = limit
        self._lock = threading.Lock()
        self._positions: list[int] = []  # ascending (commits are serialised by the store)
        self._events: list[tuple[Notification, dict]] = []

    def add(self, events: Sequence[StoredEvent], chain: Sequence[dict]) -> None:
        """One committed transaction's events and their chain rows (same order)."""
        with self._lock:
            for event, row in zip(events, chain, strict=True):
                position = row["position"]
                if self._positions and position <= self._positions[-1]:
                    continue  # cannot happen (commits are ordered); never keep it out of order
                self._positions.append(position)
                self._events.append((_notification(position, event), row))
            if len(self._positions) > self.limit:
                keep = self.limit // 2
                del self._positions[:-keep]
                del self._events[:-keep]

    @property
    def last(self) -> int:
        """The newest position kept (0: none)."""
        positions = self._positions
        return positions[-1] if positions else 0

    def after(
        self, position: int, limit: int, until: int | None = None
    ) -> tuple[list[Notification], dict[int, dict]]:
        """The events kept from `position + 1` on, as long as no position is missing (at
        most `limit`, none past `until`), and their chain rows by position; nothing when
        `position + 1` is not kept."""
        with self._lock:
            i = bisect.bisect_right(self._positions, position)
            expected = position + 1
            notifications: list[Notification] = []
            chain: dict[int, dict] = {}
            for at in range(i, min(len(self._positions), i + limit)):
                found = self._positions[at]
                if found != expected or (until is not None and found > until):
                    break
                notification, row = self._events[at]
                notifications.append(notification)
                chain[found] = row
                expected += 1
        return notifications, chain


def _notification(position: int, event: StoredEvent) -> Notification:
    return Notification(
        id=position,
        originator_id=event.originator_id,
        originator_version=event.originator_version,
        topic=event.topic,
        state=event.state,
    )
