"""The ASGI application: /graphql (queries, mutations, GraphiQL, websockets), operations.

/healthz   the process answers (liveness: no database call)
/readyz    the store answers, every projection is within LEDGER_READY_MAX_LAG events of
           the log head, a projector is alive while events wait, storage is not full
           (503 otherwise, with the reasons and the numbers: see `ledger.health`)
/web/      the read-only web front (see `ledger.api.web`); / redirects there
/metrics   Prometheus text: operations and latencies, events appended, projection
           positions and lag (see `ledger.metrics`)
"""

from __future__ import annotations

import collections.abc
import contextlib
import ctypes
import functools
import gc
import secrets
import uuid
from collections.abc import AsyncIterator

import anyio
import structlog
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send
from strawberry.http import async_base_view

from ledger import metrics
from ledger.api.graphiql import graphiql_assets_mount
from ledger.api.schema import schema
from ledger.api.view import LedgerGraphQL
from ledger.api.web import web_routes
from ledger.faults import unavailable
from ledger.health import readiness
from ledger.logs import limited
from ledger.service import Ledger
from ledger.settings import Settings

MAX_BODY_BYTES = 256 * 1024
log = structlog.get_logger("ledger.api")

# strawberry's HTTP view asks of every answer whether it is a subscription's stream,
# `isinstance(result, SubscriptionExecutionResult)`: a runtime-checkable Protocol, whose
# check looks each member up anew (~70 µs of the event loop per request). The abstract
# AsyncIterator asks the same (`__aiter__` and `__anext__`), remembered per class.
async_base_view.SubscriptionExecutionResult = collections.abc.AsyncIterator  # type: ignore[misc]


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


class NoTraces:
    """The outermost net: an exception no handler took becomes a JSON 500 with an error id
    (the log line, rate-limited, carries the same id and the trace), never a plain-text
    page; a client gone before its answer is one log line.

    It also writes the access line of every HTTP request but GraphQL's (pages, health,
    metrics: method, path, status), in the same JSON as the rest of the log; /graphql logs
    its own, richer line (`ledger.api.view`), so uvicorn's plain-text access log is off."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started, status = False, 0

        async def watching_send(message) -> None:  # type: ignore[no-untyped-def]
            nonlocal started, status
            if message["type"] == "http.response.start":
                started, status = True, message.get("status", 0)
            await send(message)

        try:
            await self.app(scope, receive, watching_send)
            if scope.get("path") != "/graphql":
                log.info("http", method=scope.get("method"), path=scope.get("path"), status=status)
        except ClientDisconnect:
            limited(log, "info", "request.client_gone", path=scope.get("path"))
        except Exception as e:
            error_id = uuid.uuid4().hex[:12]
            limited(log, "error", "internal_error", error_id=error_id, exc_info=e)
            if started:
                return  # part of an answer has left: nothing more can be said
            response = JSONResponse(
                {
                    "errors": [
                        {
                            "message": f"internal error (id {error_id})",
                            "extensions": {"code": "INTERNAL", "errorId": error_id},
                        }
                    ]
                },
                status_code=500,
            )
            await response(scope, receive, send)


LARGE_ANSWER_BYTES = 1024 * 1024


class ReturnMemory:
    """After an answer larger than LARGE_ANSWER_BYTES has been sent, hand the memory it took
    back to the operating system: a collection for the cycles strawberry's objects form,
    then glibc's `malloc_trim` (freed arenas otherwise stay in the process: RSS rose from
    82 to 424 MB over a few large answers and stayed there). Off the event loop."""

    returned = 0  # how often it did (tests read it)

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        sent = 0

        async def counting_send(message) -> None:  # type: ignore[no-untyped-def]
            nonlocal sent
            if message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, counting_send)
        finally:
            if sent > LARGE_ANSWER_BYTES:
                await anyio.to_thread.run_sync(return_memory)
                ReturnMemory.returned += 1


def return_memory() -> None:
    gc.collect()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim():  # type: ignore[no-untyped-def]
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc: the allocator keeps what it keeps
        return None


def create_app(ledger: Ledger | None = None, settings: Settings | None = None) -> Starlette:
    ledger = ledger or Ledger.open(settings)
    view = LedgerGraphQL(ledger, schema)
    metrics.instrument(ledger)

    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"ok": True})

    async def readyz(request: Request) -> JSONResponse:
        try:
            body = await anyio.to_thread.run_sync(readiness, ledger)
        except Exception as e:  # the store does not answer: not ready, and say why
            found = unavailable(e)
            reason = found.message if found else f"{type(e).__name__}: {e}"
            return JSONResponse(
                {"ready": False, "reasons": [f"store unavailable: {reason}"]},
                status_code=503,
            )
        return JSONResponse(body, status_code=200 if body["ready"] else 503)

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
            if ledger.witness is not None:
                ledger.witness.stop()
            metrics.process_exited()

    middleware = [Middleware(NoTraces), Middleware(ReturnMemory), Middleware(BodyLimit)]
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
            # every method reaches the view, which refuses the others as JSON (405)
            Route("/graphql", view),
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
    app.state.view = view
    return app
