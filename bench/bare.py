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

    view = GraphQL(strawberry.Schema(query=Query, mutation=Mutation), graphql_ide=None)

    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"ok": True})

    return Starlette(routes=[Route("/graphql", view, methods=["POST"]), Route("/healthz", healthz)])
