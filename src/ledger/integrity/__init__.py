"""Tamper evidence: where the hash chain is written, checked, proved and carried.

- `chain`     hashes of an event (payload, RFC 6962 leaf, chain) and `verify_log`
- `recorder`  the event recorders that write the chain in the append transaction (both stores)
- `merkle`    RFC 9162 Merkle tree hashes, inclusion and consistency proofs
- `proofs`    proofs over the stored log (with a cache of subtree roots)
- `digest`    signed digests (Ed25519) and their checks
- `transfer`  export to JSON Lines and import into an empty store
"""

from ledger.integrity.chain import (
    GENESIS,
    Verification,
    canonical_leaf,
    chain_hash,
    leaf_hash,
    payload_hash,
    verify_log,
)
from ledger.integrity.recorder import ChainedPostgresRecorder, ChainedSQLiteRecorder

__all__ = [
    "GENESIS",
    "ChainedPostgresRecorder",
    "ChainedSQLiteRecorder",
    "Verification",
    "canonical_leaf",
    "chain_hash",
    "leaf_hash",
    "payload_hash",
    "verify_log",
]
