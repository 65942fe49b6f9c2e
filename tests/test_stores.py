"""Stores that cannot be mistaken: a mistyped SQLite path, a missing directory, a wrong
PostgreSQL port, database or schema is an error naming the cause, never a new empty ledger;
only `init`, `serve --init`, `demo load` and `import` create one; `verify` on an empty log
proves nothing and says so (exit 3 unless --allow-empty). Through the real `ledger` command."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import TEST_SECRET, fresh_store
from servers import free_port


def ledger(*args: str, cwd: Path, store: str | None = None, timeout: float = 120):
    env = {**os.environ, "LEDGER_JWT_SECRET": TEST_SECRET, "LEDGER_LOG_JSON": "1"}
    env.pop("LEDGER_STORE", None)
    if store is not None:
        env["LEDGER_STORE"] = store
    return subprocess.run(
        [sys.executable, "-m", "ledger.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=timeout,
    )


# Every command that reads a store; none of them may create one.
READERS = [
    ["verify"],
    ["projections", "status"],
    ["projections", "rebuild"],
    ["export"],
    ["evaluation", "export", "EV-2024"],
]


def files(directory: Path) -> set[str]:
    return {p.name for p in directory.iterdir()} if directory.exists() else set()


@pytest.mark.parametrize("command", READERS, ids=lambda c: " ".join(c))
def test_a_mistyped_sqlite_path_is_refused_and_creates_nothing(command, tmp_path):
    before = files(tmp_path)
    done = ledger(*command, store="sqlite:///./typo.sqlite3", cwd=tmp_path)
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "UNAVAILABLE: no ledger in the SQLite store typo.sqlite3" in done.stderr
    assert "ledger init" in done.stderr and "Traceback" not in done.stderr
    assert files(tmp_path) == before, "a refused command left files behind"


@pytest.mark.parametrize(
    "command", [*READERS, ["init"], ["demo", "load"], ["serve"]], ids=lambda c: " ".join(c)
)
def test_a_missing_directory_is_refused_by_every_command_even_the_creating_ones(command, tmp_path):
    done = ledger(*command, store="sqlite:///../out/typo.sqlite3", cwd=tmp_path)
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "UNAVAILABLE: the directory ../out of the SQLite store" in done.stderr
    assert "does not exist" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path.parent / "out").exists()


def test_an_empty_file_is_not_a_ledger(tmp_path):
    (tmp_path / "empty.sqlite3").write_bytes(b"")
    done = ledger("verify", store="sqlite:///./empty.sqlite3", cwd=tmp_path)
    assert done.returncode == 1 and "no ledger" in done.stderr
    (tmp_path / "text.sqlite3").write_text("not a database at all, just some text\n" * 20)
    done = ledger("verify", store="sqlite:///./text.sqlite3", cwd=tmp_path)
    assert done.returncode == 1 and "cannot be read as a SQLite store" in done.stderr


def test_init_creates_a_ledger_once_and_verify_refuses_an_empty_log(tmp_path):
    store = "sqlite:///./ledger.sqlite3"
    created = ledger("init", store=store, cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    assert "created a new ledger in the SQLite store ledger.sqlite3" in created.stderr
    again = ledger("init", store=store, cwd=tmp_path)
    assert again.returncode == 0 and "already holds a ledger (log head 0)" in again.stderr

    empty = ledger("verify", store=store, cwd=tmp_path)
    assert empty.returncode == 3, (empty.stdout, empty.stderr)
    assert '"ok": false' in empty.stdout and "the log is empty" in empty.stdout
    assert "--allow-empty" in empty.stderr
    allowed = ledger("verify", "--allow-empty", store=store, cwd=tmp_path)
    assert allowed.returncode == 0 and '"ok": true' in allowed.stdout

    loaded = ledger("demo", "load", store=store, cwd=tmp_path)
    assert loaded.returncode == 0, loaded.stderr
    verified = ledger("verify", store=store, cwd=tmp_path)
    assert verified.returncode == 0 and '"ok": true' in verified.stdout

    # `ledger export | head`: the reader closes the pipe; the export stops without a word.
    env = {**os.environ, "LEDGER_STORE": store, "LEDGER_JWT_SECRET": TEST_SECRET}
    piped = subprocess.run(
        f"{sys.executable} -m ledger.cli export 2>export.err | head -n 2",
        shell=True,
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert len(piped.stdout.splitlines()) == 2 and piped.stdout.startswith('{"position":1,')
    errors = (tmp_path / "export.err").read_text()
    assert "Traceback" not in errors and "BrokenPipe" not in errors, errors


def test_demo_load_creates_a_ledger_and_says_so(tmp_path):
    done = ledger("demo", "load", store="sqlite:///./demo.sqlite3", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "created a new ledger" in done.stderr
    status = ledger("projections", "status", store="sqlite:///./demo.sqlite3", cwd=tmp_path)
    assert status.returncode == 0, status.stderr


def test_serve_refuses_a_store_without_a_ledger_unless_init(tmp_path):
    refused = ledger(
        "serve", "--port", str(free_port()), store="sqlite:///./new.sqlite3", cwd=tmp_path
    )
    assert refused.returncode == 1 and "no ledger" in refused.stderr
    assert "serve --init" in refused.stderr
    assert not (tmp_path / "new.sqlite3").exists()

    port = free_port()
    env = {
        **os.environ,
        "LEDGER_JWT_SECRET": TEST_SECRET,
        "LEDGER_STORE": "sqlite:///./new.sqlite3",
    }
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "ledger.cli", "serve", "--init", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        import httpx

        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "serve --init did not start"
            time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()
    assert (
        "created a new ledger in the SQLite store new.sqlite3"
        in (tmp_path / "serve.log").read_text()
    )
    assert (
        ledger("verify", "--allow-empty", store="sqlite:///./new.sqlite3", cwd=tmp_path).returncode
        == 0
    )


# ---------------------------------------------------------------------- PostgreSQL


def _pg(url: str, **parts: str) -> str:
    """`url` with its port, database or schema replaced."""
    from urllib.parse import urlparse, urlunparse

    u = urlparse(url)
    netloc = u.netloc
    if "port" in parts:
        netloc = f"{netloc.rsplit(':', 1)[0]}:{parts['port']}"
    path = f"/{parts['db']}" if "db" in parts else u.path
    query = f"schema={parts['schema']}" if "schema" in parts else u.query
    return urlunparse(u._replace(netloc=netloc, path=path, query=query))


def test_postgres_connection_failures_answer_within_seconds_naming_the_cause(tmp_path):
    with fresh_store("postgres") as url:
        closed = free_port()  # nobody listens there
        started = time.monotonic()
        done = ledger("verify", store=_pg(url, port=str(closed)), cwd=tmp_path)
        elapsed = time.monotonic() - started
        assert done.returncode == 1, done.stderr
        assert f"cannot connect to PostgreSQL at 127.0.0.1:{closed}, database" in done.stderr
        assert "refused" in done.stderr.lower() and "Traceback" not in done.stderr
        assert elapsed < 15, f"a refused connection took {elapsed:.1f} s to report"

        done = ledger("verify", store=_pg(url, db="no_such_database"), cwd=tmp_path)
        assert done.returncode == 1
        assert "database 'no_such_database'" in done.stderr and "does not exist" in done.stderr

        done = ledger("init", store=_pg(url, schema="no_such_schema"), cwd=tmp_path)
        assert done.returncode == 1
        assert "the schema 'no_such_schema' does not exist" in done.stderr

        # The fresh schema exists but holds no ledger: refused until `init`.
        for command in (["verify"], ["projections", "status"], ["export"]):
            done = ledger(*command, store=url, cwd=tmp_path)
            assert done.returncode == 1 and "no ledger in PostgreSQL" in done.stderr, command
        assert ledger("init", store=url, cwd=tmp_path).returncode == 0
        assert ledger("verify", store=url, cwd=tmp_path).returncode == 3
        assert ledger("verify", "--allow-empty", store=url, cwd=tmp_path).returncode == 0
