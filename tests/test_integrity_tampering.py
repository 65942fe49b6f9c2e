"""Someone with database access edits, deletes, swaps or re-attributes a stored event:
`ledger verify` (the real CLI) and the `verifyLedger` query both name the first bad
position, on SQLite and PostgreSQL. A rewrite that recomputes the whole chain, or a
truncation of the log's tail, passes the chain check but not a digest saved before."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_integrity_support import RawStore, cli_json, register_people, run_cli

from ledger.integrity import GENESIS, chain_hash, leaf_hash, payload_hash

EVENTS = 12
QUERY = "{ verifyLedger { ok checkedEvents headPosition headHash firstBadPosition problem } }"


@pytest.fixture
def recorded(ledger):
    """Twelve registrations by three different actors, all hashed."""
    for n, actor in enumerate(["alice", "bob", "carol"] * 4):
        register_people(ledger.app, 1, prefix=f"{actor}{n}", actor=actor)
    assert ledger.app.head() == EVENTS
    return ledger


def expect_detected(gql, settings, position: int, words: str, checked: int | None = None) -> dict:
    """The CLI exits 2 naming `position`; the GraphQL query answers exactly the same."""
    chain = gql.ledger.app.recorder.select_chain(1, position - 1)
    last_good = chain[-1]["hash"] if chain else GENESIS.hex()
    result = run_cli("verify", "--store", settings.store)
    assert result.returncode == 2, result.stderr
    cli = cli_json(result)
    assert cli["ok"] is False
    assert cli["firstBadPosition"] == position
    assert cli["checkedEvents"] == (position - 1 if checked is None else checked)
    assert cli["headPosition"] == EVENTS
    assert cli["headHash"] == last_good
    assert words in cli["problem"]
    assert f"tampering detected at position {position}" in " ".join(result.stderr.split())
    assert cli.pop("accessLog")["ok"] is True  # the event log was edited, not the access log
    answer = gql.data(QUERY, role="INSPECTOR")["verifyLedger"]
    assert answer == cli
    return cli


def test_an_untouched_log_verifies_in_the_cli_and_the_query(recorded, gql, settings):
    result = run_cli("verify", "--store", settings.store)
    assert result.returncode == 0, result.stderr
    cli = cli_json(result)
    assert cli.pop("accessLog") == {"ok": True, "checkedRecords": 0, "firstBadPosition": None}
    assert cli == {
        "ok": True,
        "checkedEvents": EVENTS,
        "headPosition": EVENTS,
        "headHash": recorded.app.recorder.chain_head()["hash"],
        "firstBadPosition": None,
        "problem": None,
    }
    assert gql.data(QUERY, role="INSPECTOR")["verifyLedger"] == cli


def test_one_edited_payload_byte_is_located(recorded, gql, settings):
    raw = RawStore(recorded)
    state = bytearray(raw.state(7))
    i = state.index(b'"name":"Person') + len(b'"name":"P')
    state[i] ^= 0x01  # "Person" -> "Pdrson": still valid JSON, one byte changed
    raw.set_state(7, bytes(state))
    expect_detected(gql, settings, 7, "payload does not match")


def test_a_deleted_row_is_located(recorded, gql, settings):
    RawStore(recorded).execute(("DELETE FROM {events} WHERE {pos} = ?", (5,)))
    expect_detected(gql, settings, 5, "missing")


def test_a_deleted_row_and_its_chain_entry_are_located_at_the_next_position(
    recorded, gql, settings
):
    RawStore(recorded).execute(
        ("DELETE FROM {events} WHERE {pos} = ?", (5,)),
        ("DELETE FROM {chain} WHERE position = ?", (5,)),
    )
    expect_detected(gql, settings, 6, "chain breaks here", checked=4)


def test_two_swapped_rows_are_located_at_the_earlier_one(recorded, gql, settings):
    RawStore(recorded).execute(
        ("UPDATE {events} SET {pos} = -1 WHERE {pos} = ?", (9,)),
        ("UPDATE {events} SET {pos} = 9 WHERE {pos} = ?", (4,)),
        ("UPDATE {events} SET {pos} = 4 WHERE {pos} = -1", ()),
    )
    expect_detected(gql, settings, 4, "payload does not match")


def test_a_changed_actor_is_located(recorded, gql, settings):
    raw = RawStore(recorded)
    event = json.loads(raw.state(8))
    assert event["actor"] == "bob"
    event["actor"] = "mallory"
    raw.set_state(8, json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode())
    expect_detected(gql, settings, 8, "payload does not match")


def rewrite_chain_from(raw: RawStore, recorder, position: int) -> None:
    """What a careful attacker does after an edit: recompute every hash from there on."""
    rows = recorder.select_chain(1, EVENTS)
    events = {e.id: e for e in recorder.select_notifications(start=1, limit=EVENTS)}
    previous = bytes.fromhex(rows[position - 2]["hash"]) if position > 1 else GENESIS
    statements = []
    for p in range(position, EVENTS + 1):
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


@pytest.fixture
def signed_digest(recorded, settings, tmp_path: Path) -> tuple[Path, Path]:
    keys = tmp_path / "keys"
    assert run_cli("keys", "create", "--dir", str(keys)).returncode == 0
    digest = tmp_path / "digest.json"
    made = run_cli(
        "digest",
        "--store",
        settings.store,
        "--key",
        str(keys / "ledger-ed25519.key"),
        "--out",
        str(digest),
    )
    assert made.returncode == 0, made.stderr
    return digest, keys / "ledger-ed25519.pub"


def verify_against(settings, digest: Path, public: Path):
    return run_cli(
        "verify", "--store", settings.store, "--digest", str(digest), "--public-key", str(public)
    )


def test_a_consistently_rewritten_history_passes_the_chain_but_not_the_digest(
    recorded, settings, signed_digest
):
    raw = RawStore(recorded)
    event = json.loads(raw.state(3))
    event["actor"] = "mallory"
    raw.set_state(3, json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode())
    rewrite_chain_from(raw, recorded.app.recorder, 3)
    assert run_cli("verify", "--store", settings.store).returncode == 0  # the chain alone: fooled

    result = verify_against(settings, *signed_digest)
    assert result.returncode == 2
    report = cli_json(result)
    assert report["ok"] is False and report["firstBadPosition"] is None
    assert report["digest"]["ok"] is False
    assert "chain hash at position 12 differs" in report["digest"]["problem"]


def test_a_rewrite_that_keeps_the_head_hash_is_caught_by_the_consistency_proof(
    recorded, settings, signed_digest
):
    """Forge only the leaf hashes' Merkle tree: change one stored leaf hash but not the chain."""
    forged = "ab" * 32
    RawStore(recorded).execute(
        ("UPDATE {chain} SET leaf_hash = ? WHERE position = ?", (forged, 2)),
    )
    result = verify_against(settings, *signed_digest)
    assert result.returncode == 2
    report = cli_json(result)
    assert report["firstBadPosition"] == 2  # the chain check sees it too
    assert "consistency proof failed" in report["digest"]["problem"]


def test_a_truncated_tail_passes_the_chain_but_not_the_digest(recorded, settings, signed_digest):
    RawStore(recorded).execute(
        ("DELETE FROM {events} WHERE {pos} > ?", (9,)),
        ("DELETE FROM {chain} WHERE position > ?", (9,)),
    )
    assert run_cli("verify", "--store", settings.store).returncode == 0
    result = verify_against(settings, *signed_digest)
    assert result.returncode == 2
    assert "lost events" in cli_json(result)["digest"]["problem"]


def test_a_digest_signed_by_another_key_is_refused(recorded, settings, signed_digest, tmp_path):
    digest, _ = signed_digest
    other = tmp_path / "other"
    assert run_cli("keys", "create", "--dir", str(other)).returncode == 0
    result = verify_against(settings, digest, other / "ledger-ed25519.pub")
    assert result.returncode == 2
    assert "another key" in cli_json(result)["digest"]["problem"]

    edited = json.loads(digest.read_text())
    edited["position"] = 11  # a signed field changed after signing
    digest.write_text(json.dumps(edited))
    result = verify_against(settings, *signed_digest)
    assert result.returncode == 2
    assert "signature does not match" in cli_json(result)["digest"]["problem"]


def test_verifying_while_two_writers_append_never_reports_tampering(ledger):
    """The head is fixed before reading: rows committed meanwhile are left for next time."""
    import threading

    from ledger.integrity import verify_log

    errors: list[BaseException] = []

    def write(prefix: str) -> None:
        try:
            register_people(ledger.app, 150, prefix=prefix)
        except BaseException as e:  # surfaced below
            errors.append(e)

    writers = [threading.Thread(target=write, args=(p,)) for p in ("W1", "W2")]
    for w in writers:
        w.start()
    results = []
    while any(w.is_alive() for w in writers):
        results.append(verify_log(ledger.app.recorder, page=7))
    for w in writers:
        w.join()
    assert not errors
    results.append(verify_log(ledger.app.recorder, page=7))
    assert all(r.ok for r in results), [r for r in results if not r.ok][:1]
    assert results[-1].checked_events == 300 == ledger.app.head()
