"""Baselines for the load run, served by uvicorn like the ledger (`bench/load.py` starts them).

    bare_reads        a bare Starlette JSON endpoint, GET /unit?id=…, answering with the
                      same rows as the ledger's small query (the unit, its posts in effect
                      today and their holders' names), read with the ledger's own SQL
                      (projections.organisation) from the same read-model database: no
                      GraphQL, no token, no logging
    minimal_mutation  a minimal strawberry app: one mutation, registerPerson(id, name), that
                      saves the same event (ledger:PersonRegistered, same fields) through a
                      plain eventsourcing Application on the same kind of store with the
                      same persistence settings (no hash-chain recorder, no command checks,
                      no read-your-writes, no token, no logging)

Both read the store URL from BENCH_STORE.
"""

import os

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ledger.store import parse_store_url


def bare_reads() -> Starlette:
    from ledger.api.context import today
    from projections import organisation as org
    from projections.db import ReadStore

    reads = ReadStore(parse_store_url(os.environ["BENCH_STORE"]))

    def load(unit_id: str) -> dict | None:
        day = today().isoformat()
        with reads.read() as tx:
            units = org.units_by_id(tx, [unit_id])
            if unit_id not in units:
                return None
            posts = org.posts_by(tx, "unit_id", [unit_id], day, None)[unit_id]
            persons = org.persons_by_id(tx, sorted({p.person_id for p in posts}))
        u = units[unit_id]
        return {
            "id": u.unit_id,
            "name": u.name,
            "kind": u.kind,
            "posts": [
                {"role": p.role, "person": {"id": p.person_id, "name": persons[p.person_id].name}}
                for p in posts
            ],
        }

    async def unit(request: Request) -> JSONResponse:
        row = await anyio.to_thread.run_sync(load, request.query_params["id"])
        return JSONResponse({"data": {"unit": row}})

    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"ok": True})

    return Starlette(routes=[Route("/unit", unit), Route("/healthz", healthz)])


def minimal_mutation() -> Starlette:
    import strawberry
    from eventsourcing.application import Application
    from strawberry.asgi import GraphQL

    from ledger.domain.base import Stamp
    from ledger.domain.person import Person

    class Minimal(Application):
        name = "MinimalBench"

    env = parse_store_url(os.environ["BENCH_STORE"]).eventsourcing_env()
    env.pop("APPLICATION_RECORDER_TOPIC")  # the plain eventsourcing recorder
    app = Minimal(env=env)
    stamp = Stamp("bench")

    @strawberry.type
    class Saved:
        id: str
        position: int

    @strawberry.type
    class Query:
        ok: bool = True

    @strawberry.type
    class Mutation:
        @strawberry.mutation
        def register_person(self, id: str, name: str) -> Saved:  # noqa: A002
            person = Person.register(stamp, id, name)
            recordings = app.save(person)
            return Saved(id=id, position=recordings[-1].notification.id)

    schema = strawberry.Schema(query=Query, mutation=Mutation, extensions=_caches())
    view = GraphQL(schema, graphql_ide=None)

    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"ok": True})

    return Starlette(routes=[Route("/graphql", view, methods=["POST"]), Route("/healthz", healthz)])


def _caches() -> list:
    """strawberry's parser and validation caches: without them graphql-core 3.3 spends most
    of a small request validating it again, which no one serving GraphQL should compare
    against (the ledger has them too)."""
    from strawberry.extensions import ParserCache, ValidationCache

    return [lambda: ParserCache(maxsize=256), lambda: ValidationCache(maxsize=256)]


def _small_unit_answer() -> dict:
    """The small query's answer for BENCH_UNIT, read once from the read models (so the
    baselines below serve exactly what the ledger serves)."""
    from ledger.api.context import today
    from projections import organisation as org
    from projections.db import ReadStore

    reads = ReadStore(parse_store_url(os.environ["BENCH_STORE"]))
    unit_id = os.environ["BENCH_UNIT"]
    with reads.read() as tx:
        unit = org.units_by_id(tx, [unit_id])[unit_id]
        posts = org.posts_by(tx, "unit_id", [unit_id], today().isoformat(), None)[unit_id]
        persons = org.persons_by_id(tx, sorted({p.person_id for p in posts}))
    reads.close()
    return {
        "id": unit.unit_id,
        "name": unit.name,
        "kind": unit.kind,
        "posts": [
            {"role": p.role, "person": {"id": p.person_id, "name": persons[p.person_id].name}}
            for p in posts
        ],
    }


def bare_starlette() -> Starlette:
    """Bare Starlette: POST /graphql answers the small query's JSON, built once in memory
    (no parsing of the request, no GraphQL, no store): the floor of the HTTP stack."""
    body = {"data": {"unit": _small_unit_answer()}}

    async def graphql(request: Request) -> JSONResponse:
        await request.body()
        return JSONResponse(body)

    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"ok": True})

    return Starlette(
        routes=[Route("/graphql", graphql, methods=["POST"]), Route("/healthz", healthz)]
    )


def minimal_reads() -> Starlette:
    """A minimal strawberry schema serving the small query's shape from memory: `unit(id)`
    with its posts and their holders (no token, no logging, no store; strawberry's parser
    and validation caches, see `_caches`)."""
    import strawberry
    from strawberry.asgi import GraphQL

    answer = _small_unit_answer()

    @strawberry.type
    class Person:
        id: strawberry.ID
        name: str

    @strawberry.type
    class Post:
        role: str
        person: Person

    @strawberry.type
    class Unit:
        id: strawberry.ID
        name: str
        kind: str
        posts: list[Post]

    units = {
        answer["id"]: Unit(
            id=answer["id"],
            name=answer["name"],
            kind=answer["kind"],
            posts=[Post(role=p["role"], person=Person(**p["person"])) for p in answer["posts"]],
        )
    }

    @strawberry.type
    class Query:
        @strawberry.field
        def unit(self, id: strawberry.ID) -> Unit | None:  # noqa: A002
            return units.get(str(id))

    view = GraphQL(strawberry.Schema(query=Query, extensions=_caches()), graphql_ide=None)

    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"ok": True})

    return Starlette(routes=[Route("/graphql", view, methods=["POST"]), Route("/healthz", healthz)])
