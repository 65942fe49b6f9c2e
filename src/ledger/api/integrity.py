"""GraphQL for inspectors' integrity checks: verification of the hash chain (digests and proofs
join here)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from ledger.api.history import Verification
from ledger.integrity import verify_log


@strawberry.type
class IntegrityQueries:
    @strawberry.field(description="re-hash the whole stored log and name the first bad position")
    def verify_ledger(self, info: Info) -> Verification:
        info.context.caller.may_read_events()
        v = verify_log(info.context.ledger.app.recorder)
        return Verification(
            ok=v.ok,
            checked_events=v.checked_events,
            head_position=v.head_position,
            head_hash=v.head_hash,
            first_bad_position=v.first_bad_position,
            problem=v.problem,
        )
