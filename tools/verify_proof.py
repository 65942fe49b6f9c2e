#!/usr/bin/env python3
"""Check, offline, that one ledger event is in a signed digest of the ledger.

    python tools/verify_proof.py --digest digest.json --public-key ledger-ed25519.pub \
        --proof proof.json

digest.json   saved by `ledger digest --out digest.json` (kept outside the ledger)
public key    the ledger's published Ed25519 key: base64 of its 32 bytes, or PEM
proof.json    the answer to the `inclusionProof(position, treeSize)` GraphQL query (the
              whole response, or just its inclusionProof object)

Checks: the digest's signature with the trusted key; the leaf hash rebuilt from the
event's canonical fields (and the payload hash from its stored bytes, when included);
the RFC 9162 inclusion of that leaf in the digest's Merkle root. Only the standard
library, plus `cryptography` for the Ed25519 signature. Exit 0 when all hold, 1 if not.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def node(left: bytes, right: bytes) -> bytes:
    return sha256(b"\x01" + left + right)


def verify_inclusion(index: int, size: int, leaf: bytes, path: list[bytes], root: bytes) -> bool:
    """RFC 9162, section 2.1.3.2."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def canonical_digest(digest: dict) -> bytes:
    body = {k: v for k, v in digest.items() if k != "signature"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def load_public_key(text: str):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    text = text.strip()
    if text.startswith("-----BEGIN"):
        return serialization.load_pem_public_key(text.encode())
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))


def raw(key) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def check(digest: dict, public_key_text: str, proof: dict) -> list[str]:
    """Every problem found; none means the event is proven to be in the signed log."""
    from cryptography.exceptions import InvalidSignature

    problems = []
    trusted = load_public_key(public_key_text)
    named = base64.b64decode(digest.get("publicKey", ""))
    if named != raw(trusted):
        problems.append("the digest names another public key than the trusted one")
    try:
        trusted.verify(base64.b64decode(digest["signature"]), canonical_digest(digest))
    except (InvalidSignature, ValueError):
        problems.append("the digest's signature does not verify with the trusted key")

    leaf = proof["leaf"]
    if proof["treeSize"] != digest["treeSize"] or proof["root"] != digest["merkleRoot"]:
        problems.append("the proof is not against this digest (tree size or root differ)")
    if leaf["position"] != proof["position"] or proof["position"] > digest["position"]:
        problems.append("the proof's position is inconsistent or after the digest's position")
    if proof.get("storedState") is not None:
        state = base64.b64decode(proof["storedState"], validate=True)
        if sha256(state).hex() != leaf["payloadHash"]:
            problems.append("the event's stored bytes do not match its payload hash")
    canonical = json.dumps(
        [
            leaf["position"],
            leaf["originatorId"],
            leaf["version"],
            leaf["topic"],
            leaf["payloadHash"],
        ],
        separators=(",", ":"),
    ).encode()
    leaf_hash = sha256(b"\x00" + canonical)
    if leaf_hash.hex() != proof["leafHash"]:
        problems.append("the leaf hash does not match the event's canonical fields")
    path = [bytes.fromhex(h) for h in proof["auditPath"]]
    if not verify_inclusion(
        proof["leafIndex"], digest["treeSize"], leaf_hash, path, bytes.fromhex(digest["merkleRoot"])
    ):
        problems.append("the audit path does not lead from the leaf to the digest's Merkle root")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--digest", required=True, help="digest JSON saved by `ledger digest`")
    parser.add_argument("--public-key", required=True, help="trusted Ed25519 public key file")
    parser.add_argument("--proof", required=True, help="inclusionProof JSON (GraphQL answer)")
    args = parser.parse_args(argv)
    with open(args.digest, encoding="utf-8") as f:
        digest = json.load(f)
    with open(args.public_key, encoding="ascii") as f:
        key_text = f.read()
    with open(args.proof, encoding="utf-8") as f:
        proof = json.load(f)
    proof = proof.get("data", proof)
    proof = proof.get("inclusionProof", proof)
    try:
        problems = check(digest, key_text, proof)
    except (KeyError, TypeError, ValueError) as e:
        problems = [f"malformed input: {e!r}"]
    if problems:
        for p in problems:
            print(f"FAIL: {p}", file=sys.stderr)
        return 1
    print(
        f"OK: the event at position {proof['position']} is leaf {proof['leafIndex']} of the "
        f"log of {digest['treeSize']} events signed at {digest['time']} "
        f"(root {digest['merkleRoot'][:16]}…)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
