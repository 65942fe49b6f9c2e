#!/usr/bin/env python3
"""Check, offline, that one ledger event is in a signed digest of the ledger.

    python tools/verify_proof.py --digest digest.json --public-key ledger-ed25519.pub \
        --proof proof.json

digest.json   saved by `ledger digest --out digest.json` (kept outside the ledger)
public key    the ledger's published Ed25519 key: base64 of its 32 bytes, or PEM
proof.json    the answer to the `inclusionProof(position, treeSize)` GraphQL query (the
              whole response, or just its inclusionProof object)

Checks, and says which it made: the digest's signature with the trusted key; the leaf hash
rebuilt from the event's canonical fields; the payload hash from the event's stored bytes
(only when the proof carries `storedState`: otherwise the payload is reported NOT checked,
and --require-payload makes that a failure); the RFC 9162 inclusion of that leaf in the
digest's Merkle root. Only the standard library, plus `cryptography` for the Ed25519
signature. Exit 0 when all checks made hold, 1 if one fails or the input is not a proof (an
error response from the server, a missing field, unreadable JSON).
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


class Refused(Exception):
    """The input is not something to check (a file, or a proof, that is not one)."""


def check(digest: dict, public_key_text: str, proof: dict) -> tuple[list[str], list[str]]:
    """(problems, checks made): no problem means every check made holds."""
    from cryptography.exceptions import InvalidSignature

    problems: list[str] = []
    checked: list[str] = []
    trusted = load_public_key(public_key_text)
    named = base64.b64decode(digest.get("publicKey", ""))
    if named != raw(trusted):
        problems.append("the digest names another public key than the trusted one")
    try:
        trusted.verify(base64.b64decode(digest["signature"]), canonical_digest(digest))
    except (InvalidSignature, ValueError):
        problems.append("the digest's signature does not verify with the trusted key")
    checked.append("the digest's signature, with the trusted public key")

    leaf = proof["leaf"]
    if proof["treeSize"] != digest["treeSize"] or proof["root"] != digest["merkleRoot"]:
        problems.append("the proof is not against this digest (tree size or root differ)")
    if leaf["position"] != proof["position"] or proof["position"] > digest["position"]:
        problems.append("the proof's position is inconsistent or after the digest's position")
    if proof.get("storedState") is not None:
        state = base64.b64decode(proof["storedState"], validate=True)
        if sha256(state).hex() != leaf["payloadHash"]:
            problems.append("the event's stored bytes do not match its payload hash")
        checked.append("the event's stored bytes (storedState), against its payload hash")
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
    checked.append("the leaf hash, rebuilt from position, entity, version, topic, payload hash")
    path = [bytes.fromhex(h) for h in proof["auditPath"]]
    if not verify_inclusion(
        proof["leafIndex"], digest["treeSize"], leaf_hash, path, bytes.fromhex(digest["merkleRoot"])
    ):
        problems.append("the audit path does not lead from the leaf to the digest's Merkle root")
    checked.append(
        f"the leaf's inclusion in the digest's Merkle root ({len(path)} audit-path hashes)"
    )
    return problems, checked


def load_json(path: str, what: str) -> object:
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except OSError as e:
        raise Refused(f"cannot read the {what} {path}: {e.strerror}") from None
    except ValueError as e:
        raise Refused(f"the {what} {path} is not JSON: {e}") from None


def the_proof(document: object) -> dict:
    """The inclusionProof object of a GraphQL response (or the object itself); an error
    response, or anything else, is refused naming what it holds."""
    if not isinstance(document, dict):
        raise Refused(f"the proof file holds a JSON {type(document).__name__}, not an object")
    errors = document.get("errors")
    data = document.get("data", document)
    proof = data.get("inclusionProof", data) if isinstance(data, dict) else None
    if errors or not isinstance(proof, dict) or "leaf" not in proof:
        if errors and isinstance(errors, list):
            first = errors[0] if isinstance(errors[0], dict) else {}
            code = (first.get("extensions") or {}).get("code", "?")
            raise Refused(
                f"the proof file is the server's error response, not a proof: {code}: "
                f"{first.get('message', '')}"
            )
        raise Refused("the proof file holds no inclusionProof (ask the inclusionProof query)")
    return proof


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--digest", required=True, help="digest JSON saved by `ledger digest`")
    parser.add_argument("--public-key", required=True, help="trusted Ed25519 public key file")
    parser.add_argument("--proof", required=True, help="inclusionProof JSON (GraphQL answer)")
    parser.add_argument(
        "--require-payload",
        action="store_true",
        help="fail when the proof carries no storedState (the payload could not be checked)",
    )
    args = parser.parse_args(argv)
    try:
        digest = load_json(args.digest, "digest")
        if not isinstance(digest, dict):
            raise Refused(f"the digest {args.digest} is not a digest object")
        try:
            with open(args.public_key, encoding="ascii") as f:
                key_text = f.read()
        except (OSError, UnicodeDecodeError) as e:
            raise Refused(f"cannot read the public key {args.public_key}: {e}") from None
        proof = the_proof(load_json(args.proof, "proof"))
        try:
            problems, checked = check(digest, key_text, proof)
        except KeyError as e:
            raise Refused(f"a field is missing: {e.args[0]!r}") from None
        except (TypeError, ValueError, AttributeError) as e:
            raise Refused(f"malformed input: {e}") from None
    except Refused as e:
        print(f"FAIL: {e}", file=sys.stderr)
        return 1
    for item in checked:
        print(f"checked: {item}")
    payload = proof.get("storedState") is not None
    if not payload:
        print(
            "NOT checked: the event's payload (the proof carries no storedState; ask for it "
            "in the inclusionProof query)"
        )
    if problems:
        for p in problems:
            print(f"FAIL: {p}", file=sys.stderr)
        return 1
    if not payload and args.require_payload:
        print("FAIL: the payload was not checked (--require-payload)", file=sys.stderr)
        return 1
    print(
        f"OK{'' if payload else ' (payload NOT checked)'}: the event at position "
        f"{proof['position']} is leaf {proof['leafIndex']} of the log of {digest['treeSize']} "
        f"events signed at {digest['time']} (root {digest['merkleRoot'][:16]}…)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
