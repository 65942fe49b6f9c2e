"""Signed digests: a tree head (position, tree size, chain hash, Merkle root, time) signed
with Ed25519, to be kept outside the ledger. Verifying the log against a saved digest later
proves, with an RFC 9162 consistency proof, that the history it covers is unchanged.

The signature covers the canonical JSON of every field but `signature` (sorted keys, no
spaces, ASCII): `tools/verify_proof.py` rebuilds the same bytes with the standard library.
"""

from __future__ import annotations

import base64
import json
import os
from bisect import bisect_right
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ledger.domain.errors import BadInput, Conflict
from ledger.integrity import merkle
from ledger.integrity.proofs import LogLeaves, StoredTree, TreeHead, head_of, read_leaves

FORMAT = "ledger-digest/1"
PRIVATE_NAME = "ledger-ed25519.key"
PUBLIC_NAME = "ledger-ed25519.pub"


# ---------------------------------------------------------------------- keys


def create_keys(directory: Path, *, force: bool = False) -> tuple[Path, Path, str]:
    """A new Ed25519 key pair: the private key readable by its owner only (0600)."""
    private, public = directory / PRIVATE_NAME, directory / PUBLIC_NAME
    if private.exists() and not force:
        raise Conflict(f"{private} exists already: keep it, or pass --force to replace it")
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    private.unlink(missing_ok=True)
    fd = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    os.chmod(private, 0o600)
    encoded = public_text(key.public_key())
    public.write_text(encoded + "\n", encoding="ascii")
    return private, public, encoded


def public_text(key: Ed25519PublicKey) -> str:
    """The publishable form: base64 of the 32 raw public-key bytes."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def load_private(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError:
        raise BadInput(f"no signing key at {path}: run `ledger keys create` first") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise BadInput(f"{path} is not an Ed25519 private key")
    return key


def load_public(text: str) -> Ed25519PublicKey:
    """A public key given as base64 of its raw bytes, or as PEM."""
    text = text.strip()
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_public_key(text.encode())
            if not isinstance(key, Ed25519PublicKey):
                raise ValueError("not Ed25519")
            return key
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))
    except ValueError as e:
        raise BadInput(f"not an Ed25519 public key: {e}") from None


# ---------------------------------------------------------------------- digests


def canonical(digest: dict[str, Any]) -> bytes:
    body = {k: v for k, v in digest.items() if k != "signature"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def sign(head: TreeHead, key: Ed25519PrivateKey, now: datetime | None = None) -> dict[str, Any]:
    digest: dict[str, Any] = {
        "format": FORMAT,
        "position": head.position,
        "treeSize": head.tree_size,
        "headHash": head.head_hash,
        "merkleRoot": head.merkle_root,
        "time": (now or datetime.now(UTC)).isoformat().replace("+00:00", "Z"),
        "publicKey": public_text(key.public_key()),
    }
    digest["signature"] = base64.b64encode(key.sign(canonical(digest))).decode()
    return digest


def make_digest(recorder: Any, key: Ed25519PrivateKey, on_progress=None) -> dict[str, Any]:
    """Sign the current log's tree head, computed from every stored leaf, read once.

    The proof cache is checked against the same leaves (and completed), so that proofs
    served later reproduce the signed root; a cache that disagrees is dropped.
    """
    leaves = read_leaves(recorder, on_progress=on_progress)
    tree = StoredTree(recorder, leaves=leaves)
    return sign(head_of(recorder, tree), key)


def load_digest(path: Path) -> dict[str, Any]:
    try:
        digest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise BadInput(f"cannot read the digest {path}: {e}") from None
    missing = {"format", "position", "treeSize", "headHash", "merkleRoot", "signature"} - set(
        digest
    )
    if not isinstance(digest, dict) or missing or digest.get("format") != FORMAT:
        raise BadInput(f"{path} is not a {FORMAT} digest (missing {sorted(missing)})")
    return digest


def signature_problem(digest: dict[str, Any], trusted: Ed25519PublicKey | None) -> str | None:
    """None when the digest is signed by `trusted` (or, unpinned, by the key it names)."""
    named = load_public(digest.get("publicKey", ""))
    if trusted is not None and public_text(trusted) != public_text(named):
        return "the digest was signed by another key than the trusted public key"
    try:
        named.verify(base64.b64decode(digest["signature"]), canonical(digest))
    except (InvalidSignature, ValueError):
        return "the digest's signature does not match its content"
    return None


@dataclass
class DigestCheck:
    ok: bool
    problem: str | None
    digest_position: int
    digest_tree_size: int
    current: TreeHead | None = None
    consistency_proof: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        out = {
            "ok": self.ok,
            "problem": self.problem,
            "digestPosition": self.digest_position,
            "digestTreeSize": self.digest_tree_size,
            "consistencyProof": self.consistency_proof,
        }
        if self.current:
            out["current"] = {_camel(k): v for k, v in asdict(self.current).items()}
        return out


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(w.title() for w in rest)


def check_log_extends(recorder: Any, digest: dict[str, Any], on_progress=None) -> DigestCheck:
    """Prove that the stored log extends the digested one (signature checked separately)."""
    m, position = int(digest["treeSize"]), int(digest["position"])
    leaves = read_leaves(recorder, on_progress=on_progress)
    tree = StoredTree(recorder, leaves=leaves, write_cache=False)  # hashes each leaf once
    current = head_of(recorder, tree)

    def fail(problem: str, proof: list[str] | None = None) -> DigestCheck:
        return DigestCheck(False, problem, position, m, current, proof or [])

    count = _count_upto(leaves, position)
    if count < m:
        return fail(
            f"the log lost events: the digest covers {m} events up to position {position}, "
            f"only {count} of them remain"
        )
    if count > m:
        return fail(
            f"events were inserted into history: the digest covers {m} events up to position "
            f"{position}, the log now has {count} there"
        )
    if m and leaves.positions[m - 1] != position:
        return fail(f"the event at position {position}, the digest's last, is gone")
    chain = recorder.select_chain(position, position) if position else []
    if position and (not chain or chain[0]["hash"] != digest["headHash"]):
        return fail(f"the chain hash at position {position} differs from the digest's head hash")
    proof = merkle.consistency_proof(tree.subtree, m, leaves.size)
    proof_hex = [p.hex() for p in proof]
    if not merkle.verify_consistency(
        m,
        leaves.size,
        bytes.fromhex(digest["merkleRoot"]),
        bytes.fromhex(current.merkle_root),
        proof,
    ):
        return fail(
            f"consistency proof failed: the log's first {m} events no longer hash to the "
            "digest's Merkle root (history up to the digest was changed)",
            proof_hex,
        )
    return DigestCheck(True, None, position, m, current, proof_hex)


def _count_upto(leaves: LogLeaves, position: int) -> int:
    return bisect_right(leaves.positions, position)
