"""Every error reaches the client with `extensions.code`, and never with a stack trace.

Domain refusals keep their message and code; malformed requests (syntax, validation,
bad scalar values) become BAD_INPUT; store faults (a full disk, a lost connection: see
`ledger.faults`) become UNAVAILABLE naming the cause; anything else becomes INTERNAL with
an error id that the server's log line carries too.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import structlog
from graphql.error import GraphQLError
from strawberry.extensions import SchemaExtension

from ledger.domain.errors import LedgerError
from ledger.faults import unavailable
from ledger.logs import limited

log = structlog.get_logger("ledger.api")


def coded(error: GraphQLError) -> GraphQLError:
    if (error.extensions or {}).get("code") and error.original_error is None:
        return error  # coded where it was raised (the cost limit, a refusal in the view)
    original = error.original_error
    while isinstance(original, GraphQLError) and original.original_error is not None:
        original = original.original_error
    fault = unavailable(original) if original is not None else None
    if isinstance(original, LedgerError):
        message, code, extra = original.message, original.code, {}
    elif fault is not None:
        # A store fault (full disk, lost connection, busy file): named, not INTERNAL.
        limited(log, "warning", "store_unavailable", path=error.path, reason=fault.message)
        message, code, extra = fault.message, fault.code, {}
    elif isinstance(original, UnicodeError):
        # Text that no database can store (a lone surrogate in an id or a filter).
        message, code, extra = "the request holds text that is not valid Unicode", "BAD_INPUT", {}
    elif (
        original is None
        or isinstance(original, (GraphQLError, ValueError, TypeError))
        and (error.path is None)
    ):
        # Syntax, validation and variable coercion errors: the request itself is malformed.
        message, code, extra = error.message, "BAD_INPUT", {}
    else:
        error_id = uuid.uuid4().hex[:12]
        limited(
            log,
            "error",
            "internal_error",
            error_id=error_id,
            path=error.path,
            exc_info=(type(original), original, original.__traceback__),
        )
        message, code, extra = f"internal error (id {error_id})", "INTERNAL", {"errorId": error_id}
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=None,
        extensions={"code": code, **extra},
    )


class CodedErrors(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and getattr(result, "errors", None):
            result.errors = [coded(e) for e in result.errors]


def ensure_coded(errors: list[GraphQLError] | None) -> list[GraphQLError] | None:
    """A last net in the view: errors raised before `CodedErrors` could see them (a parse
    error from the parser cache, the token limit) get their code too."""
    if not errors:
        return errors
    return [e if (e.extensions or {}).get("code") else coded(e) for e in errors]


MAX_SCANNED_TOKENS = 10_000
# An escape that may decode to NUL (\u0000, \u{0}): only then is the document lexed, since
# graphql-core's lexer is slow on long strings of escapes.
_NUL_ESCAPE = re.compile(r"\\u(?:0000|\{0+\})")


MAX_LIST_ITEMS = 1000  # the longest list any input needs (unit scopes, cycles) is far shorter


def refused_input(
    query: str | None, variables: object, operation_name: object = None
) -> str | None:
    """Why a request must be refused before it runs (BAD_INPUT), or None.

    - Strings no store can take: PostgreSQL refuses NUL in text and neither store encodes
      an unpaired surrogate, so such a string would fail deep in a query as an internal
      error. Refused wherever it sits: variables (keys too), the operation name, or a string
      literal of the document (a raw NUL or surrogate there is already a syntax error, an
      escaped NUL is not).
    - Lists in the variables longer than MAX_LIST_ITEMS: commands load an aggregate per
      listed id before their own caps apply, so a 200 kB list of 30,000 ids held a worker
      for 20 s. (A document's literal lists are bounded by its token limit.)
    """
    if isinstance(operation_name, str) and _unstorable(operation_name):
        return "the operation name contains NUL or an unpaired surrogate"
    problem = _variables_problem(variables)
    if problem:
        return problem
    if query and _NUL_ESCAPE.search(query) and _document_has_nul(query):
        return "a string in the document contains NUL"
    return None


def _unstorable(value: str) -> bool:
    if "\x00" in value:
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _variables_problem(value: object) -> str | None:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _unstorable(item):
                return "a variable contains NUL or an unpaired surrogate"
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            if len(item) > MAX_LIST_ITEMS:
                return f"a list in the variables has more than {MAX_LIST_ITEMS} items"
            stack.extend(item)
    return None


def _document_has_nul(query: str) -> bool:
    from graphql.language import Lexer, Source, TokenKind

    lexer = Lexer(Source(query))
    try:
        for _ in range(MAX_SCANNED_TOKENS):
            token = lexer.advance()
            if token.kind == TokenKind.EOF:
                return False
            if token.kind in (TokenKind.STRING, TokenKind.BLOCK_STRING) and "\x00" in (
                token.value or ""
            ):
                return True
    except GraphQLError:
        return False  # a syntax error: the parser reports it with its position
    return False
