"""Group commit: the saves of commands decided at the same time, written in one transaction.

Most of what a save costs is paid once per transaction, not per event: a connection, BEGIN,
the table lock, the hash chain's head, the commit and the sync of the log (a single-event
save cost ~1,100 µs of CPU on SQLite and ~2,400 on PostgreSQL, against ~210 and ~450 per
event in transactions of sixteen). So a command whose save arrives while another group is
being written queues its events; when that write ends, the first command waiting leads the
next group: everything queued meanwhile, written together, each command's events kept
together and in queue order (one ordered hash chain). A command that arrives when nothing
is being written writes at once, alone, as it always did: grouping adds no wait.

Every guarantee of a single save holds for each command of a group. The store checks each
command's (entity, version) keys under the write lock, against the store and against the
commands ahead of it in the group; a command whose keys are taken lost an optimistic-
concurrency race and is refused alone (`IntegrityError`: it decides again on what changed),
and the others are written. If a group's write fails for any other reason, each of its
commands is written alone, so a fault fails only the commands it would have failed anyway.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from eventsourcing.persistence import IntegrityError, StoredEvent

from ledger import faults

WAITING, LEADING, DONE = 0, 1, 2


class _Save:
    """One command's events, waiting to be written; then their positions or the error."""

    __slots__ = ("error", "events", "positions", "ready", "state")

    def __init__(self, events: Sequence[StoredEvent]):
        self.events = events
        self.state = WAITING
        # Released once, when the save is written or its command is to lead (a bare lock
        # costs less to hand over than an Event).
        self.ready = threading.Lock()
        self.ready.acquire()
        self.positions: Sequence[int] | None = None
        self.error: BaseException | None = None


class GroupCommit:
    """Writes concurrent saves together (`insert_group`), a lone save alone (`insert`)."""

    def __init__(
        self,
        insert: Callable[[Sequence[StoredEvent]], Sequence[int] | None],
        insert_group: Callable[[Sequence[Sequence[StoredEvent]]], list[list[int] | None]],
        *,
        limit: int = 64,
    ):
        self._insert = insert
        self._insert_group = insert_group
        self.limit = limit  # saves in one group at most
        self._lock = threading.Lock()
        self._queue: list[_Save] = []
        self._writing = False
        # What grouping did, for the benchmark's notes: transactions, saves written.
        self.transactions = 0
        self.saves = 0

    def insert(self, events: Sequence[StoredEvent]) -> Sequence[int]:
        """Write one command's events (alone or with others'); their positions, in order.
        `IntegrityError` when another writer took one of their versions first."""
        mine = _Save(events)
        with self._lock:
            self._queue.append(mine)
            if not self._writing:
                self._writing = True
                mine.state = LEADING
        if mine.state != LEADING:
            mine.ready.acquire()
        if mine.state == LEADING:
            self._lead()
        if mine.error is not None:
            raise mine.error
        assert mine.positions is not None
        return mine.positions

    def _lead(self) -> None:
        """Write what is queued (this leader's own save first among them), then hand the
        lead to the first save queued meanwhile, or stop writing."""
        with self._lock:
            group = self._queue[: self.limit]
            del self._queue[: self.limit]
        try:
            self._write(group)
        finally:
            for save in group:
                if save.positions is None and save.error is None:  # interrupted
                    save.error = IntegrityError("the group's write was interrupted")
                waiting = save.state == WAITING  # (not this leader's own save)
                save.state = DONE
                if waiting:
                    save.ready.release()
            with self._lock:
                if self._queue:
                    following = self._queue[0]
                    following.state = LEADING
                    following.ready.release()
                else:
                    self._writing = False

    def _write(self, group: list[_Save]) -> None:
        self.transactions += 1
        self.saves += len(group)
        if len(group) == 1:
            self._alone(group[0])
            return
        try:
            written = self._insert_group([save.events for save in group])
        except Exception as e:
            if faults.store_busy(e):
                # The store stayed locked for its whole timeout: each command alone would
                # wait that long again, one after another. Every command of the group fails.
                for save in group:
                    save.error = e
                return
            # Not a version conflict (those are found per command): write each alone, so
            # that whatever failed fails only the commands it would have failed anyway.
            self.transactions += len(group)
            for save in group:
                self._alone(save)
            return
        for save, positions in zip(group, written, strict=True):
            if positions is None:
                save.error = IntegrityError("another writer saved a version of it first")
            else:
                save.positions = positions

    def _alone(self, save: _Save) -> None:
        try:
            save.positions = list(self._insert(save.events) or [])
        except Exception as e:
            save.error = e
