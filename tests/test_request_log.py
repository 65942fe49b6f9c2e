"""One log line per request: a mutation's command is in the request's line (its name, the
id acted on, its position, events and attempts), not in a line of its own. A command run
outside a request (the CLI, loaders) still logs its own line. On SQLite, and PostgreSQL
when LEDGER_TEST_POSTGRES is set.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import structlog

from ledger import application
from ledger import commands as c
from ledger.api import view
from ledger.domain.base import Stamp

REGISTER = "mutation($i: RegisterPersonInput!) { registerPerson(input: $i) { id position } }"


@pytest.fixture
def lines(monkeypatch) -> Iterator[list[dict]]:
    """The lines logged during the test (fresh logger proxies: bound ones bypass capture)."""
    with structlog.testing.capture_logs() as captured:
        monkeypatch.setattr(view, "log", structlog.get_logger("ledger.api"))
        monkeypatch.setattr(application, "log", structlog.get_logger("ledger.command"))
        yield captured


def test_a_mutation_logs_its_command_in_the_request_line(gql, lines):
    answer = gql.data(REGISTER, {"i": {"id": "P-LOGGED", "name": "记录"}})
    position = answer["registerPerson"]["position"]
    assert [line["event"] for line in lines] == ["request"]
    assert lines[0]["commands"] == [
        {
            "command": "registerPerson",
            "id": "P-LOGGED",
            "position": position,
            "events": ["PersonRegistered"],
            "attempts": 1,
        }
    ]
    assert lines[0]["actor"] == "admin-tester"


def test_a_command_outside_a_request_logs_its_own_line(ledger, lines):
    ledger.execute(c.RegisterPerson(id="P-ALONE", name="命令行"), Stamp("cli"))
    commands = [line for line in lines if line["event"] == "command"]
    assert len(commands) == 1
    assert commands[0]["id"] == "P-ALONE" and commands[0]["actor"] == "cli"


def test_a_request_that_fails_after_its_command_ran_still_logs_the_command(gql, lines, monkeypatch):
    """The command committed, then the request failed (a store fault while answering, say):
    its command still gets a line, though the request's own line is never written."""

    def broken(*_args, **_kwargs):
        raise RuntimeError("the answer could not be finished")

    monkeypatch.setattr(view.LedgerGraphQL, "finish", broken)
    response = gql.http.post(
        "/graphql",
        json={"query": REGISTER, "variables": {"i": {"id": "P-FAILED", "name": "失败"}}},
        headers={"Authorization": f"Bearer {gql.token('ADMIN')}"},
    )
    assert response.json()["errors"][0]["extensions"]["code"] == "INTERNAL"
    failed = [line for line in lines if line["event"] == "request.failed"]
    assert [command["id"] for line in failed for command in line["commands"]] == ["P-FAILED"]
