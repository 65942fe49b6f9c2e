"""GraphQL for inspectors' integrity checks: verification of the hash chain, the Merkle tree
head, and inclusion / consistency proofs that `tools/verify_proof.py` checks offline.

Proofs come from `StoredTree`: cached roots of 256-leaf chunks plus at most a few chunks of
leaves, so one proof reads about n/256 rows (the first proof after many new events also
fills the cache for them, once).
"""

from __future__ import annotations

import base64
from uuid import UUID

import strawberry
from strawberry.types import Info

from ledger.api.history import Verification
from ledger.domain.errors import BadInput, NotFound
from ledger.integrity import canonical_leaf, merkle, verify_log
from ledger.integrity.proofs import StoredTree, head_of
from ledger.permissions import outside_scope
from projections import event_index


@strawberry.type(description="the exact fields a leaf hash covers: SHA-256(0x00 || canonical)")
class ProofLeaf:
    position: int
    originator_id: str = strawberry.field(description="aggregate UUID, 32 hex digits")
    version: int
    topic: str
    payload_hash: str = strawberry.field(description="SHA-256 of the stored state bytes, hex")
    canonical: str = strawberry.field(
        description="JSON [position, originatorId, version, topic, payloadHash] as hashed"
    )


@strawberry.type(description="RFC 9162 inclusion proof of one event in a tree of treeSize leaves")
class InclusionProof:
    position: int
    leaf_index: int = strawberry.field(description="0-based index of the leaf in the tree")
    tree_size: int
    leaf: ProofLeaf
    leaf_hash: str
    audit_path: list[str] = strawberry.field(description="sibling hashes, leaf to root, hex")
    root: str = strawberry.field(description="Merkle root of the first treeSize leaves")
    stored_state: str | None = strawberry.field(
        description="the event's stored bytes, base64, so payloadHash can be recomputed"
    )


@strawberry.type(description="RFC 9162 consistency proof between two sizes of the tree")
class ConsistencyProof:
    first_size: int
    second_size: int
    first_root: str
    second_root: str
    path: list[str]


@strawberry.type(description="the log's current (unsigned) tree head; `ledger digest` signs one")
class TreeHead:
    position: int
    tree_size: int
    head_hash: str
    merkle_root: str


@strawberry.type
class IntegrityQueries:
    @strawberry.field(description="re-hash the whole stored log and name the first bad position")
    def verify_ledger(self, info: Info) -> Verification:
        v = verify_log(info.context.ledger.app.recorder)
        return Verification(
            ok=v.ok,
            checked_events=v.checked_events,
            head_position=v.head_position,
            head_hash=v.head_hash,
            first_bad_position=v.first_bad_position,
            problem=v.problem,
        )

    @strawberry.field(description="the Merkle tree head of the log as stored now")
    def tree_head(self, info: Info) -> TreeHead:
        recorder = info.context.ledger.app.recorder
        head = head_of(recorder, StoredTree(recorder))
        return TreeHead(
            position=head.position,
            tree_size=head.tree_size,
            head_hash=head.head_hash,
            merkle_root=head.merkle_root,
        )

    @strawberry.field(
        description="prove that the event at `position` is in the tree of `treeSize` leaves "
        "(a saved digest's treeSize; default: the current size)"
    )
    def inclusion_proof(
        self, info: Info, position: int, tree_size: int | None = None
    ) -> InclusionProof:
        recorder = info.context.ledger.app.recorder
        tree = StoredTree(recorder)
        size = tree.check_size(tree_size)
        index, _ = tree.locate(position)
        ctx = info.context
        if ctx.scoped:
            units = ctx.read(lambda tx: event_index.units_of_event(tx, position))
            if not ctx.any_in_scope(units):
                raise outside_scope(f"the event at position {position}")
        if index >= size:
            raise BadInput(f"the event at position {position} is not in a tree of size {size}")
        events = recorder.select_notifications(start=position, limit=1, stop=position)
        chains = recorder.select_chain(position, position)
        if not events or not chains:
            raise NotFound(f"the event at position {position} is missing: run `ledger verify`")
        event, chain = events[0], chains[0]
        row = ctx.read(lambda tx: event_index.event_at(tx, position))
        if row is not None:  # its stored bytes may carry personal case data
            ctx.access(*event_index.personal_entities(row))
        canonical = canonical_leaf(
            position,
            event.originator_id,
            event.originator_version,
            event.topic,
            bytes.fromhex(chain["payload_hash"]),
        )
        return InclusionProof(
            position=position,
            leaf_index=index,
            tree_size=size,
            leaf=ProofLeaf(
                position=position,
                originator_id=UUID(str(event.originator_id)).hex,
                version=event.originator_version,
                topic=event.topic,
                payload_hash=chain["payload_hash"],
                canonical=canonical.decode(),
            ),
            leaf_hash=chain["leaf_hash"],
            audit_path=[p.hex() for p in merkle.inclusion_path(tree.subtree, index, size)],
            root=tree.root(size).hex(),
            stored_state=base64.b64encode(event.state).decode(),
        )

    @strawberry.field(
        description="prove that the tree of `secondSize` leaves (default: now) extends the "
        "tree of `firstSize` leaves"
    )
    def consistency_proof(
        self, info: Info, first_size: int, second_size: int | None = None
    ) -> ConsistencyProof:
        tree = StoredTree(info.context.ledger.app.recorder)
        second = tree.check_size(second_size)
        if not 0 < first_size <= second:
            raise BadInput(f"firstSize must lie between 1 and {second}")
        return ConsistencyProof(
            first_size=first_size,
            second_size=second,
            first_root=tree.root(first_size).hex(),
            second_root=tree.root(second).hex(),
            path=[p.hex() for p in merkle.consistency_proof(tree.subtree, first_size, second)],
        )
