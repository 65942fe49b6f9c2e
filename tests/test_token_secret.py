"""Tokens do not depend on the working directory: every command resolves the secret the same
way (LEDGER_JWT_SECRET, else LEDGER_JWT_SECRET_FILE, else LEDGER_HOME/jwt-secret, LEDGER_HOME
defaulting to `.ledger` beside a SQLite store); `ledger token issue` never makes up a new
secret; and a refused token is told which check failed, without any secret."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import jwt
import pytest
from servers import free_port

from ledger.auth import key_id


def ledger(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "LEDGER_LOG_JSON": "1", **env}
    for name in ("LEDGER_JWT_SECRET", "LEDGER_HOME", "LEDGER_JWT_SECRET_FILE"):
        if name not in env:
            environment.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "ledger.cli", *args],
        capture_output=True,
        text=True,
        env=environment,
        cwd=cwd,
        timeout=120,
    )


def issue(cwd: Path, store: str, **env: str) -> subprocess.CompletedProcess:
    return ledger(
        "token", "issue", "--subject", "ops", "--role", "VIEWER", "--store", store, cwd=cwd, **env
    )


def test_token_issue_finds_the_servers_secret_from_any_directory(tmp_path):
    data, elsewhere, other = tmp_path / "data", tmp_path / "elsewhere", tmp_path / "other"
    for d in (data, elsewhere, other):
        d.mkdir()
    store = f"sqlite:///{data}/ledger.sqlite3"

    refused = issue(elsewhere, store)
    assert refused.returncode == 1 and not refused.stdout
    assert f"no token secret at {data}/.ledger/jwt-secret" in refused.stderr
    assert not (data / ".ledger").exists() and not (elsewhere / ".ledger").exists()

    created = ledger("init", "--store", store, cwd=other)
    assert created.returncode == 0, created.stderr
    secret_file = data / ".ledger" / "jwt-secret"
    assert f"created a new token secret at {secret_file}" in created.stderr
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600

    issued = issue(elsewhere, store)
    assert issued.returncode == 0, issued.stderr
    token = issued.stdout.strip()
    assert jwt.get_unverified_header(token)["kid"] == key_id(secret_file.read_text().strip())

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    server = subprocess.Popen(
        [sys.executable, "-m", "ledger.cli", "serve", "--store", store, "--port", str(port)],
        cwd=other,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, "serve did not start"
            time.sleep(0.1)
        answer = httpx.post(
            f"http://127.0.0.1:{port}/graphql",
            json={"query": "{ units { id } }"},
            headers={"Authorization": f"Bearer {token}"},
        ).json()
        assert answer == {"data": {"units": []}}, answer
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_ledger_home_and_an_explicit_secret_win(tmp_path):
    home = tmp_path / "home"
    store = f"sqlite:///{tmp_path}/ledger.sqlite3"
    assert ledger("init", "--store", store, cwd=tmp_path, LEDGER_HOME=str(home)).returncode == 0
    assert (home / "jwt-secret").exists() and not (tmp_path / ".ledger").exists()
    issued = issue(tmp_path, store, LEDGER_HOME=str(home))
    assert issued.returncode == 0
    assert (
        jwt.decode(
            issued.stdout.strip(), (home / "jwt-secret").read_text().strip(), algorithms=["HS256"]
        )["iss"]
        == "accountability-ledger"
    )
    plain = issue(tmp_path, store, LEDGER_JWT_SECRET="s" * 64)
    assert jwt.decode(plain.stdout.strip(), "s" * 64, algorithms=["HS256"])["sub"] == "ops"


@pytest.fixture
def refusal(gql):
    def message(token: str) -> str:
        body = gql.post("{ units { id } }", token=token)
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", body
        text = body["errors"][0]["message"]
        assert gql.settings.jwt_secret not in text
        return text

    return message


def claims(**extra):
    now = int(time.time())
    return {"sub": "x", "role": "VIEWER", "iat": now, "exp": now + 600, **extra}


def test_a_refused_token_is_told_which_check_failed(gql, refusal):
    ours = key_id(gql.settings.jwt_secret)
    theirs = key_id("another-secret-" + "z" * 40)
    foreign = jwt.encode(claims(), "another-secret-" + "z" * 40, headers={"kid": theirs})
    text = refusal(foreign)
    assert f"signed with secret {theirs}, this server's is {ours}" in text
    assert "LEDGER_HOME" in text

    no_kid = jwt.encode(claims(), "another-secret-" + "z" * 40)
    assert "signature does not match this server's secret" in refusal(no_kid)

    now = int(time.time())
    late = jwt.encode(claims(iat=now - 3600, exp=now - 60), gql.settings.jwt_secret)
    assert "has expired" in refusal(late)

    other = jwt.encode(claims(iss="someone-else"), gql.settings.jwt_secret)
    assert "issued by 'someone-else', not by this ledger" in refusal(other)

    assert "not a well-formed JWT" in refusal("not.a.jwt")
    unsigned = jwt.encode(
        {k: v for k, v in claims().items() if k != "sub"}, gql.settings.jwt_secret
    )
    assert "lacks the 'sub' claim" in refusal(unsigned)

    # A token of this ledger (with or without `iss`, as issued before it was set) passes.
    assert gql.data("{ units { id } }", token=gql.token("VIEWER")) == {"units": []}
    legacy = jwt.encode(claims(), gql.settings.jwt_secret)
    assert gql.data("{ units { id } }", token=legacy) == {"units": []}


# ---------------------------------------------------------------------- checked once, then remembered


def test_a_remembered_token_still_expires_and_still_needs_the_same_secret(tmp_path, monkeypatch):
    """A token is checked once and then remembered (its signature is not verified again on
    every request), but what the check decided must still hold on every use: the token
    expires at its `exp`, and another secret or issuer refuses it, as a fresh check would."""
    from ledger import auth
    from ledger.domain.errors import Unauthenticated
    from ledger.settings import Settings

    settings = Settings()
    settings.jwt_secret = "remembered-" + "s" * 40
    token = auth.issue_token(settings, "clerk", "VIEWER", ["U-1"], "1h")
    header = f"Bearer {token}"
    first = auth.authenticate(settings, header)
    assert auth.authenticate(settings, header) is first  # remembered, not checked again
    assert first.units == ("U-1",)

    later = first.expires_at + 0.5
    monkeypatch.setattr(auth.time, "time", lambda: later)
    with pytest.raises(Unauthenticated, match="expired"):
        auth.authenticate(settings, header)
    monkeypatch.undo()

    other = Settings()
    other.jwt_secret = "another-" + "s" * 40
    with pytest.raises(Unauthenticated, match="signature does not match"):
        auth.authenticate(other, header)
    other.jwt_secret, other.token_issuer = settings.jwt_secret, "another-ledger"
    with pytest.raises(Unauthenticated, match="issued by"):
        auth.authenticate(other, header)


def test_a_secret_file_is_read_again_when_it_changes(tmp_path):
    from ledger import auth
    from ledger.domain.errors import Unauthenticated
    from ledger.settings import Settings

    settings = Settings()
    settings.jwt_secret = ""
    settings.jwt_secret_file = str(tmp_path / "jwt-secret")
    (tmp_path / "jwt-secret").write_text("first-" + "f" * 40)
    header = f"Bearer {auth.issue_token(settings, 'clerk', 'VIEWER')}"
    assert auth.authenticate(settings, header).subject == "clerk"
    (tmp_path / "jwt-secret").write_text("second-" + "x" * 40)  # rotated
    with pytest.raises(Unauthenticated, match="signature does not match"):
        auth.authenticate(settings, header)
