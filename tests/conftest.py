"""Fixtures: a real store (SQLite file, and PostgreSQL when LEDGER_TEST_POSTGRES is set),
the real ASGI app over it, and a GraphQL helper that authenticates as a role."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import eventsourcing.domain
import jwt
import psycopg
import pytest
from starlette.testclient import TestClient

from ledger.api.app import create_app
from ledger.auth import issue_token
from ledger.integrity import chain
from ledger.service import Ledger
from ledger.settings import Settings

POSTGRES = os.environ.get("LEDGER_TEST_POSTGRES")
TEST_SECRET = "test-secret-" + "x" * 40


def _postgres_url(schema: str) -> str:
    assert POSTGRES
    return f"{POSTGRES}{'&' if '?' in POSTGRES else '?'}schema={schema}"


@contextmanager
def fresh_store(
    kind: str,
    directory: Path | None = None,
    *,
    skip_reason: str = "PostgreSQL tests need LEDGER_TEST_POSTGRES=postgresql://USER@HOST:PORT/DB",
) -> Iterator[str]:
    """A fresh, empty store URL of `kind` ("sqlite" | "postgres"): a file in `directory`, or
    its own PostgreSQL schema, dropped afterwards (skips without LEDGER_TEST_POSTGRES)."""
    if kind == "sqlite":
        assert directory is not None
        directory.mkdir(parents=True, exist_ok=True)
        yield f"sqlite:///{directory}/ledger.sqlite3"
        return
    if not POSTGRES:
        pytest.skip(skip_reason)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield _postgres_url(schema)
    finally:
        with psycopg.connect(POSTGRES, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty store of each kind."""
    with fresh_store(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def settings(store_url: str, tmp_path: Path) -> Settings:
    s = Settings()
    s.store = store_url
    s.jwt_secret = TEST_SECRET
    s.poll_interval = 0.02
    return s


@pytest.fixture
def ledger(settings: Settings) -> Iterator[Ledger]:
    opened = Ledger.open(settings)
    yield opened
    opened.close()


class GraphQLClient:
    """Posts GraphQL over HTTP to the real app, as a given role."""

    def __init__(self, http: TestClient, settings: Settings, ledger: Ledger):
        self.http, self.settings, self.ledger = http, settings, ledger

    def token(
        self,
        role: str = "ADMIN",
        subject: str | None = None,
        units: list[str] | None = None,
        ttl: str = "1h",
    ) -> str:
        return issue_token(self.settings, subject or f"{role.lower()}-tester", role, units, ttl)

    def post(
        self,
        query: str,
        variables: dict | None = None,
        *,
        role: str = "ADMIN",
        token: str | None = None,
        headers: dict | None = None,
    ) -> dict[str, Any]:
        h = {"Authorization": f"Bearer {token or self.token(role)}"}
        h.update(headers or {})
        response = self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=h
        )
        assert response.status_code == 200, response.text
        return response.json()

    def data(self, query: str, variables: dict | None = None, **kw: Any) -> dict[str, Any]:
        body = self.post(query, variables, **kw)
        assert not body.get("errors"), body["errors"]
        return body["data"]

    def error_code(self, query: str, variables: dict | None = None, **kw: Any) -> str:
        body = self.post(query, variables, **kw)
        assert body.get("errors"), f"expected an error, got {body}"
        return body["errors"][0]["extensions"]["code"]

    def head(self) -> int:
        return self.ledger.app.head()


@pytest.fixture
def gql(ledger: Ledger, settings: Settings) -> Iterator[GraphQLClient]:
    with TestClient(create_app(ledger)) as http:
        yield GraphQLClient(http, settings, ledger)


class RecordClock:
    """Record time under the test's control: the ledger's commit clock and the events' own
    timestamps read it, so a test takes an instant between two writes without sleeping.
    It starts at the real now (after whatever the fixtures wrote) and moves 10 ms a step,
    so its instants stay within the server's tolerance for a client's clock."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def between(self) -> str:
        """An instant after every write so far and before every write to come."""
        self.now += timedelta(milliseconds=10)
        mark = self.now
        self.now += timedelta(milliseconds=10)
        return mark.isoformat()


@pytest.fixture
def record_clock(monkeypatch) -> RecordClock:
    clock = RecordClock()
    monkeypatch.setattr(chain, "clock", clock)
    monkeypatch.setattr(eventsourcing.domain, "datetime_now_with_tzinfo", clock)
    return clock


def expired_token(settings: Settings, role: str = "ADMIN") -> str:
    """A token that expired a minute ago (no waiting for one to run out)."""
    now = int(time.time())
    claims = {"sub": "late", "role": role, "iat": now - 3600, "exp": now - 60}
    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")


def wait_until(predicate: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    """Poll `predicate` until it holds, failing after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)
