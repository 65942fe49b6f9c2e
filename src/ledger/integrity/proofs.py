"""The Merkle tree over the stored log: tree heads, inclusion and consistency proofs.

Leaf i (0-based) is the leaf hash of the i-th chain row in position order. PostgreSQL may
leave gaps in positions, so a leaf's index and its position can differ; the position is
inside the leaf hash, so a proof still names its event unambiguously.

Two ways to the subtree hashes, by what the caller can afford:
- from every leaf (`read_leaves`, then `StoredTree(leaves=...)`): digests and `verify
  --digest` trust nothing but the stored rows: O(n) rows, O(n) hashes, 32 bytes per event.
- from the cache (`StoredTree(recorder)`): roots of complete aligned chunks of `width`
  leaves kept in `ledger_merkle_chunks` (filled once, then only for new chunks), so a proof
  for one event reads ~n/width chunk roots plus a few chunks of leaves (GraphQL proofs).
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ledger.domain.errors import BadInput, NotFound
from ledger.integrity import merkle

WIDTH = 256
PAGE = 16384


@dataclass(frozen=True)
class TreeHead:
    """The log at one moment: its last position, the chain hash there, and its Merkle root."""

    position: int
    tree_size: int
    head_hash: str
    merkle_root: str


@dataclass
class LogLeaves:
    positions: array
    tree: merkle.LeafList

    @property
    def size(self) -> int:
        return self.tree.size


def _leaf_rows(recorder: Any, after: int, limit: int) -> list[tuple[int, str]]:
    """(position, leaf hash hex) of the next `limit` chain rows after position `after`."""
    return recorder.fetch_tuples(
        "SELECT position, leaf_hash FROM {chain} WHERE position > ? ORDER BY position LIMIT ?",
        (after, limit),
    )


def _leaves(rows: list[tuple[int, str]]) -> merkle.LeafList:
    return merkle.LeafList(bytes.fromhex("".join(r[1] for r in rows)))


def read_leaves(recorder: Any, on_progress: Callable[[int], None] | None = None) -> LogLeaves:
    """Every leaf hash of the log, in one pass."""
    positions, parts, after = array("q"), [], 0
    while True:
        rows = _leaf_rows(recorder, after, PAGE)
        positions.extend(r[0] for r in rows)
        parts.append(bytes.fromhex("".join(r[1] for r in rows)))
        if len(rows) < PAGE:
            break
        after = rows[-1][0]
        if on_progress:
            on_progress(after)
    return LogLeaves(positions, merkle.LeafList(b"".join(parts)))


def head_of(recorder: Any, tree: StoredTree) -> TreeHead:
    """The tree head of exactly this tree (the chain hash read at its last position)."""
    if not tree.size:
        return TreeHead(0, 0, bytes(32).hex(), merkle.EMPTY_ROOT.hex())
    position = tree.position_of(tree.size - 1)
    row = recorder.select_chain(position, position)
    return TreeHead(position, tree.size, row[0]["hash"], tree.root(tree.size).hex())


@dataclass(frozen=True)
class _Chunk:
    last_position: int
    root: bytes


class StoredTree:
    """The tree over the log as it is when constructed, served from cached chunk roots.

    Given `leaves` (every leaf, read once), it hashes each chunk from memory instead, checks
    the cache against them (a cache that disagrees is dropped) and, with `write_cache`,
    stores the chunks it lacked: a digest then costs one read and one hash of each leaf.
    """

    def __init__(
        self,
        recorder: Any,
        width: int = WIDTH,
        *,
        leaves: LogLeaves | None = None,
        write_cache: bool = True,
    ):
        assert width & (width - 1) == 0, "chunk width must be a power of two"
        self.recorder, self.width, self.leaves = recorder, width, leaves
        self.write_cache = write_cache
        self.chunks: list[_Chunk] = []
        self.cache_agreed = True
        self._leaves: dict[int, tuple[list[int], merkle.LeafList]] = {}
        if leaves is None:
            self._load()
        else:
            self._from_memory(leaves)

    # ------------------------------------------------------------------ the cache

    def _cached(self) -> list[_Chunk]:
        rows = self.recorder.fetch(
            "SELECT chunk, last_position, root FROM {chunks} WHERE width = ? ORDER BY chunk",
            (self.width,),
        )
        chunks = []
        for i, r in enumerate(rows):
            if r["chunk"] != i:
                break  # only a gap-free prefix is trusted; the rest is recomputed
            chunks.append(_Chunk(r["last_position"], bytes.fromhex(r["root"])))
        return chunks

    def _load(self) -> None:
        self.chunks = self._cached()
        while True:  # extend with every complete chunk the log now has
            after = self.chunks[-1].last_position if self.chunks else 0
            rows = _leaf_rows(self.recorder, after, PAGE)
            complete = len(rows) // self.width
            new = []
            for c in range(complete):
                part = rows[c * self.width : (c + 1) * self.width]
                new.append(_Chunk(part[-1][0], _leaves(part).root()))
            self._store(len(self.chunks), new)
            self.chunks.extend(new)
            if len(rows) < PAGE:
                tail = rows[complete * self.width :]
                self._leaves[len(self.chunks)] = ([r[0] for r in tail], _leaves(tail))
                self.size = len(self.chunks) * self.width + len(tail)
                return

    def _from_memory(self, leaves: LogLeaves) -> None:
        w, tree = self.width, leaves.tree
        self.chunks = [
            _Chunk(leaves.positions[(c + 1) * w - 1], tree.subtree(c * w, (c + 1) * w))
            for c in range(leaves.size // w)
        ]
        self.size = leaves.size
        cached = self._cached()
        self.cache_agreed = all(a == b for a, b in zip(cached, self.chunks, strict=False))
        if self.write_cache:
            if not self.cache_agreed:
                self.clear_cache(self.recorder)
                cached = []
            self._store(len(cached), self.chunks[len(cached) :])

    def _store(self, first: int, chunks: list[_Chunk]) -> None:
        if not chunks or not self.write_cache:
            return
        with self.recorder.chain_tx(commit=True) as tx:
            tx.executemany(
                "INSERT INTO {chunks} (width, chunk, last_position, root) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (width, chunk) DO NOTHING",
                [
                    (self.width, first + i, c.last_position, c.root.hex())
                    for i, c in enumerate(chunks)
                ],
            )

    @staticmethod
    def clear_cache(recorder: Any) -> None:
        with recorder.chain_tx(commit=True) as tx:
            tx.execute("DELETE FROM {chunks}")

    def _chunk_leaves(self, c: int) -> tuple[list[int], merkle.LeafList]:
        if c not in self._leaves:
            w = self.width
            if self.leaves is not None:
                lo, hi = c * w, min((c + 1) * w, self.leaves.size)
                self._leaves[c] = (
                    list(self.leaves.positions[lo:hi]),
                    merkle.LeafList(self.leaves.tree.buf[32 * lo : 32 * hi]),
                )
            else:
                after = self.chunks[c - 1].last_position if c else 0
                rows = _leaf_rows(self.recorder, after, w)
                self._leaves[c] = ([r[0] for r in rows], _leaves(rows))
        return self._leaves[c]

    # ------------------------------------------------------------------ the tree

    def subtree(self, lo: int, hi: int) -> bytes:
        """MTH(D[lo:hi]) for the ranges RFC 9162's recursion asks for (aligned, see below).

        A range of at most `width` leaves never straddles two chunks (its start is a multiple
        of the smallest power of two >= its length), and a larger one splits at a multiple
        of `width`, so cached chunk roots and one chunk's leaves are all that is ever read.
        """
        w = self.width
        if hi - lo > w:
            k = merkle.split(hi - lo)
            return merkle.node(self.subtree(lo, lo + k), self.subtree(lo + k, hi))
        c = lo // w
        if hi - lo == w and c < len(self.chunks):
            return self.chunks[c].root
        _, leaves = self._chunk_leaves(c)
        return leaves.subtree(lo - c * w, hi - c * w)

    def root(self, size: int) -> bytes:
        return merkle.root_of(self.subtree, size)

    def locate(self, position: int) -> tuple[int, int]:
        """(leaf index, position) of the event at `position`."""
        c = bisect_left([ch.last_position for ch in self.chunks], position)
        positions, _ = self._chunk_leaves(c)
        i = bisect_left(positions, position)
        if i == len(positions) or positions[i] != position:
            raise NotFound(f"no event at position {position}")
        return c * self.width + i, position

    def position_of(self, index: int) -> int:
        positions, _ = self._chunk_leaves(index // self.width)
        return positions[index % self.width]

    def check_size(self, tree_size: int | None) -> int:
        size = self.size if tree_size is None else tree_size
        if not 0 < size <= self.size:
            raise BadInput(f"treeSize must lie between 1 and the log's size {self.size}")
        return size
