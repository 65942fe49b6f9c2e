"""GraphQL types for responsibility lists (责任清单)."""

from __future__ import annotations

from datetime import date, datetime

import strawberry
from strawberry.types import Info

from ledger import commands
from ledger.api.inputs import graphql_enum
from ledger.api.mutations import mutation
from ledger.api.organisation import Person, Unit, load_person, load_unit
from projections import responsibility as resp

ResponsibilityKind = graphql_enum(
    "ResponsibilityKind", description="Which of the four responsibilities an item carries."
)


ResponsibilityArea = graphql_enum("ResponsibilityArea")


@strawberry.type
class ResponsibilityItem:
    id: strawberry.ID
    kind: ResponsibilityKind
    area: ResponsibilityArea
    title: str
    valid_from: date
    valid_to: date | None
    row: strawberry.Private[resp.HoldingRow]
    peers: strawberry.Private[tuple[resp.HoldingRow, ...]]

    @strawberry.field
    def holder(self, info: Info) -> Person:
        return load_person(info, self.row.holder_id, [p.holder_id for p in self.peers])

    @strawberry.field(description="Units this item covers (the 分管 scope).")
    def scope(self, info: Info) -> list[Unit]:
        unit_ids = (
            info.context.batch(
                "scope",
                (),
                [p.item_id for p in self.peers],
                self.row.item_id,
                lambda tx, ids: resp.scopes(tx, ids),
            )
            or []
        )
        visible = [i for i in unit_ids if info.context.in_scope(i)]
        return [u for u in (load_unit(info, i, visible) for i in visible) if u]


def items_from(rows: list[resp.HoldingRow]) -> list[ResponsibilityItem]:
    peers = tuple(rows)
    return [
        ResponsibilityItem(
            id=strawberry.ID(r.item_id),
            kind=ResponsibilityKind(r.kind),
            area=ResponsibilityArea(r.area),
            title=r.title,
            valid_from=date.fromisoformat(r.valid_from),
            valid_to=date.fromisoformat(r.valid_to) if r.valid_to else None,
            row=r,
            peers=peers,
        )
        for r in rows
    ]


@strawberry.type(
    description="责任清单 — one person's responsibility list as it stood on `asOf`, "
    "as recorded by `knownAt`."
)
class ResponsibilityList:
    holder: Person
    as_of: date
    known_at: datetime
    items: list[ResponsibilityItem]


# ---------------------------------------------------------------------- mutations


@strawberry.type
class ResponsibilityMutations:
    assign_responsibility = mutation(commands.AssignResponsibility)
    transfer_responsibility = mutation(commands.TransferResponsibility)
    end_responsibility = mutation(commands.EndResponsibility)
    correct_responsibility = mutation(commands.CorrectResponsibility)
