"""Per-request context: the caller, the ledger, and a small batch cache against N+1.

Resolvers run synchronously on a worker thread (see `view.py`). A list resolver hands
every object it returns the ids of its peers; the first peer to need a related field
loads it for all of them in one statement (`batch`), so the number of SQL statements
grows with the depth of the query, not with the length of its lists.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ledger import permissions
from ledger.application import CommandResult
from ledger.auth import Caller
from ledger.commands import Command
from ledger.domain.errors import BadInput, LedgerError
from ledger.permissions import outside_scope
from ledger.service import Ledger
from projections.db import Tx
from projections.event_index import position_known_at
from projections.organisation import subtree_units

LOCAL_ZONE = ZoneInfo("Asia/Shanghai")
MIN_INSTANT = datetime(1949, 10, 1, tzinfo=UTC)
MAX_INSTANT = datetime(2100, 12, 31, tzinfo=UTC)
CLOCK_SKEW = timedelta(seconds=5)  # tolerated between a client's "now" and ours


class RequestStopped(BaseException):
    """Work for a request stops: its deadline passed or its client hung up.

    A BaseException, so that no resolver's or graphql-core's `except Exception` turns it
    into a located field error and execution goes on with the next field: it unwinds the
    whole execution, and the view answers (or, for a client gone, does not)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def today() -> date:
    """Valid time defaults to today in China, where the ledger's dates are kept."""
    return datetime.now(LOCAL_ZONE).date()


class Context:
    def __init__(
        self,
        ledger: Ledger,
        caller: Caller | None,
        auth_error: LedgerError | None,
        min_position: int | None = None,
    ):
        self.ledger = ledger
        self._caller = caller
        self.auth_error = auth_error
        self.min_position = min_position
        self.connection_params: dict | None = None  # graphql-transport-ws connection_init
        self._cache: dict[tuple, dict[Any, Any]] = {}
        self._positions: dict[datetime, int] = {}
        self.statements = 0  # read transactions opened; tests count them
        self._scope: frozenset[str] | None = None  # units in the token's subtrees, when scoped
        self.accessed: set[str] = set()  # cases whose personal data this answer carries
        # Stopping work: a monotonic deadline (HTTP requests), a reason once stopped
        # ("deadline" or "disconnect", set from the event loop), and a count of the objects
        # execution has started to complete, which the tests read to see work stop.
        self.deadline: float | None = None
        self.stop_reason: str | None = None
        self.work = 0
        # The highest position a mutation of this request wrote that the read models had
        # not applied when its wait ran out (the answer says so: readYourWrites TIMED_OUT).
        self.unprojected: int | None = None
        # The log lines of the commands this request ran, for the request's own line (an
        # HTTP request's; None: each command logs its own).
        self.commands: list[dict] | None = None
        self._snapshot: Any = None  # the shared read transaction's manager, inside snapshot()
        self._snapshot_tx: Tx | None = None

    @property
    def caller(self) -> Caller:
        if self._caller is None:
            raise self.auth_error or LedgerError("unauthenticated")
        return self._caller

    # ------------------------------------------------------------------ who may see what

    @property
    def scoped(self) -> bool:
        return self.caller.units is not None

    def scope(self) -> frozenset[str]:
        """Every unit in the subtrees of the token's units (read once per request)."""
        units = self.caller.units
        if units is None:
            raise LookupError("an unscoped token has no unit scope")
        if self._scope is None:
            self._scope = frozenset(self.read(lambda tx: subtree_units(tx, list(units))))
        return self._scope

    def in_scope(self, unit_id: str | None) -> bool:
        """May this caller see what belongs to this unit? Always, without units in the token."""
        return not self.scoped or (unit_id is not None and unit_id in self.scope())

    def any_in_scope(self, unit_ids) -> bool:
        return not self.scoped or any(u in self.scope() for u in unit_ids)

    def check_scope(self, unit_id: str | None, what: str) -> None:
        """A single object outside the token's units: refused exactly as one that does not
        exist would be for this token (no existence oracle)."""
        if not self.in_scope(unit_id):
            raise outside_scope(what)

    def scope_sql(self, column: str) -> tuple[str, tuple]:
        """A condition keeping rows whose `column` names a unit in scope ("" when unscoped)."""
        if not self.scoped:
            return "", ()
        units = list(self.caller.units or ())
        if not units:
            return " AND 1 = 0", ()
        marks = ", ".join("?" * len(units))
        return (
            f" AND {column} IN (SELECT unit_id FROM rm_unit_tree WHERE ancestor_id IN ({marks}))",
            tuple(units),
        )

    def cost_budget(self) -> int:
        """The most one document may cost this caller (`ledger.api.cost`), by role."""
        budgets = self.ledger.settings.cost_budgets
        return budgets.get(self.caller.role, min(budgets.values(), default=0))

    def may_see_personal(self) -> bool:
        return self.caller.role in permissions.PERSONAL_READERS

    def access(self, *case_ids: str) -> None:
        """This answer carries personal data of these cases: it goes into the access log."""
        self.accessed.update(c for c in case_ids if c)

    # ------------------------------------------------------------------ stopping work

    def stop(self, reason: str) -> None:
        """Ask the execution to stop at its next check (thread-safe: one assignment)."""
        if self.stop_reason is None:
            self.stop_reason = reason

    def tick(self) -> None:
        """One more object to complete: stop here if the request is over (the clock is read
        every 64 objects, the flag every time)."""
        self.work += 1
        if self.stop_reason is not None:
            raise RequestStopped(self.stop_reason)
        if self.deadline is not None and not self.work & 63 and time.monotonic() > self.deadline:
            self.stop("deadline")
            raise RequestStopped("deadline")

    def check(self) -> None:
        """Before a unit of work that is not an object (a read, a computation)."""
        if self.stop_reason is not None:
            raise RequestStopped(self.stop_reason)
        if self.deadline is not None and time.monotonic() > self.deadline:
            self.stop("deadline")
            raise RequestStopped("deadline")

    # ------------------------------------------------------------------ reads

    def read(self, fn: Callable[[Tx], Any]) -> Any:
        self.check()
        self.statements += 1
        if self._snapshot is None:
            return self.ledger.reads.run(fn)
        if self._snapshot_tx is None:
            self._snapshot_tx = self._snapshot.__enter__()
        try:
            return fn(self._snapshot_tx)
        except BaseException:
            self.end_snapshot()  # a failed statement may have spoilt the transaction
            raise

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Every read inside shares one read transaction, opened at the first: the answer
        comes from one consistent state of the read models (and opens one transaction, not
        one per level of the document). Used for one HTTP request's execution."""
        self._snapshot = self.ledger.reads.read()
        try:
            yield
        finally:
            self.end_snapshot()
            self._snapshot = None

    def end_snapshot(self) -> None:
        """Close the shared transaction (the next read opens another)."""
        if self._snapshot_tx is not None:
            self._snapshot_tx = None
            cm, self._snapshot = self._snapshot, self.ledger.reads.read()
            cm.__exit__(None, None, None)

    def position(self, known_at: datetime | None) -> int | None:
        """Record time -> the last position recorded by then (None: as recorded now)."""
        if known_at is None:
            return None
        known_at = instant(known_at, "knownAt")
        if known_at > datetime.now(UTC) + CLOCK_SKEW:
            raise BadInput(
                f"knownAt must not lie in the future, got {known_at.isoformat()}"
                " (the ledger cannot answer for what it will know later)"
            )
        if known_at not in self._positions:
            position = self.read(lambda tx: position_known_at(tx, known_at))
            # Every read model must have applied that position, or the answer would be partial.
            if position > self.ledger.runner.reached:
                self.end_snapshot()  # reads after the wait must see what it waited for
            self.ledger.wait_for(position)
            self._positions[known_at] = position
        return self._positions[known_at]

    def batch(
        self,
        name: str,
        args: tuple,
        peers: Iterable[Any],
        key: Any,
        load: Callable[[Tx, list[Any]], dict[Any, Any]],
    ) -> Any:
        """Load `name` for `key` and all its peers at once; later peers hit the cache."""
        cache = self._cache.setdefault((name, args), {})
        if key not in cache:
            wanted = [k for k in dict.fromkeys(peers) if k is not None and k not in cache]
            if key not in wanted:
                wanted.append(key)
            loaded = self.read(lambda tx: load(tx, wanted))
            for k in wanted:
                cache[k] = loaded.get(k)
        return cache[key]

    def batch_many(
        self,
        name: str,
        args: tuple,
        peers: Iterable[Any],
        keys: Iterable[Any],
        load: Callable[[Tx, list[Any]], dict[Any, Any]],
    ) -> dict[Any, Any]:
        """`batch` for several keys at once: what is missing of `keys` and `peers` in one
        read, the rest from the cache."""
        cache = self._cache.setdefault((name, args), {})
        keys = list(dict.fromkeys(keys))
        if any(k not in cache for k in keys):
            wanted = [k for k in dict.fromkeys([*keys, *peers]) if k is not None and k not in cache]
            loaded = self.read(lambda tx: load(tx, wanted))
            for k in wanted:
                cache[k] = loaded.get(k)
        return {k: cache[k] for k in keys}

    def remember(self, name: str, args: tuple, loaded: dict[Any, Any]) -> None:
        """Values read along with something else (a join): later `batch` calls find them."""
        self._cache.setdefault((name, args), {}).update(loaded)

    def level(self, name: str, args: tuple = ()) -> tuple:
        """Everything `batch` has loaded under `name`: the peers of the next level down, so
        that level too is loaded once, not once per parent."""
        out: list[Any] = []
        for value in self._cache.get((name, args), {}).values():
            if isinstance(value, list):
                out.extend(value)
            elif value is not None:
                out.append(value)
        return tuple(out)

    # ------------------------------------------------------------------ writes

    def not_projected(self, position: int) -> None:
        self.unprojected = max(position, self.unprojected or 0)

    def execute(self, command: Command, idempotency_key: str | None) -> CommandResult:
        """Run a command as the caller (the application authorises it and waits for the
        read models)."""
        self.end_snapshot()  # what the answer reads after the write must see it
        return self.ledger.execute(command, self.caller.stamp(idempotency_key), self.commands)


def instant(value: datetime, what: str) -> datetime:
    """An instant in UTC within the ledger's lifetime; BAD_INPUT otherwise (offsets that push a
    far date past year 9999 included)."""
    try:
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise BadInput(f"{what} is not a usable instant") from None
    if not MIN_INSTANT <= value <= MAX_INSTANT:
        raise BadInput(f"{what} must lie between {MIN_INSTANT:%Y-%m-%d} and {MAX_INSTANT:%Y-%m-%d}")
    return value


def text_filter(value: str | None, what: str) -> str | None:
    """Filter strings must be storable text (no lone surrogates) of sane length."""
    if value is None:
        return None
    if len(value) > 200:
        raise BadInput(f"{what} is longer than 200 characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise BadInput(f"{what} is not valid text") from None
    return value


def as_of_text(as_of: date | None) -> str:
    value = as_of or today()
    if not date(1900, 1, 1) <= value <= date(2100, 12, 31):
        raise BadInput(f"asOf must lie between 1900-01-01 and 2100-12-31, got {value}")
    return value.isoformat()
