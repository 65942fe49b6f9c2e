"""The GraphQL endpoint: authentication, synchronous execution off the event loop, logging.

The event store and read models are synchronous, so each operation runs whole on a worker
thread (`execute_sync`): resolvers are plain functions, and the event loop never blocks.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import json
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

import structlog
from cross_web import HTTPException
from graphql import ArgumentNode, FieldNode, GraphQLError, OperationDefinitionNode, parse
from graphql import OperationType as GraphQLOperationType
from graphql.language import Visitor, visit
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError, MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UNSET

from ledger import metrics
from ledger.api.admission import (
    EVENT_STORE_FIELDS,
    MAX_TOKENS,
    parsed,
    remembered_cost,
    the_query,
)
from ledger.api.answers import Answers
from ledger.api.context import Context, RequestStopped
from ledger.api.errors import ensure_coded, refused_input
from ledger.api.graphiql import graphiql_html
from ledger.auth import authenticate
from ledger.domain.errors import LedgerError
from ledger.integrity.access import AccessLog
from ledger.logs import limited
from ledger.service import Ledger
from projections.runner import ReadModelState

log = structlog.get_logger("ledger.api")
MIN_POSITION_HEADER = "x-ledger-min-position"
SMALL_COST = 200  # a small query: static cost at most this (see `LedgerGraphQL.placement`)


def websocket_refusal(query: object, variables: object, operation_name: object) -> str | None:
    """Why a websocket `subscribe` message must be refused (BAD_INPUT), or None.

    Only subscriptions run over websockets. Queries and mutations take the HTTP path, where
    the input checks, read-your-writes and coded errors apply and the synchronous resolvers
    run off the event loop; over a websocket they would skip all of that.
    """
    if not isinstance(query, str):
        return None  # strawberry answers a missing query itself
    refusal = refused_input(query, variables, operation_name)
    if refusal is not None:
        return refusal
    try:
        document = parse(query, max_tokens=MAX_TOKENS)
    except GraphQLError:
        return None  # a syntax error: strawberry reports it the usual way
    # Every operation of the document, not only the one named: without a name strawberry
    # runs the first, and a document may pair a mutation with a subscription.
    for operation in document.definitions:
        if (
            isinstance(operation, OperationDefinitionNode)
            and operation.operation != GraphQLOperationType.SUBSCRIPTION
        ):
            return (
                f"only subscriptions run over websockets; send a {operation.operation.value} "
                "as an HTTP POST to /graphql"
            )
    return None


@functools.lru_cache(maxsize=1024)
def small_query(query: str, operation_name: str | None) -> bool:
    """A document whose operation is one query that reads the read models only and never
    waits for them: no `knownAt` argument anywhere (an instant not yet projected waits for
    it) and no field answered from the event store (`EVENT_STORE_FIELDS`: they hash the log
    and may wait for its write lock)."""
    operation = the_query(query, operation_name)
    if operation is None:
        return False
    blocks = False

    class Blocking(Visitor):
        def enter_argument(self, node: ArgumentNode, *_: Any) -> None:
            nonlocal blocks
            blocks = blocks or node.name.value == "knownAt"

        def enter_field(self, node: FieldNode, *_: Any) -> None:
            nonlocal blocks
            blocks = blocks or node.name.value in EVENT_STORE_FIELDS

    visit(parsed(query), Blocking())  # fragments too
    return not blocks


def record_access(
    context: Context, operation_name: str | None, query: str | None, result: ExecutionResult
) -> ExecutionResult:
    """The answer carries personal case data: its access record is written before it
    leaves, or the answer does not leave at all."""
    caller = context.caller
    operation = operation_name or operation_of(query) or "-"
    try:
        AccessLog(context.ledger.app.recorder).append(
            caller.subject, caller.role, operation, context.accessed
        )
    except Exception:
        log.exception("access_log.unwritable", operation=operation)
        error = GraphQLError(
            "the access log could not be written, so the answer is withheld; retry shortly",
            extensions={"code": "UNAVAILABLE"},
        )
        return ExecutionResult(data=None, errors=[error])
    return result


def read_your_writes(context: Context) -> dict[str, Any]:
    """A mutation's write is stored but the read models had not applied it when the wait
    (LEDGER_READ_YOUR_WRITES_TIMEOUT) ran out: the answer says so instead of a silent
    success, with the position to send back as X-Ledger-Min-Position."""
    try:
        applied = min(context.ledger.runner.positions().values(), default=0)
    except Exception:
        applied = None
    return {
        "readYourWrites": "TIMED_OUT",
        "position": context.unprojected,
        "projectedPosition": applied,
    }


def operation_of(query: str | None) -> str:
    """What the access log calls an operation the client did not name in the request: the
    document's operation name, else the root fields it asks for ("case,cases")."""
    document = parsed(query or "")
    if document is None:
        return ""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) == 1 and operations[0].name:
        return operations[0].name.value[:200]
    names = [
        selection.name.value
        for operation in operations
        for selection in operation.selection_set.selections
        if hasattr(selection, "name")
    ]
    return ",".join(dict.fromkeys(names))[:200]


MAX_JSON_DEPTH = 32  # a request's variables nest a few levels (input objects, lists)
HTTP_CODES = {401: "UNAUTHENTICATED", 403: "FORBIDDEN", 404: "NOT_FOUND", 405: "BAD_INPUT"}


def json_depth(value: object, limit: int) -> int:
    """How deep a decoded JSON value nests (stops counting past `limit`)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > deepest:
            deepest = depth
            if deepest > limit:
                return deepest
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return deepest


def refusal_response(status: int, reason: str) -> Response:
    """A request refused before GraphQL could run it: JSON, with a code, never a trace."""
    code = HTTP_CODES.get(status, "BAD_INPUT" if status < 500 else "INTERNAL")
    body = {"errors": [{"message": reason, "extensions": {"code": code}}]}
    return JSONResponse(body, status_code=status)


async def watch_disconnect(request: Request, context: Context) -> None:
    """Stop the request's work when its client hangs up (the body has been read, so the
    next message the server sends the app is `http.disconnect`)."""
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            context.stop("disconnect")
            return


@contextmanager
def commands_logged_if_failed(context: Context, operation: str | None) -> Iterator[None]:
    """A request's commands are logged in its own line (`finish`); if it fails after they
    ran (a store fault while recording the access or checking read-your-writes, say), they
    get a line here, so that no command that ran goes unlogged."""
    try:
        yield
    except BaseException:
        if context.commands:
            log.info("request.failed", operation=operation or "-", commands=context.commands)
        raise


def stopped_result(reason: str, deadline: float) -> ExecutionResult:
    if reason == "deadline":
        message = f"the request ran past its deadline ({deadline:g} s) and was stopped"
    else:
        message = "the client hung up; the request was stopped"
    return ExecutionResult(
        data=None, errors=[GraphQLError(message, extensions={"code": "TIMEOUT"})]
    )


def coded_result(message: str, code: str, **extensions: object) -> ExecutionResult:
    error = GraphQLError(message, extensions={"code": code, **extensions})
    return ExecutionResult(data=None, errors=[error])


class SubscriptionsOnlyHandler(BaseGraphQLTransportWSHandler):
    """graphql-transport-ws, refusing anything but a subscription with a coded error."""

    async def handle_subscribe(self, message: Any) -> None:
        if self.connection_acknowledged and message["id"] not in self.operations:
            payload = message["payload"]
            if not isinstance(payload, dict):
                await self.websocket.close(code=4400, reason="subscribe needs a payload object")
                return
            refusal = websocket_refusal(
                payload.get("query"), payload.get("variables"), payload.get("operationName")
            )
            if refusal is not None:
                error = GraphQLError(refusal, extensions={"code": "BAD_INPUT"})
                await self.send_message(
                    {"id": message["id"], "type": "error", "payload": [error.formatted]}
                )
                return
        await super().handle_subscribe(message)


T = TypeVar("T")
# The threads operations hop to (the loop must not wait on a read or a command): as many as
# anyio's default limiter lets run, without its per-hop machinery (a cancel scope, the
# limiter, a checkpoint: about half of a hop's ~90 µs of CPU).
OPERATION_THREADS = ThreadPoolExecutor(max_workers=40, thread_name_prefix="ledger-operation")
# Small queries that may not run on the loop (PostgreSQL: their reads wait on the network)
# hop to a few threads of their own. Each round trip hands the interpreter lock to another
# thread; sixteen such queries on forty threads spent ~2,450 µs of CPU per request where
# four threads spent ~2,150 and two ~2,000 (wrk, BENCHMARKS "Throughput under wrk"). A
# small query ends quickly, so a short queue costs less than the handing over; four, not
# two, so that one waiting on a lock (a rebuild's swap) holds back only a quarter of them.
SMALL_QUERY_THREADS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="ledger-small-query")

ON_THE_LOOP, SMALL_QUERY, OPERATION = "loop", "small query", "operation"


async def on_a_thread(
    run: Callable[..., T], *args: Any, threads: ThreadPoolExecutor = OPERATION_THREADS
) -> T:
    """`run(*args)` on one of `threads`, in a copy of this context (as anyio's hop does):
    every hop of a GraphQL request goes this way."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(threads, contextvars.copy_context().run, run, *args)


class LedgerGraphQL(GraphQL):
    graphql_transport_ws_handler_class = SubscriptionsOnlyHandler

    def __init__(self, ledger: Ledger, schema: Any, **kwargs: Any):
        # graphql-transport-ws only: the legacy graphql-ws protocol would bypass the handler.
        super().__init__(
            schema,
            graphql_ide="graphiql",
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            **kwargs,
        )
        self.ledger = ledger
        self.answers = Answers(
            ledger.settings.answer_cache,
            lambda query, name, variables: remembered_cost(
                schema._schema, query, parsed(query), name, variables
            ),
        )

    async def read_models_state(self) -> ReadModelState:
        """Which read models an answer would come from: their generation (a rebuild swapped
        in by any process renews it, though it may leave the position where it was) and the
        position every projector has applied. Known in memory while this process follows
        the log (as its follower last saw them), else read from the tracking rows."""
        runner = self.ledger.runner
        if runner.running:
            state = runner.seen()
        else:
            state = await on_a_thread(runner.state)
        self.answers.observe(state)
        return state

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        header = request.headers.get("authorization")
        caller, error = None, None
        try:
            caller = authenticate(self.ledger.settings, header)
        except LedgerError as e:
            error = e
        min_position = None
        raw = request.headers.get(MIN_POSITION_HEADER)
        if raw and raw.isascii() and raw.isdigit() and len(raw) <= 18:
            min_position = int(raw)
        return Context(self.ledger, caller, error, min_position)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Every refusal of a request is JSON with `extensions.code` (strawberry answers
        plain text); a client that hangs up while sending is a log line, not a traceback."""
        if scope["type"] != "http":
            return await super().__call__(scope, receive, send)
        try:
            response = await self.run(Request(scope=scope, receive=receive))
        except HTTPException as e:
            response = refusal_response(e.status_code, e.reason)
        except ClientDisconnect:
            limited(log, "info", "request.client_gone", path=scope.get("path"))
            return
        await response(scope, receive, send)

    def parse_json(self, data: str | bytes) -> object:
        """Only a JSON object (or a batch list, refused later) is a request; anything else,
        undecodable bytes and JSON nested too deeply included, is a 400 rather than a crash
        further down."""
        try:
            body = json.loads(data)
        except ValueError as e:  # JSONDecodeError and UnicodeDecodeError alike
            raise HTTPException(400, "Unable to parse request body as JSON") from e
        except RecursionError as e:
            raise HTTPException(400, f"JSON nested more than {MAX_JSON_DEPTH} deep") from e
        if not isinstance(body, (dict, list)):
            raise HTTPException(400, "A GraphQL request body is a JSON object")
        if json_depth(body, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
            raise HTTPException(400, f"JSON nested more than {MAX_JSON_DEPTH} deep")
        return body

    def encode_json(self, data: object) -> str:
        """Chinese names travel as themselves, not as \\u escapes."""
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    async def on_ws_connect(self, context: Context):
        """Websocket clients authenticate with a header or with connection_init's payload."""
        if context._caller is None:
            params = context.connection_params or {}
            header = params.get("Authorization") or params.get("authorization")
            try:
                context._caller = authenticate(self.ledger.settings, header)
                context.auth_error = None
            except LedgerError as e:
                raise ConnectionRejectionError({"code": e.code, "message": e.message}) from None
        return UNSET

    async def render_graphql_ide(self, request: Request) -> Response:
        scheme = "wss" if request.url.scheme == "https" else "ws"
        return HTMLResponse(
            graphiql_html(str(request.url.path), f"{scheme}://{request.url.netloc}")
        )

    async def await_position(
        self, request: Request, context: Context, position: int
    ) -> ExecutionResult | None:
        """X-Ledger-Min-Position: wait (on the event loop, no thread held) until the read
        models have applied `position`. A position beyond the log's head can never come:
        BAD_INPUT at once. A wait that times out answers STALE, never stale data."""
        if position > self.ledger.runner.reached:
            head = await on_a_thread(self.ledger.app.head)
            if position > head:
                return coded_result(
                    f"{MIN_POSITION_HEADER} {position} lies beyond the log's head ({head}): "
                    "send a position a mutation returned",
                    "BAD_INPUT",
                    position=position,
                    head=head,
                )
        watcher = asyncio.ensure_future(watch_disconnect(request, context))
        waiting = asyncio.ensure_future(self.ledger.wait_for_async(position))
        try:
            await asyncio.wait({watcher, waiting}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            watcher.cancel()
            waiting.cancel()
        if context.stop_reason == "disconnect":
            return stopped_result("disconnect", 0)
        if not waiting.result():
            timeout = self.ledger.settings.read_your_writes_timeout
            return coded_result(
                f"the read models did not reach position {position} within {timeout:g} s; "
                "retry shortly",
                "STALE",
                position=position,
            )
        return None

    async def execute_single(
        self, request, request_adapter, sub_response, context: Context, root_value, request_data
    ) -> ExecutionResult:
        if context.auth_error is not None:
            metrics.observe_operation(
                request_data.query, request_data.operation_name, 0.0, [context.auth_error]
            )
            return ExecutionResult(
                data=None,
                errors=[
                    GraphQLError(
                        context.auth_error.message, extensions={"code": context.auth_error.code}
                    )
                ],
            )
        refusal = refused_input(
            request_data.query, request_data.variables, request_data.operation_name
        )
        if refusal is not None:
            return ExecutionResult(
                data=None, errors=[GraphQLError(refusal, extensions={"code": "BAD_INPUT"})]
            )
        started = time.perf_counter()
        context.deadline = time.monotonic() + self.ledger.settings.request_deadline
        context.commands = []  # logged in the request's line

        if context.min_position:
            refusal = await self.await_position(request, context, context.min_position)
            if refusal is not None:
                refusal.errors = ensure_coded(refusal.errors)
                metrics.observe_operation(
                    request_data.query,
                    request_data.operation_name,
                    time.perf_counter() - started,
                    refusal.errors,
                )
                return refusal

        key = None
        question = (
            self.answers.question(
                context, request_data.query, request_data.operation_name, request_data.variables
            )
            if self.answers.size > 0 and isinstance(request_data.query, str)
            else None
        )
        if question is not None:
            key = self.answers.key(await self.read_models_state(), question)
            hit = self.answers.get(key)
            if hit is not None:
                data, accessed = hit
                result = ExecutionResult(data=data, errors=None)
                if accessed:  # the same access record a computed answer writes
                    context.accessed = set(accessed)
                    result = await on_a_thread(
                        record_access,
                        context,
                        request_data.operation_name,
                        request_data.query,
                        result,
                    )
                return self.finish(request_data, context, result, started, cached=True)

        def run() -> ExecutionResult:
            try:
                with context.snapshot():
                    return self.schema.execute_sync(
                        request_data.query,
                        variable_values=request_data.variables,
                        context_value=context,
                        root_value=root_value,
                        operation_name=request_data.operation_name,
                        # subscriptions run over websockets only: never through execute_sync
                        allowed_operation_types=OperationType.from_http(request_adapter.method)
                        - {OperationType.SUBSCRIPTION},
                        operation_extensions=request_data.extensions,
                    )
            except CannotGetOperationTypeError as e:
                raise HTTPException(400, e.as_http_error_reason()) from e
            except InvalidOperationTypeError as e:
                raise HTTPException(400, e.as_http_error_reason(request_adapter.method)) from e
            except MissingQueryError as e:
                raise HTTPException(400, "No GraphQL query found in the request") from e
            except RequestStopped as stopped:
                return stopped_result(stopped.reason, self.ledger.settings.request_deadline)

        with commands_logged_if_failed(context, request_data.operation_name):
            placement = self.placement(request_data)
            if placement == ON_THE_LOOP:
                result = run()
            else:
                threads = SMALL_QUERY_THREADS if placement == SMALL_QUERY else OPERATION_THREADS
                watcher = asyncio.ensure_future(watch_disconnect(request, context))
                try:
                    result = await on_a_thread(run, threads=threads)
                finally:
                    watcher.cancel()
            if context.stop_reason == "disconnect":
                log.info(
                    "request.abandoned",
                    operation=request_data.operation_name or "-",
                    actor=context._caller.subject if context._caller else None,
                    ms=round((time.perf_counter() - started) * 1000, 2),
                    objects=context.work,
                    **({"commands": context.commands} if context.commands else {}),
                )
                metrics.observe_stopped("disconnect")
                return result  # nobody is listening; nothing was recorded as read
            if context.stop_reason == "deadline":
                metrics.observe_stopped("deadline")
            if context.accessed and result.data is not None:
                result = await on_a_thread(
                    record_access, context, request_data.operation_name, request_data.query, result
                )
            if context.unprojected is not None:
                flagged = await on_a_thread(read_your_writes, context)
                result.extensions = {**(result.extensions or {}), **flagged}
            if key is not None and result.data is not None and not result.errors:
                self.answers.put(key, result.data, context.accessed)
            return self.finish(request_data, context, result, started)

    def placement(self, request_data: Any) -> str:
        """Where this operation runs. A small query — static cost at most SMALL_COST, and
        it cannot wait (no `knownAt`, no event-store field; `small_query`) — runs on the
        event loop on SQLite (reads from a local file, each a few dozen microseconds: the
        hop cost more than its work, and it ends long before anything on the loop would
        notice), on SMALL_QUERY_THREADS on PostgreSQL (the loop must not wait on the
        network). Everything else hops to OPERATION_THREADS, so that a long query, a
        command or a wait never holds the loop nor the small queries' threads."""
        query = request_data.query
        if not isinstance(query, str) or not small_query(query, request_data.operation_name):
            return OPERATION
        cost = remembered_cost(
            self.schema._schema,
            query,
            parsed(query),
            request_data.operation_name,
            request_data.variables,
        )
        if cost > SMALL_COST:
            return OPERATION
        return ON_THE_LOOP if self.ledger.reads.dialect == "sqlite" else SMALL_QUERY

    def finish(
        self,
        request_data: Any,
        context: Context,
        result: ExecutionResult,
        started: float,
        *,
        cached: bool = False,
    ) -> ExecutionResult:
        """Count, time and log the request (one line), its errors coded."""
        result.errors = ensure_coded(result.errors)
        metrics.observe_operation(
            request_data.query,
            request_data.operation_name,
            time.perf_counter() - started,
            result.errors,
        )
        log.info(
            "request",
            operation=request_data.operation_name or "-",
            actor=context._caller.subject if context._caller else None,
            ms=round((time.perf_counter() - started) * 1000, 2),
            errors=[e.extensions.get("code") for e in result.errors or []] or None,
            **({"cached": True} if cached else {}),
            **({"commands": context.commands} if context.commands else {}),
        )
        return result
