"""GraphQL types for the organisation: units, people and posts."""

from __future__ import annotations

from datetime import date, datetime

import strawberry
from graphql import FieldNode, InlineFragmentNode
from strawberry.types import Info

from ledger import commands
from ledger.api.context import as_of_text
from ledger.api.inputs import graphql_enum
from ledger.api.mutations import mutation
from ledger.permissions import outside_scope
from projections import organisation as org

UnitKind = graphql_enum("UnitKind", description="The kind of a unit in an organ's tree.")


PostRole = graphql_enum("PostRole", description="The role of a post in a unit.")


@strawberry.type
class Unit:
    id: strawberry.ID
    name: str
    kind: UnitKind
    depth: int = strawberry.field(
        description="0 for the root of the tree (an organ, or the working committee above "
        "organs), 1 for its children, ..."
    )
    short_name: str | None = strawberry.field(description="简称, e.g. 省发改委")
    row: strawberry.Private[org.UnitRow]
    peers: strawberry.Private[tuple[org.UnitRow, ...]]

    @strawberry.field
    def parent(self, info: Info) -> Unit | None:
        if self.row.parent_id is None:
            return None
        return load_unit(info, self.row.parent_id, [p.parent_id for p in self.peers])

    @strawberry.field
    def root(self, info: Info) -> Unit:
        """The unit at the root of this unit's tree: its organ, or the working committee
        above the organs."""
        return load_unit(info, self.row.root_id, [p.root_id for p in self.peers])

    @strawberry.field
    def organ(self, info: Info) -> Unit | None:
        """The organ this unit belongs to (itself for an organ; null above the organs): the
        top level of its 一案双查 chains, where 主体责任 sits."""
        if self.row.organ_id is None:
            return None
        return load_unit(info, self.row.organ_id, [p.organ_id for p in self.peers])

    @strawberry.field
    def children(self, info: Info) -> list[Unit]:
        rows = info.context.batch(
            "children",
            (),
            [p.unit_id for p in self.peers],
            self.row.unit_id,
            lambda tx, ids: org.children_of(tx, ids),
        )
        visible = [r for r in rows if info.context.in_scope(r.unit_id)]
        return units_from(visible, info.context.level("children"))

    @strawberry.field(description="Post holders of this unit in effect on `asOf` (default: today).")
    def posts(
        self, info: Info, as_of: date | None = None, known_at: datetime | None = None
    ) -> list[Post]:
        peers = [p.unit_id for p in self.peers]
        return posts_of(info, "unit_id", peers, self.row.unit_id, as_of, known_at)


@strawberry.type
class Person:
    id: strawberry.ID
    name: str
    peers: strawberry.Private[tuple[str, ...]]

    @strawberry.field
    def posts(
        self, info: Info, as_of: date | None = None, known_at: datetime | None = None
    ) -> list[Post]:
        return posts_of(info, "person_id", list(self.peers), str(self.id), as_of, known_at)


@strawberry.type
class Post:
    role: PostRole
    from_: date = strawberry.field(name="from")
    to: date | None = strawberry.field(description="null while the post is held")
    row: strawberry.Private[org.PostRow]
    peers: strawberry.Private[tuple[org.PostRow, ...]]
    # Loaded with the posts, for all of them at once, when the document asks for it (a
    # field without a resolver of its own: a dozen holders cost one read, not a dozen
    # resolver calls); None only where the document does not ask for it.
    person: Person = strawberry.field(default=None)

    @strawberry.field
    def unit(self, info: Info) -> Unit:
        return load_unit(info, self.row.unit_id, [p.unit_id for p in self.peers])


# ---------------------------------------------------------------------- construction


def units_from(rows: list[org.UnitRow], peers: tuple[org.UnitRow, ...] = ()) -> list[Unit]:
    """Units whose related fields load together with `peers` (default: these rows)."""
    peers = peers or tuple(rows)
    return [
        Unit(
            id=strawberry.ID(r.unit_id),
            name=r.name,
            kind=UnitKind(r.kind),
            depth=r.depth,
            short_name=r.short_name,
            row=r,
            peers=peers,
        )
        for r in rows
    ]


def persons_from(rows: list[org.PersonRow], peers: tuple[str, ...] | None = None) -> list[Person]:
    peers = peers or tuple(r.person_id for r in rows)
    return [Person(id=strawberry.ID(r.person_id), name=r.name, peers=peers) for r in rows]


def posts_from(
    rows: list[org.PostRow],
    peers: tuple[org.PostRow, ...] = (),
    info: Info | None = None,
    asked: bool | None = None,
) -> list[Post]:
    """Posts whose related fields load together with `peers` (default: these rows); their
    holders loaded at once when the document asks for them (`asked`, else read from `info`)."""
    peers = peers or tuple(rows)
    if info is not None and (asked if asked is not None else asks_for(info, "person")):
        holders = tuple(dict.fromkeys(p.person_id for p in peers))
        found = info.context.batch_many(
            "person", (), holders, [r.person_id for r in rows], org.persons_by_id
        )
        persons = {
            pid: Person(id=strawberry.ID(row.person_id), name=row.name, peers=holders)
            for pid, row in found.items()
            if row is not None
        }
    else:
        persons = {}
    return [
        Post(
            role=PostRole(r.role),
            from_=date.fromisoformat(r.valid_from),
            to=date.fromisoformat(r.valid_to) if r.valid_to else None,
            row=r,
            peers=peers,
            person=persons.get(r.person_id),  # type: ignore[arg-type]
        )
        for r in rows
    ]


def asks_for(info: Info, name: str) -> bool:
    """Does the selection of the field being resolved ask for `name` directly (or maybe:
    through a fragment spread, which counts as yes)?"""

    def mentions(selection_set) -> bool:  # type: ignore[no-untyped-def]
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                if selection.name.value == name:
                    return True
            elif isinstance(selection, InlineFragmentNode):
                if mentions(selection.selection_set):
                    return True
            else:  # a fragment spread: not followed here, so assume it does
                return True
        return False

    return any(mentions(node.selection_set) for node in info._raw_info.field_nodes)


def posts_of(
    info: Info,
    column: str,
    peers: list[str],
    key: str,
    as_of: date | None,
    known_at: datetime | None,
) -> list[Post]:
    """The posts of one unit or person (`column`), loaded for all its peers at once."""
    day, position = as_of_text(as_of), info.context.position(known_at)
    ctx = info.context
    asked = asks_for(info, "person")

    def load(tx, ids: list[str]) -> dict[str, list[org.PostRow]]:  # type: ignore[no-untyped-def]
        if not asked:
            return org.posts_by(tx, column, ids, day, position)
        posts, holders = org.posts_with_holders(tx, column, ids, day, position)
        ctx.remember("person", (), holders)  # Post.person finds them without another read
        return posts

    rows = ctx.batch(column, (day, position), peers, key, load)
    visible = [r for r in rows if ctx.in_scope(r.unit_id)]  # posts in the token's units only
    return posts_from(visible, ctx.level(column, (day, position)), info, asked)


def load_unit(info: Info, unit_id: str, peers: list[str | None]) -> Unit | None:
    row = info.context.batch("unit", (), peers, unit_id, lambda tx, ids: org.units_by_id(tx, ids))
    return units_from([row], info.context.level("unit"))[0] if row else None


def check_person_scope(info: Info, person_id: str) -> None:
    """A person is in a scoped token's view when they held a post in its units (at any time,
    as recorded now); anyone else is refused as if they did not exist."""
    ctx = info.context
    if ctx.scoped:
        units = ctx.read(lambda tx: org.units_of_person(tx, person_id))
        if not ctx.any_in_scope(units):
            raise outside_scope(f"person {person_id}")


def load_person(info: Info, person_id: str, peers: list[str]) -> Person | None:
    row = info.context.batch(
        "person", (), peers, person_id, lambda tx, ids: org.persons_by_id(tx, ids)
    )
    return persons_from([row], tuple(peers))[0] if row else None


# ---------------------------------------------------------------------- mutations


@strawberry.type
class OrganisationMutations:
    register_unit = mutation(commands.RegisterUnit)
    register_person = mutation(commands.RegisterPerson)
    assume_post = mutation(commands.AssumePost)
    leave_post = mutation(commands.LeavePost)
    correct_post = mutation(commands.CorrectPost)
