"""The ASGI application: /graphql (queries, mutations, GraphiQL, websockets), operations.

/healthz   the process answers (liveness: no database call)
/readyz    the store answers and every projection is within LEDGER_READY_MAX_LAG events
           of the log head (503 otherwise, with the numbers)
/web/      the read-only web front (see `ledger.api.web`); / redirects there
/metrics   Prometheus text: operations and latencies, events appended, projection
           positions and lag (see `ledger.metrics`)
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator

import anyio
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from ledger import metrics
from ledger.api.graphiql import graphiql_assets_mount
from ledger.api.schema import schema
from ledger.api.view import LedgerGraphQL
from ledger.api.web import web_routes
from ledger.service import Ledger
from ledger.settings import Settings

MAX_BODY_BYTES = 256 * 1024


class BodyLimit:
    """Refuse request bodies over `limit` bytes (413) before anything parses them."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES):
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            return await _too_large(scope, receive, send, self.limit)
        seen = 0

        async def counting_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _BodyTooLarge
            return message

        try:
            await self.app(scope, counting_receive, send)
        except _BodyTooLarge:
            await _too_large(scope, receive, send, self.limit)


class _BodyTooLarge(Exception):
    pass


async def _too_large(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    response = JSONResponse(
        {
            "errors": [
                {
                    "message": f"request body exceeds {limit} bytes",
                    "extensions": {"code": "BAD_INPUT"},
                }
            ]
        },
        status_code=413,
    )
    await response(scope, receive, send)


def create_app(ledger: Ledger | None = None, settings: Settings | None = None) -> Starlette:
    ledger = ledger or Ledger.open(settings)
    view = LedgerGraphQL(ledger, schema)
    metrics.instrument(ledger)

    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"ok": True})

    async def readyz(request: Request) -> JSONResponse:
        def lag() -> tuple[int, dict[str, int]]:
            return ledger.app.head(), ledger.runner.positions()

        try:
            head, positions = await anyio.to_thread.run_sync(lag)
        except Exception as e:  # the store does not answer: not ready, and say why
            return JSONResponse(
                {"ready": False, "error": f"store unavailable: {type(e).__name__}"},
                status_code=503,
            )
        worst = max((head - p for p in positions.values()), default=0)
        ready = worst <= ledger.settings.ready_max_lag
        return JSONResponse(
            {
                "ready": ready,
                "head": head,
                "projections": positions,
                "maxLag": worst,
                "maxLagAllowed": ledger.settings.ready_max_lag,
            },
            status_code=200 if ready else 503,
        )

    async def metrics_endpoint(request: Request) -> Response:
        expected = ledger.settings.metrics_token
        given = request.headers.get("authorization", "")
        if expected and not secrets.compare_digest(given, f"Bearer {expected}"):
            return JSONResponse(
                {"error": "UNAUTHENTICATED", "message": "/metrics needs LEDGER_METRICS_TOKEN"},
                status_code=401,
            )
        body = await anyio.to_thread.run_sync(metrics.exposition, ledger)
        return Response(body, media_type=metrics.CONTENT_TYPE)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if ledger.settings.embedded_projector:
            ledger.start_projector()
        try:
            yield
        finally:
            ledger.runner.stop()
            metrics.process_exited()

    middleware = [Middleware(BodyLimit)]
    if ledger.settings.allowed_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=ledger.settings.allowed_origins,
                allow_methods=["GET", "POST"],
                allow_headers=["authorization", "content-type"],
            )
        )
    app = Starlette(
        routes=[
            Route("/graphql", view, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", view),
            graphiql_assets_mount(),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics_endpoint),
            *web_routes(ledger),
        ],
        middleware=middleware,
        lifespan=lifespan,
    )
    app.state.ledger = ledger
    return app
