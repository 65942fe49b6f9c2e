"""An inspector keeps a signed digest; a thousand events later the log still extends it
(consistency proof), and an old event is proven to be in it offline, with nothing but the
digest, the published public key and the proof (tools/verify_proof.py in a subprocess)."""

from __future__ import annotations

import base64
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from test_integrity_support import ROOT, cli_json, register_people, run_cli

from ledger.integrity import merkle

PROOF_QUERY = """
query ($position: Int!, $treeSize: Int) {
  inclusionProof(position: $position, treeSize: $treeSize) {
    position leafIndex treeSize leafHash auditPath root storedState
    leaf { position originatorId version topic payloadHash canonical }
  }
}"""


def verify_offline(
    digest: Path, public: Path, proof: Path, *extra: str
) -> subprocess.CompletedProcess:
    """The standalone checker, run as an inspector would: a script on its own, elsewhere."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(
        [
            sys.executable,
            "-I",
            str(ROOT / "tools" / "verify_proof.py"),
            "--digest",
            str(digest),
            "--public-key",
            str(public),
            "--proof",
            str(proof),
            *extra,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        cwd="/",
    )


@pytest.fixture
def keys(tmp_path: Path) -> Path:
    directory = tmp_path / "keys"
    created = run_cli("keys", "create", "--dir", str(directory))
    assert created.returncode == 0, created.stderr
    assert created.stdout.strip() == (directory / "ledger-ed25519.pub").read_text().strip()
    return directory


def test_keys_are_created_private_to_their_owner_and_never_silently_replaced(keys):
    private = keys / "ledger-ed25519.key"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert len(base64.b64decode((keys / "ledger-ed25519.pub").read_text())) == 32
    again = run_cli("keys", "create", "--dir", str(keys))
    assert again.returncode == 1 and "exists already" in again.stderr
    before = private.read_bytes()
    assert run_cli("keys", "create", "--dir", str(keys), "--force").returncode == 0
    assert private.read_bytes() != before


@pytest.mark.slow
def test_a_digest_saved_before_a_thousand_events_still_verifies_and_proves_an_old_event(
    ledger, settings, gql, keys, tmp_path
):
    register_people(ledger.app, 37, prefix="OLD")
    digest_file = tmp_path / "digest.json"
    made = run_cli(
        "digest", "--store", settings.store, "--key-dir", str(keys), "--out", str(digest_file)
    )
    assert made.returncode == 0, made.stderr
    digest = json.loads(digest_file.read_text())
    assert cli_json(made) == digest
    assert digest["position"] == digest["treeSize"] == 37
    assert digest["headHash"] == ledger.app.recorder.chain_head()["hash"]

    register_people(ledger.app, 1000, prefix="NEW")
    assert ledger.app.head() == 1037

    checked = run_cli(
        "verify",
        "--store",
        settings.store,
        "--digest",
        str(digest_file),
        "--public-key",
        str(keys / "ledger-ed25519.pub"),
    )
    assert checked.returncode == 0, checked.stderr + checked.stdout
    report = cli_json(checked)
    assert report["ok"] and report["checkedEvents"] == 1037
    assert report["digest"]["ok"] and report["digest"]["current"]["treeSize"] == 1037
    proof = [bytes.fromhex(h) for h in report["digest"]["consistencyProof"]]
    assert merkle.verify_consistency(
        37,
        1037,
        bytes.fromhex(digest["merkleRoot"]),
        bytes.fromhex(report["digest"]["current"]["merkleRoot"]),
        proof,
    )

    # the inclusion proof of an old event against the digest's tree, checked offline
    answer = gql.post(
        PROOF_QUERY, {"position": 5, "treeSize": digest["treeSize"]}, role="INSPECTOR"
    )
    assert not answer.get("errors"), answer
    proof_file = tmp_path / "proof.json"
    proof_file.write_text(json.dumps(answer))
    public = keys / "ledger-ed25519.pub"
    offline = verify_offline(digest_file, public, proof_file)
    assert offline.returncode == 0, offline.stderr
    assert "OK: the event at position 5" in offline.stdout
    assert "checked: the event's stored bytes (storedState)" in offline.stdout
    assert "checked: the digest's signature" in offline.stdout

    # what the offline check refuses
    body = answer["data"]["inclusionProof"]
    bent = {**body, "auditPath": [*body["auditPath"][:-1], "00" * 32]}
    proof_file.write_text(json.dumps(bent))
    assert verify_offline(digest_file, public, proof_file).returncode == 1

    other_actor = {
        **body,
        "storedState": base64.b64encode(
            base64.b64decode(body["storedState"]).replace(b'"recorder"', b'"mallory"')
        ).decode(),
    }
    proof_file.write_text(json.dumps(other_actor))
    failed = verify_offline(digest_file, public, proof_file)
    assert failed.returncode == 1 and "stored bytes do not match" in failed.stderr

    current = gql.data(PROOF_QUERY, {"position": 5}, role="INSPECTOR")["inclusionProof"]
    assert current["treeSize"] == 1037  # a proof against the current tree is not the digest's
    proof_file.write_text(json.dumps(current))
    assert "not against this digest" in verify_offline(digest_file, public, proof_file).stderr

    other = tmp_path / "other"
    assert run_cli("keys", "create", "--dir", str(other)).returncode == 0
    proof_file.write_text(json.dumps(answer))
    failed = verify_offline(digest_file, other / "ledger-ed25519.pub", proof_file)
    assert failed.returncode == 1 and "another public key" in failed.stderr

    # Without the stored bytes, the payload is said to be unchecked (and may be required).
    proof_file.write_text(json.dumps({k: v for k, v in body.items() if k != "storedState"}))
    partial = verify_offline(digest_file, public, proof_file)
    assert partial.returncode == 0, partial.stderr
    assert "NOT checked: the event's payload" in partial.stdout
    assert "OK (payload NOT checked): the event at position 5" in partial.stdout
    required = verify_offline(digest_file, public, proof_file, "--require-payload")
    assert required.returncode == 1 and "payload was not checked" in required.stderr

    # What is not a proof is refused in one line, never with a traceback.
    refused = gql.post(PROOF_QUERY, {"position": 5, "treeSize": 10**6}, role="INSPECTOR")
    assert refused.get("errors")
    for document, says in [
        (refused, "the server's error response, not a proof: BAD_INPUT"),
        (gql.post(PROOF_QUERY, {"position": 5}, role="VIEWER"), "error response, not a proof"),
        ({"data": {"inclusionProof": None}}, "holds no inclusionProof"),
        ([1, 2, 3], "holds a JSON list"),
        ({**body, "leaf": {"position": 5}}, "a field is missing: 'payloadHash'"),
    ]:
        proof_file.write_text(json.dumps(document))
        failed = verify_offline(digest_file, public, proof_file)
        assert failed.returncode == 1 and says in failed.stderr, (document, failed.stderr)
        assert "Traceback" not in failed.stderr
    proof_file.write_text("{not json")
    failed = verify_offline(digest_file, public, proof_file)
    assert failed.returncode == 1 and "is not JSON" in failed.stderr


def test_proofs_from_the_query_agree_with_the_tree_head_and_consistency_query(ledger, gql):
    register_people(ledger.app, 300)
    head = gql.data("{ treeHead { position treeSize headHash merkleRoot } }", role="INSPECTOR")[
        "treeHead"
    ]
    assert head["treeSize"] == head["position"] == 300
    for position in (1, 150, 256, 257, 300):
        p = gql.data(PROOF_QUERY, {"position": position}, role="INSPECTOR")["inclusionProof"]
        assert p["root"] == head["merkleRoot"] and p["leafIndex"] == position - 1
        assert merkle.verify_inclusion(
            p["leafIndex"],
            p["treeSize"],
            bytes.fromhex(p["leafHash"]),
            [bytes.fromhex(h) for h in p["auditPath"]],
            bytes.fromhex(p["root"]),
        )
    c = gql.data(
        "{ consistencyProof(firstSize: 100) { firstSize secondSize firstRoot secondRoot path } }",
        role="INSPECTOR",
    )["consistencyProof"]
    assert c["secondRoot"] == head["merkleRoot"]
    assert merkle.verify_consistency(
        100,
        300,
        bytes.fromhex(c["firstRoot"]),
        bytes.fromhex(c["secondRoot"]),
        [bytes.fromhex(h) for h in c["path"]],
    )


def test_proofs_are_for_inspectors_and_refuse_what_is_not_in_the_tree(ledger, gql):
    register_people(ledger.app, 5)
    assert gql.error_code(PROOF_QUERY, {"position": 1}, role="VIEWER") == "FORBIDDEN"
    assert gql.error_code(PROOF_QUERY, {"position": 99}, role="INSPECTOR") == "NOT_FOUND"
    assert gql.error_code(PROOF_QUERY, {"position": 5, "treeSize": 4}, role="INSPECTOR") == (
        "BAD_INPUT"
    )
    assert gql.error_code(PROOF_QUERY, {"position": 1, "treeSize": 6}, role="INSPECTOR") == (
        "BAD_INPUT"
    )


def test_a_digest_without_a_key_tells_how_to_make_one(ledger, settings, tmp_path):
    register_people(ledger.app, 1)
    result = run_cli("digest", "--store", settings.store, "--key-dir", str(tmp_path / "none"))
    assert result.returncode == 1
    assert "ledger keys create" in result.stderr
