"""Live events for subscriptions: one poller per API process, fanned out to every subscriber.

The event index (`rm_events`) is the feed: the projector writes it in position order, one
transaction per page, so what a reader sees of it is always a prefix of the log. A single
task per process (per event loop) asks it for rows after the last position it has seen,
every `LEDGER_POLL_INTERVAL` seconds while anyone is subscribed, and hands each new page to
every subscriber's queue. The database therefore sees one small indexed query per poll
interval per API process, however many dashboards are connected; writes made through any
API process reach subscribers on every other one, because all of them read the same index.

Every subscriber keeps its own cursor (the last position it delivered) and drops rows at
or below it, so an event is delivered once and in position order. A subscriber that falls
more than `MAX_QUEUED_PAGES` pages behind (a slow client) leaves the fan-out and reads the
index itself from its cursor until it is level with the feed again; it loses nothing, and
it never holds up the others.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import anyio
import structlog

from projections import event_index

if TYPE_CHECKING:
    from ledger.service import Ledger
    from projections.event_index import EventRow

log = structlog.get_logger("ledger.feed")
PAGE = 500
MAX_QUEUED_PAGES = 100

_feeds: dict[tuple[int, int], EventFeed] = {}


def feed_for(ledger: Ledger) -> EventFeed:
    """The feed of this ledger on the running event loop (created on first use)."""
    loop = asyncio.get_running_loop()
    key = (id(ledger), id(loop))
    feed = _feeds.get(key)
    if feed is None:
        feed = _feeds[key] = EventFeed(ledger, key)
    return feed


class EventFeed:
    def __init__(self, ledger: Ledger, key: tuple[int, int]):
        self.ledger = ledger
        self.key = key
        self.last = 0
        self.subscribers: set[Subscriber] = set()
        self.polls = 0  # index reads made by the shared poller (tests and metrics look)
        self._task: asyncio.Task | None = None
        self._lock = asyncio.Lock()

    # ------------------------------------------------------------------ reads (worker thread)

    def _head(self) -> int:
        return (
            self.ledger.reads.run(lambda tx: tx.scalar("SELECT MAX(position) FROM rm_events")) or 0
        )

    def page(self, after: int) -> list[EventRow]:
        return self.ledger.reads.run(lambda tx: event_index.events_page(tx, after, PAGE))

    # ------------------------------------------------------------------ subscribers

    async def subscribe(self) -> Subscriber:
        """A new subscriber, starting after the newest event the feed knows of."""
        from ledger import metrics

        async with self._lock:
            if self._task is None or self._task.done():
                self.last = await anyio.to_thread.run_sync(self._head)
                self._task = asyncio.get_running_loop().create_task(self._run())
            subscriber = Subscriber(self, self.last)
            self.subscribers.add(subscriber)
        metrics.SUBSCRIPTIONS.inc()
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        from ledger import metrics

        if subscriber in self.subscribers:
            self.subscribers.discard(subscriber)
            metrics.SUBSCRIPTIONS.dec()

    # ------------------------------------------------------------------ the poller

    async def _run(self) -> None:
        interval = self.ledger.settings.poll_interval
        try:
            while self.subscribers:
                try:
                    rows = await anyio.to_thread.run_sync(self.page, self.last)
                except Exception:
                    log.exception("feed.poll_failed")
                    await asyncio.sleep(min(1.0, interval * 20))
                    continue
                self.polls += 1
                if rows:
                    # No await from here to the last push: a subscriber joining meanwhile
                    # starts either before this page (and gets it) or after it.
                    self.last = rows[-1].position
                    for subscriber in list(self.subscribers):
                        subscriber.push(rows)
                if len(rows) < PAGE:
                    await asyncio.sleep(interval)
        finally:
            if not self.subscribers and _feeds.get(self.key) is self:
                del _feeds[self.key]


class Subscriber:
    def __init__(self, feed: EventFeed, after: int):
        self.feed = feed
        self.after = after
        self.lagging = False
        self.queue: asyncio.Queue[list[EventRow] | None] = asyncio.Queue()

    def push(self, rows: list[EventRow]) -> None:
        if self.lagging:
            return
        if self.queue.qsize() >= MAX_QUEUED_PAGES:
            self.lagging = True
            self.queue.put_nowait(None)  # marks where the fan-out stopped for this one
            return
        self.queue.put_nowait(rows)

    async def rows(self) -> AsyncIterator[EventRow]:
        """Every event after the starting position, once, in position order, forever."""
        try:
            while True:
                page = await self.queue.get()
                if page is None:
                    async for row in self._catch_up():
                        yield row
                    continue
                for row in page:
                    if row.position > self.after:
                        self.after = row.position
                        yield row
        finally:
            self.feed.unsubscribe(self)

    async def _catch_up(self) -> AsyncIterator[EventRow]:
        """Read the index directly from our cursor until level with the shared feed."""
        while True:
            rows = await anyio.to_thread.run_sync(self.feed.page, self.after)
            reached = rows[-1].position if rows else self.after
            # Rejoin before yielding (no await in between): the feed's later pages all lie
            # past `reached`, and these rows go out before anything queued after them.
            level = len(rows) < PAGE and reached >= self.feed.last
            if level:
                self.lagging = False
            for row in rows:
                if row.position > self.after:
                    self.after = row.position
                    yield row
            if level:
                return
