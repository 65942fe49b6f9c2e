"""The Merkle tree follows RFC 6962/9162: Certificate Transparency's reference vectors, and
proofs that verify (and fail when altered) for random tree sizes, from memory and from the
chunk cache over a real store."""

from __future__ import annotations

import importlib.util
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_integrity_support import ROOT, register_people

from ledger.integrity import merkle
from ledger.integrity.proofs import StoredTree, read_leaves

# RFC 6962 test inputs and the expected values from the CT reference implementation
# (transparency-dev/merkle proof/verify_test.go, rfc6962 tests).
INPUTS = [
    bytes.fromhex(h)
    for h in [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
]
ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
INCLUSION = [  # (1-based leaf, tree size, path)
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (3, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        2,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
CONSISTENCY = [  # (size1, size2, proof)
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]

TREE = merkle.LeafList([merkle.leaf_of(d) for d in INPUTS])


def _offline_verifier():
    spec = importlib.util.spec_from_file_location(
        "verify_proof", ROOT / "tools" / "verify_proof.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def naive_mth(leaves: list[bytes]) -> bytes:
    """RFC 9162 section 2.1.1, word for word (recursive, for reference only)."""
    if not leaves:
        return merkle.EMPTY_ROOT
    if len(leaves) == 1:
        return leaves[0]
    k = merkle.split(len(leaves))
    return merkle.node(naive_mth(leaves[:k]), naive_mth(leaves[k:]))


def leaves_for(n: int, seed: int = 0) -> list[bytes]:
    """Distinct leaves (a proof for one leaf must not verify at another index; two equal
    leaves side by side would make it verify legitimately)."""
    rng = random.Random(seed)
    return [
        merkle.leaf_of(i.to_bytes(4, "big") + rng.randbytes(rng.randint(0, 20))) for i in range(n)
    ]


def test_the_empty_tree_hashes_to_sha256_of_nothing():
    assert merkle.LeafList(b"").root().hex() == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )


@pytest.mark.parametrize("size", range(1, 9))
def test_roots_of_the_ct_reference_tree_match_rfc6962_vectors(size):
    assert TREE.root(size).hex() == ROOTS[size - 1]


@pytest.mark.parametrize(("leaf", "size", "path"), INCLUSION)
def test_inclusion_paths_match_the_ct_reference_vectors(leaf, size, path):
    got = merkle.inclusion_path(TREE.subtree, leaf - 1, size)
    assert [p.hex() for p in got] == path
    root = bytes.fromhex(ROOTS[size - 1])
    assert merkle.verify_inclusion(leaf - 1, size, TREE.leaf(leaf - 1), got, root)
    offline = _offline_verifier()
    assert offline.verify_inclusion(leaf - 1, size, TREE.leaf(leaf - 1), got, root)


@pytest.mark.parametrize(("first", "second", "proof"), CONSISTENCY)
def test_consistency_proofs_match_the_ct_reference_vectors(first, second, proof):
    got = merkle.consistency_proof(TREE.subtree, first, second)
    assert [p.hex() for p in got] == proof
    assert merkle.verify_consistency(
        first, second, bytes.fromhex(ROOTS[first - 1]), bytes.fromhex(ROOTS[second - 1]), got
    )


def test_a_tree_of_size_zero_is_consistent_with_any_and_time_does_not_run_backwards():
    root = TREE.root(5)
    assert merkle.verify_consistency(0, 5, merkle.EMPTY_ROOT, root, [])
    assert not merkle.verify_consistency(5, 4, root, TREE.root(4), [])
    assert not merkle.verify_consistency(4, 5, TREE.root(4), root, [])  # an empty proof


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 300), st.data())
def test_inclusion_proofs_verify_for_random_sizes_and_fail_when_altered(n, data):
    leaves = leaves_for(n, n)
    tree = merkle.LeafList(leaves)
    root = tree.root()
    assert root == naive_mth(leaves)
    i = data.draw(st.integers(0, n - 1))
    path = merkle.inclusion_path(tree.subtree, i, n)
    assert merkle.verify_inclusion(i, n, leaves[i], path, root)
    assert not merkle.verify_inclusion(i, 2 * n, leaves[i], path, root)  # the CT probes
    assert n == 1 or not merkle.verify_inclusion(i, n // 2, leaves[i], path, root)
    assert not merkle.verify_inclusion(i, n, merkle.leaf_of(b"forged"), path, root)
    if n > 1:
        assert not merkle.verify_inclusion((i + 1) % n, n, leaves[i], path, root)
        j = data.draw(st.integers(0, len(path) - 1))
        bent = [*path]
        bent[j] = bytes([bent[j][0] ^ 1]) + bent[j][1:]
        assert not merkle.verify_inclusion(i, n, leaves[i], bent, root)
        assert not merkle.verify_inclusion(i, n, leaves[i], path[:-1], root)
        assert not merkle.verify_inclusion(i, n, leaves[i], [*path, root], root)


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 300), st.data())
def test_consistency_proofs_verify_for_random_sizes_and_fail_on_a_changed_past(n, data):
    leaves = leaves_for(n, n + 1)
    m = data.draw(st.integers(1, n))
    tree = merkle.LeafList(leaves)
    old_root = naive_mth(leaves[:m])
    proof = merkle.consistency_proof(tree.subtree, m, n)
    assert merkle.verify_consistency(m, n, old_root, tree.root(), proof)
    if m < n:
        changed = [*leaves]
        k = data.draw(st.integers(0, m - 1))
        changed[k] = merkle.leaf_of(b"rewritten")
        new = merkle.LeafList(changed)
        forged = merkle.consistency_proof(new.subtree, m, n)
        assert not merkle.verify_consistency(m, n, old_root, new.root(), forged)
        bent = [*proof]
        bent[0] = bytes([bent[0][0] ^ 1]) + bent[0][1:]
        assert not merkle.verify_consistency(m, n, old_root, tree.root(), bent)


def test_a_million_leaves_hash_in_linear_time():
    """Guards against a quadratic root: 2^20 leaves in one pass (about a second)."""
    tree = merkle.LeafList(bytes(32) * (1 << 20))
    expected = bytes(32)
    for _ in range(20):  # a perfect tree of equal leaves: one hash per level
        expected = merkle.node(expected, expected)
    assert tree.root() == expected


def test_the_chunk_cache_over_the_store_serves_the_same_tree_as_the_leaves(ledger):
    head = register_people(ledger.app, 70)
    leaves = read_leaves(ledger.app.recorder)
    assert leaves.size == head
    for width in (4, 8, 256):
        cold = StoredTree(ledger.app.recorder, width=width)
        warm = StoredTree(ledger.app.recorder, width=width)  # served from the stored chunks
        assert len(warm.chunks) == head // width
        for tree in (cold, warm):
            assert tree.size == head
            for size in (1, 7, 8, 33, head):
                assert tree.root(size) == leaves.tree.root(size)
                for i in {0, size // 2, size - 1}:
                    assert merkle.inclusion_path(tree.subtree, i, size) == merkle.inclusion_path(
                        leaves.tree.subtree, i, size
                    )
                for m in {1, size // 3 or 1, size}:
                    assert merkle.consistency_proof(tree.subtree, m, size) == (
                        merkle.consistency_proof(leaves.tree.subtree, m, size)
                    )
            assert tree.locate(leaves.positions[41]) == (41, leaves.positions[41])


def test_a_digest_repairs_a_proof_cache_that_disagrees_with_the_stored_leaves(ledger):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from ledger.integrity.digest import make_digest

    recorder = ledger.app.recorder
    head = register_people(ledger.app, 600)
    fresh = read_leaves(recorder).tree.root()
    assert StoredTree(recorder).root(head) == fresh  # fills two 256-leaf chunks
    with recorder.chain_tx(commit=True) as tx:
        tx.execute("UPDATE {chunks} SET root = ? WHERE width = 256 AND chunk = 1", ("00" * 32,))
    assert StoredTree(recorder).root(head) != fresh  # proofs would no longer verify

    digest = make_digest(recorder, Ed25519PrivateKey.generate())
    assert digest["merkleRoot"] == fresh.hex()
    assert StoredTree(recorder).root(head) == fresh
