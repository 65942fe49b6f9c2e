"""structlog set-up: JSON lines when not on a terminal, readable lines on one."""

from __future__ import annotations

import logging
import sys
import threading
import time
from typing import Any

import structlog

from ledger.settings import Settings


def configure_logging(settings: Settings | None = None, *, level: int = logging.INFO) -> None:
    """Log lines at `level` and above (a CLI doing many commands at once, like the demo
    loader, shows its progress bar instead of a line per command)."""
    as_json = (
        settings.log_json if settings and settings.log_json is not None else not sys.stderr.isatty()
    )
    renderer = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if as_json
        else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info
            if as_json
            else structlog.processors.StackInfoRenderer(),
            renderer,
        ],
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        wrapper_class=structlog.make_filtering_bound_logger(level),
        cache_logger_on_first_use=True,
    )
    logging.basicConfig(level=level, stream=sys.stderr, format="%(message)s")


class RateLimit:
    """At most `burst` log lines per `window` seconds for each event name; the lines over
    that are counted, and the next line that passes carries how many were dropped
    (`suppressed`). A client that sends malformed requests in a loop cannot flood the log."""

    def __init__(self, burst: int = 10, window: float = 60.0, clock: Any = time.monotonic):
        self.burst, self.window, self.clock = burst, window, clock
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[float, int, int]] = {}  # event -> (start, sent, dropped)

    def allow(self, event: str) -> int | None:
        """None: drop this line; else log it, with this many dropped before it."""
        now = self.clock()
        with self._lock:
            start, sent, dropped = self._windows.get(event, (now, 0, 0))
            if now - start >= self.window:
                start, sent = now, 0
            if sent >= self.burst:
                self._windows[event] = (start, sent, dropped + 1)
                return None
            self._windows[event] = (start, sent + 1, 0)
            return dropped


ERRORS = RateLimit()


def limited(logger: Any, level: str, event: str, **fields: Any) -> None:
    """Log through the process-wide rate limit (see `RateLimit`)."""
    dropped = ERRORS.allow(event)
    if dropped is None:
        return
    if dropped:
        fields["suppressed"] = dropped
    getattr(logger, level)(event, **fields)
