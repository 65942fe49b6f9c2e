"""Automatic witnessing: with LEDGER_DIGEST_DIR the process that follows the log signs a
digest every LEDGER_DIGEST_EVERY events into that directory, and `ledger verify --digests
DIR` checks the log against every digest kept, so a truncated tail or a history rewritten
with every hash recomputed (both pass the chain check alone) is caught without an operator
having taken a digest. On both stores, through the real app and the real CLI."""

from __future__ import annotations

import json

import pytest
from conftest import wait_until
from starlette.testclient import TestClient
from test_integrity_support import RawStore, cli_json, register_people, run_cli

from ledger.api.app import create_app
from ledger.integrity import GENESIS, chain_hash, leaf_hash, payload_hash
from ledger.integrity.witness import digest_files


@pytest.fixture
def witnessed(ledger, settings, tmp_path):
    """Three digests kept, at positions 12, 24 and 36, by the server's own witness."""
    keys, digests = tmp_path / "keys", tmp_path / "digests"
    assert run_cli("keys", "create", "--dir", str(keys)).returncode == 0
    settings.key_dir_setting = keys
    settings.digest_dir = digests
    settings.digest_every_events = 10
    with TestClient(create_app(ledger)):
        for round_ in range(3):
            register_people(ledger.app, 12, prefix=f"R{round_}")
            head = ledger.app.head()
            wait_until(
                lambda head=head: [p for p, _ in digest_files(digests)][-1:] == [head],
                f"a digest of position {head}",
            )
    assert [p for p, _ in digest_files(digests)] == [12, 24, 36]
    return ledger, digests, keys / "ledger-ed25519.pub"


def verify(settings, digests, public):
    return run_cli(
        "verify",
        "--store",
        settings.store,
        "--digests",
        str(digests),
        "--public-key",
        str(public),
    )


def test_every_kept_digest_is_checked(witnessed, settings):
    ledger, digests, public = witnessed
    result = verify(settings, digests, public)
    assert result.returncode == 0, result.stderr
    report = cli_json(result)
    assert report["ok"] is True
    assert report["keptDigests"] == {
        "ok": True,
        "checked": 3,
        "latestPosition": 36,
        "problem": None,
        "badFile": None,
    }
    digest = json.loads((digests / "digest-000000000024.json").read_text())
    assert digest["position"] == 24 and digest["treeSize"] == 24 and digest["signature"]


def test_a_truncated_tail_is_caught_by_the_kept_digests(witnessed, settings):
    ledger, digests, public = witnessed
    RawStore(ledger).execute(
        ("DELETE FROM {events} WHERE {pos} > ?", (30,)),
        ("DELETE FROM {chain} WHERE position > ?", (30,)),
    )
    assert run_cli("verify", "--store", settings.store).returncode == 0  # the chain: fooled
    result = verify(settings, digests, public)
    assert result.returncode == 2
    kept = cli_json(result)["keptDigests"]
    assert kept["ok"] is False and kept["checked"] == 2
    assert "lost events" in kept["problem"] and kept["badFile"].endswith("digest-000000000036.json")


def test_a_whole_rewrite_is_caught_by_the_kept_digests(witnessed, settings):
    ledger, digests, public = witnessed
    raw = RawStore(ledger)
    recorder = ledger.app.recorder
    event = json.loads(raw.state(5))
    event["actor"] = "mallory"
    raw.set_state(5, json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode())
    rows = recorder.select_chain(1, 36)
    events = {e.id: e for e in recorder.select_notifications(start=1, limit=36)}
    previous = bytes.fromhex(rows[3]["hash"]) if rows else GENESIS
    statements = []
    for p in range(5, 37):
        e = events[p]
        digest = payload_hash(e.state)
        leaf = leaf_hash(p, e.originator_id, e.originator_version, e.topic, digest)
        previous = chain_hash(previous, leaf)
        statements.append(
            (
                "UPDATE {chain} SET payload_hash = ?, leaf_hash = ?, hash = ? WHERE position = ?",
                (digest.hex(), leaf.hex(), previous.hex(), p),
            )
        )
    raw.execute(*statements)
    assert run_cli("verify", "--store", settings.store).returncode == 0  # the chain: fooled
    result = verify(settings, digests, public)
    assert result.returncode == 2
    kept = cli_json(result)["keptDigests"]
    assert kept["ok"] is False and kept["checked"] == 0
    assert kept["badFile"].endswith("digest-000000000012.json")


def test_witnessing_does_not_start_without_its_key(ledger, settings, tmp_path):
    result = run_cli(
        "serve",
        "--store",
        settings.store,
        "--port",
        "1",
        env={
            "LEDGER_DIGEST_DIR": str(tmp_path / "digests"),
            "LEDGER_KEY_DIR": str(tmp_path / "no-keys"),
            "LEDGER_JWT_SECRET": settings.jwt_secret,
        },
    )
    assert result.returncode == 1
    assert "LEDGER_DIGEST_DIR is set, but there is no signing key" in result.stderr
