"""No N+1: the SQL statements behind a nested list query do not grow with the list.

100 units, each with a head and a staff member (some people hold posts in two units), asked
`units { name posts { role person { name posts { unit { name } } } } }`. Every SQL statement
the read models run goes through `Tx.execute`; the test counts them for 10 units and for
100 and wants the same number, and also checks the answer is complete.
"""

from __future__ import annotations

import threading

import pytest

from ledger.domain.base import Stamp
from ledger.domain.person import Person
from ledger.domain.unit import Unit
from projections.db import Tx

QUERY = "{ units { name posts { role person { name posts { unit { name } } } } } }"
STAMP = Stamp("n-plus-one")


def build(ledger, n: int) -> None:
    """An organ and n departments; each department has a head and a staff member.

    Saved many aggregates per `save` (the commands would give the same events, slower).
    """
    organ = Unit.register(STAMP, "ORG", "省直某厅", "ORGAN", None)
    units = [
        Unit.register(STAMP, f"D-{i:03d}", f"处室{i:03d}", "DEPARTMENT", organ) for i in range(n)
    ]
    ledger.app.save(organ, *units)
    people = []
    for i, unit in enumerate(units):
        head = Person.register(STAMP, f"H-{i:03d}", f"处长{i:03d}")
        head.assume_post(STAMP, unit.unit_id, "UNIT_HEAD", "2024-01-01")
        staff = Person.register(STAMP, f"S-{i:03d}", f"干部{i:03d}")
        staff.assume_post(STAMP, unit.unit_id, "STAFF", "2024-01-01")
        if i % 3 == 0:  # some heads also serve on the organ's team: a second post each
            head.assume_post(STAMP, "ORG", "TEAM_MEMBER", "2024-02-01")
        people += [head, staff]
    ledger.app.save(*people)
    ledger.runner.catch_up()


class StatementCounter:
    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.count = 0
        self._lock = threading.Lock()
        original = Tx.execute

        def counting(tx: Tx, sql: str, params=()):  # type: ignore[no-untyped-def]
            # The embedded projector polls on its own thread meanwhile: not the query's work.
            if threading.current_thread().name != "projection-runner":
                with self._lock:
                    self.count += 1
            return original(tx, sql, params)

        monkeypatch.setattr(Tx, "execute", counting)

    def around(self, fn):  # type: ignore[no-untyped-def]
        before = self.count
        result = fn()
        return result, self.count - before


def ask(gql) -> dict:
    # ADMIN: costed for a province (1,000 units × 10 posts × 10 posts, ledger.api.cost), the
    # document is over a VIEWER's budget, though this store is small.
    return gql.data(QUERY, role="ADMIN")


def check_answer(data: dict, n: int) -> None:
    units = {u["name"]: u for u in data["units"]}
    assert len(units) == n + 1
    dept = units["处室000"]
    roles = sorted(p["role"] for p in dept["posts"])
    assert roles == ["STAFF", "UNIT_HEAD"]
    head = next(p for p in dept["posts"] if p["role"] == "UNIT_HEAD")["person"]
    assert head["name"] == "处长000"
    assert sorted(p["unit"]["name"] for p in head["posts"]) == ["处室000", "省直某厅"]
    team = [p for p in units["省直某厅"]["posts"] if p["role"] == "TEAM_MEMBER"]
    assert len(team) == len(range(0, n, 3))


@pytest.fixture
def counter(monkeypatch: pytest.MonkeyPatch) -> StatementCounter:
    return StatementCounter(monkeypatch)


def test_statements_do_not_grow_with_the_list(ledger, gql, counter, store_url):
    build(ledger, 10)
    small, small_statements = counter.around(lambda: ask(gql))
    check_answer(small, 10)

    # Ninety more departments, their heads and staff: the list is now ten times longer.
    more = [
        Unit.register(STAMP, f"D-{i:03d}", f"处室{i:03d}", "DEPARTMENT", ledger.app.unit("ORG"))
        for i in range(10, 100)
    ]
    ledger.app.save(*more)
    people = []
    for i in range(10, 100):
        head = Person.register(STAMP, f"H-{i:03d}", f"处长{i:03d}")
        head.assume_post(STAMP, f"D-{i:03d}", "UNIT_HEAD", "2024-01-01")
        staff = Person.register(STAMP, f"S-{i:03d}", f"干部{i:03d}")
        staff.assume_post(STAMP, f"D-{i:03d}", "STAFF", "2024-01-01")
        if i % 3 == 0:
            head.assume_post(STAMP, "ORG", "TEAM_MEMBER", "2024-02-01")
        people += [head, staff]
    ledger.app.save(*people)
    ledger.runner.catch_up()

    large, large_statements = counter.around(lambda: ask(gql))
    check_answer(large, 100)
    assert sum(len(u["posts"]) for u in large["units"]) == 200 + len(range(0, 100, 3))

    assert small_statements > 0
    assert large_statements == small_statements, (
        f"{small_statements} SQL statements for 11 units but {large_statements} for 101: "
        "a nested field is loaded per parent instead of once per level"
    )
    # One statement per level of the query at most (units, posts, persons, posts, units),
    # plus the few a request makes anyway; far below one per unit.
    assert large_statements <= 10, large_statements


def test_read_transactions_do_not_grow_with_the_list(ledger, store_url):
    """The same through `Context.statements` (read transactions opened per request)."""
    from ledger.api.context import Context
    from ledger.api.schema import schema
    from ledger.auth import Caller

    def transactions(n: int) -> int:
        context = Context(ledger, Caller("admin", "ADMIN"), None)
        result = schema.execute_sync(QUERY, context_value=context)
        assert not result.errors, result.errors
        check_answer(result.data, n)
        return context.statements

    build(ledger, 100)
    at_100 = transactions(100)
    assert at_100 <= 10, at_100
