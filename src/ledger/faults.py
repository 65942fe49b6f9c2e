"""Faults of the store, named: a full disk, a lost or refused database connection, a busy
file. `unavailable(exc)` turns such an exception (or one wrapping it: eventsourcing and the
pool wrap the driver's) into an `Unavailable` refusal whose message says what happened, so
that clients get `UNAVAILABLE` with a cause instead of `INTERNAL`, and the CLI prints one
line instead of a traceback.

The process also remembers its last storage failure until a command succeeds again, or for
STORAGE_HOLD seconds (`storage_problem`): `/readyz` reports it, so a full disk shows.
"""

from __future__ import annotations

import errno
import sqlite3
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from ledger.domain.errors import Unavailable

R = TypeVar("R")

# SQLite result codes (primary): SQLITE_BUSY 5, SQLITE_LOCKED 6, SQLITE_IOERR 10,
# SQLITE_CORRUPT 11, SQLITE_FULL 13, SQLITE_CANTOPEN 14.
_SQLITE_FULL, _SQLITE_IOERR, _SQLITE_CANTOPEN = 13, 10, 14
_SQLITE_BUSY = (5, 6)

STORAGE_FULL = "storage full"
BUSY = "the store is busy"


def _chain(exc: BaseException):
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]


def _text(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300]


def unavailable(exc: BaseException) -> Unavailable | None:
    """The `Unavailable` this exception amounts to, or None when it is not a store fault."""
    if isinstance(exc, Unavailable):
        return exc
    for e in _chain(exc):
        if isinstance(e, Unavailable):
            return e
        found = _classify(e)
        if found is not None:
            return found
    return None


def _full(text: str) -> Unavailable:
    return Unavailable(
        f"{STORAGE_FULL}: the store could not write ({text}), so the write was not "
        "stored: free space on the store's disk and retry"
    )


def _classify(e: BaseException) -> Unavailable | None:  # noqa: PLR0911
    text = _text(e)
    lower = text.lower()
    if isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EDQUOT):
        return _full(text)
    if isinstance(e, sqlite3.Error):
        code = getattr(e, "sqlite_errorcode", None)
        primary = code & 0xFF if isinstance(code, int) else None
        if primary == _SQLITE_FULL or "database or disk is full" in lower:
            return _full(text)
        if primary == _SQLITE_IOERR or "disk i/o error" in lower:
            return Unavailable(f"the store's disk failed a write or read ({text}); retry later")
        if primary in _SQLITE_BUSY or "database is locked" in lower:
            return Unavailable(f"{BUSY} ({text}); retry shortly")
        if primary == _SQLITE_CANTOPEN or "unable to open database" in lower:
            return Unavailable(f"the SQLite store cannot be opened ({text})")
        return None
    module = type(e).__module__ or ""
    if module.startswith("psycopg"):
        sqlstate = getattr(e, "sqlstate", None) or ""
        if sqlstate == "53100" or "no space left on device" in lower:
            return _full(text)
        if sqlstate.startswith(("08", "57P")) or type(e).__name__ in (
            "OperationalError",
            "InterfaceError",
            "PoolTimeout",
            "PoolClosed",
            "TooManyRequests",
        ):
            return Unavailable(f"the database connection failed ({text}); retry shortly")
        return None
    if module.startswith("eventsourcing") and type(e).__name__ in (
        "OperationalError",
        "InterfaceError",
        "ConnectionUnavailableError",
    ):
        if "database or disk is full" in lower or "no space left" in lower:
            return _full(text)
        if "database is locked" in lower:
            return Unavailable(f"{BUSY} ({text}); retry shortly")
        return Unavailable(f"the store does not answer ({text}); retry shortly")
    return None


def is_storage_full(exc: BaseException) -> bool:
    found = unavailable(exc)
    return found is not None and found.message.startswith(STORAGE_FULL)


def store_busy(exc: BaseException) -> bool:
    """Did the store's write lock stay taken past its timeout (SQLite: "database is
    locked")?"""
    for e in _chain(exc):  # the driver's error may be the cause of the library's
        found = _classify(e)
        if found is not None and found.message.startswith(BUSY):
            return True
    return False


def connection_lost(exc: BaseException) -> bool:
    """A PostgreSQL connection that broke (killed backend, network): worth one retry on a
    fresh connection when the operation's outcome is known (a read, a refused command)."""
    for e in _chain(exc):
        module = type(e).__module__ or ""
        if module.startswith("psycopg") and not module.startswith("psycopg_pool"):
            sqlstate = getattr(e, "sqlstate", None) or ""
            if sqlstate.startswith(("08", "57P")):
                return True
            if type(e).__name__ in ("OperationalError", "InterfaceError") and not sqlstate:
                return True
        if module.startswith("eventsourcing") and type(e).__name__ in (
            "OperationalError",
            "InterfaceError",
        ):
            lower = str(e).lower()
            if any(
                s in lower
                for s in (
                    "terminat",
                    "server closed the connection",
                    "connection is closed",
                    "consuming input failed",
                    "the connection is lost",
                    "ssl syscall",
                )
            ):
                return True
    return False


def read_retried(fn: Callable[[], R]) -> R:
    """Run a read; once more if its connection broke (the pool hands out another). Only for
    reads: a write whose connection broke may or may not have committed."""
    try:
        return fn()
    except Exception as e:
        if not connection_lost(e):
            raise
    return fn()


# ---------------------------------------------------------------------- the process's memory

# How long a storage failure keeps /readyz at 503 when no command succeeds meanwhile: long
# enough to show, short enough that traffic a balancer held back comes back to try again.
STORAGE_HOLD = 30.0

_lock = threading.Lock()
_storage: tuple[float, str] | None = None


def note_failure(exc: BaseException) -> None:
    """Remember a storage failure (a full disk)."""
    global _storage
    found = unavailable(exc)
    if found is not None and found.message.startswith(STORAGE_FULL):
        with _lock:
            _storage = (time.time(), found.message)


def note_write() -> None:
    """A command's events were stored: whatever filled the disk has been dealt with. (Only
    commands count: a heartbeat or a small page may still fit where an append does not.)"""
    global _storage
    if _storage is not None:
        with _lock:
            _storage = None


def storage_problem() -> str | None:
    """The last storage failure of this process, for STORAGE_HOLD seconds or until a
    command succeeds."""
    current = _storage
    if current is None or time.time() - current[0] > STORAGE_HOLD:
        return None
    since, message = current
    return f"{message} (last at {time.strftime('%H:%M:%S', time.localtime(since))})"
