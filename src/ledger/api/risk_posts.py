"""GraphQL types for 廉政风险点 (risk posts) and 定期轮岗 (rotation due), as of a date and as
the ledger knew it."""

from __future__ import annotations

from datetime import date, datetime

import strawberry
from strawberry.types import Info

from ledger import commands
from ledger.api.context import as_of_text
from ledger.api.inputs import graphql_enum
from ledger.api.mutations import mutation
from ledger.api.organisation import Person, PostRole, Unit, load_person, load_unit
from ledger.domain.rules.rotation import anniversary, full_years, tenure_since
from projections import risk_posts as rows

RiskLevel = graphql_enum("RiskLevel", description="廉政风险等级")


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


@strawberry.type(description="One holder of a risk post on asOf, and when rotation falls due.")
class RiskPostHolder:
    since: date = strawberry.field(description="the start of the unbroken holding")
    rotation_due_on: date = strawberry.field(
        description="since + maxYears: from this day the holder has held the post too long"
    )
    years: int = strawberry.field(description="full years held by asOf")
    person_id: strawberry.Private[str]
    peers: strawberry.Private[tuple[str, ...]]

    @strawberry.field
    def person(self, info: Info) -> Person:
        return load_person(info, self.person_id, list(self.peers))


@strawberry.type(
    description="廉政风险点 — a post (a unit's role, or a named position) with integrity risks."
)
class RiskPost:
    id: strawberry.ID
    role: PostRole | None
    position: str | None = strawberry.field(description="a named position (岗位), or null")
    level: RiskLevel
    max_years: int = strawberry.field(description="years after which its holder rotates")
    risks: str
    identified_on: date
    retired_on: date | None
    as_of: date
    row: strawberry.Private[rows.RiskPostRow]
    peers: strawberry.Private[tuple[rows.RiskPostRow, ...]]
    position_at: strawberry.Private[int | None]

    @strawberry.field
    def unit(self, info: Info) -> Unit:
        return load_unit(info, self.row.unit_id, [p.unit_id for p in self.peers])

    @strawberry.field(description="who holds it on asOf, with their tenure")
    def holders(self, info: Info) -> list[RiskPostHolder]:
        position, day = self.position_at, self.as_of.isoformat()
        held = info.context.batch(
            "risk_post_holdings",
            (position,),
            [p.risk_post_id for p in self.peers],
            self.row.risk_post_id,
            lambda tx, ids: rows.holdings(
                tx, [p for p in self.peers if p.risk_post_id in ids], position
            ),
        )
        out = []
        for person_id, periods in sorted((held or {}).items()):
            since = tenure_since(periods, day)
            if since is None:
                continue
            out.append(
                RiskPostHolder(
                    since=date.fromisoformat(since),
                    rotation_due_on=date.fromisoformat(anniversary(since, self.row.max_years)),
                    years=full_years(since, day),
                    person_id=person_id,
                    peers=tuple(sorted(held or {})),
                )
            )
        return out


def risk_posts_from(
    found: list[rows.RiskPostRow], as_of: date, position: int | None
) -> list[RiskPost]:
    peers = tuple(found)
    return [
        RiskPost(
            id=strawberry.ID(r.risk_post_id),
            role=PostRole(r.role) if r.role else None,
            position=r.position,
            level=RiskLevel(r.level),
            max_years=r.max_years,
            risks=r.risks,
            identified_on=date.fromisoformat(r.valid_from),
            retired_on=_day(r.valid_to),
            as_of=as_of,
            row=r,
            peers=peers,
            position_at=position,
        )
        for r in found
    ]


@strawberry.type(description="定期轮岗: a holder of a risk post who has held it past its limit.")
class RotationDue:
    risk_post: RiskPost
    since: date = strawberry.field(description="the start of the unbroken holding")
    due_on: date = strawberry.field(description="the day rotation fell due (since + maxYears)")
    years: int = strawberry.field(description="full years held by asOf")
    person_id: strawberry.Private[str]
    peers: strawberry.Private[tuple[str, ...]]

    @strawberry.field
    def person(self, info: Info) -> Person:
        return load_person(info, self.person_id, list(self.peers))


# ---------------------------------------------------------------------- queries


@strawberry.type
class RiskPostQueries:
    @strawberry.field
    def risk_post(
        self,
        info: Info,
        id: strawberry.ID,
        as_of: date | None = None,
        known_at: datetime | None = None,
    ) -> RiskPost | None:
        ctx = info.context
        day, position = as_of_text(as_of), ctx.position(known_at)
        row = ctx.read(lambda tx: rows.risk_posts_by_id(tx, [str(id)], position)).get(str(id))
        ctx.check_scope(row.unit_id if row else None, f"risk post {id}")
        return risk_posts_from([row], date.fromisoformat(day), position)[0] if row else None

    @strawberry.field(
        description="risk posts in force on asOf in the unit's subtree (every unit in scope "
        "when unitId is null)"
    )
    def risk_posts(
        self,
        info: Info,
        unit_id: strawberry.ID | None = None,
        as_of: date | None = None,
        known_at: datetime | None = None,
        level: RiskLevel | None = None,
    ) -> list[RiskPost]:
        ctx = info.context
        day, position = as_of_text(as_of), ctx.position(known_at)
        found = ctx.read(
            lambda tx: rows.risk_posts_in(
                tx,
                str(unit_id) if unit_id else None,
                day,
                position,
                level.value if level else None,
                ctx.scope_sql("unit_id"),
            )
        )
        return risk_posts_from(found, date.fromisoformat(day), position)

    @strawberry.field(
        description="定期轮岗: who, on asOf, has held a risk post of this level (default HIGH; "
        "null: every level) in the unit's subtree for longer than its limit, following the "
        "post history as recorded by knownAt (corrections included)"
    )
    def rotation_due(
        self,
        info: Info,
        unit_id: strawberry.ID | None = None,
        as_of: date | None = None,
        known_at: datetime | None = None,
        level: RiskLevel | None = RiskLevel.HIGH,  # type: ignore[attr-defined]
    ) -> list[RotationDue]:
        ctx = info.context
        day, position = as_of_text(as_of), ctx.position(known_at)
        found = ctx.read(
            lambda tx: rows.rotations_due(
                tx,
                str(unit_id) if unit_id else None,
                day,
                position,
                level.value if level else None,
                ctx.scope_sql("unit_id"),
            )
        )
        posts = {
            p.row.risk_post_id: p
            for p in risk_posts_from(
                list({post.risk_post_id: post for post, _ in found}.values()),
                date.fromisoformat(day),
                position,
            )
        }
        people = tuple(dict.fromkeys(d.person_id for _, d in found))
        return [
            RotationDue(
                risk_post=posts[post.risk_post_id],
                since=date.fromisoformat(d.since),
                due_on=date.fromisoformat(d.due_on),
                years=d.years,
                person_id=d.person_id,
                peers=people,
            )
            for post, d in found
        ]


# ---------------------------------------------------------------------- mutations


@strawberry.type
class RiskPostMutations:
    register_risk_post = mutation(commands.RegisterRiskPost)
    revise_risk_post = mutation(commands.ReviseRiskPost)
    retire_risk_post = mutation(commands.RetireRiskPost)
    record_risk_post_holders = mutation(commands.RecordRiskPostHolders)
