"""Real processes for the deployment tests: `ledger serve` and `ledger projections run`.

The same commands docker-compose runs, started as subprocesses on free ports against one
store, configured only by environment variables. Used by test_multiprocess.py and
test_subscriptions.py.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from conftest import fresh_store

from ledger.auth import issue_token
from ledger.settings import Settings

SECRET = "multiprocess-secret-" + "y" * 40


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def base_env(store: str, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "LEDGER_STORE": store,
        "LEDGER_JWT_SECRET": SECRET,
        "LEDGER_LOG_JSON": "1",
        "LEDGER_POLL_INTERVAL": "0.02",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.update(extra)
    return env


class Process:
    def __init__(self, name: str, args: list[str], env: dict[str, str], log: Path):
        self.name, self.log = name, log
        self._log_file = log.open("wb")
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "ledger.cli", *args],
            env=env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )

    def __enter__(self) -> Process:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def output(self) -> str:
        self._log_file.flush()
        return self.log.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        self._log_file.close()


class Api(Process):
    """`ledger serve --no-projector` (or with its own projector) on a free port, and a
    GraphQL client for it."""

    def __init__(
        self,
        name: str,
        store: str,
        log_dir: Path,
        *,
        workers: int = 1,
        projector: bool = False,
        **env: str,
    ):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        args = ["serve", "--host", "127.0.0.1", "--port", str(self.port)]
        if not projector:
            args.append("--no-projector")
        if workers > 1:
            args += ["--workers", str(workers)]
        super().__init__(name, args, base_env(store, **env), log_dir / f"{name}.log")
        self.http = httpx.Client(base_url=self.url, timeout=30)

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.popen.poll() is not None:
                raise RuntimeError(f"{self.name} exited:\n{self.output()}")
            try:
                if self.http.get("/healthz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not start:\n{self.output()}")
            time.sleep(0.1)

    def post(
        self,
        query: str,
        variables: dict | None = None,
        *,
        token: str,
        min_position: int | None = None,
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"}
        if min_position is not None:
            headers["X-Ledger-Min-Position"] = str(min_position)
        response = self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.status_code == 200, response.text
        return response.json()

    def data(self, query: str, variables: dict | None = None, **kw: Any) -> dict[str, Any]:
        body = self.post(query, variables, **kw)
        assert not body.get("errors"), (self.name, body["errors"])
        return body["data"]

    def stop(self) -> None:
        self.http.close()
        super().stop()


class Projector(Process):
    def __init__(self, store: str, log_dir: Path, **env: str):
        super().__init__(
            "projector", ["projections", "run"], base_env(store, **env), log_dir / "projector.log"
        )


def token(
    role: str = "ADMIN",
    subject: str | None = None,
    units: list[str] | None = None,
    ttl: str = "1h",
) -> str:
    settings = Settings()
    settings.jwt_secret = SECRET
    return issue_token(settings, subject or f"{role.lower()}-mp", role, units, ttl)


@contextmanager
def postgres_schema() -> Iterator[str]:
    """A store URL on a fresh PostgreSQL schema, dropped afterwards; skips without one."""
    with fresh_store(
        "postgres",
        skip_reason="the multi-process deployment runs on PostgreSQL: set "
        "LEDGER_TEST_POSTGRES=postgresql://postgres@127.0.0.1:5432/test",
    ) as url:
        yield url


def init_store(store: str) -> None:
    """Create the tables once, before several processes start on the same store."""
    from ledger.service import Ledger

    settings = Settings()
    settings.store = store
    settings.jwt_secret = SECRET
    Ledger.open(settings).close()
