"""Every error reaches the client with `extensions.code`, and never with a stack trace.

Domain refusals keep their message and code; malformed requests (syntax, validation,
bad scalar values) become BAD_INPUT; anything else becomes INTERNAL with an error id that
the server's log line carries too.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import structlog
from graphql.error import GraphQLError
from strawberry.extensions import SchemaExtension

from ledger.domain.errors import LedgerError

log = structlog.get_logger("ledger.api")


def coded(error: GraphQLError) -> GraphQLError:
    original = error.original_error
    while isinstance(original, GraphQLError) and original.original_error is not None:
        original = original.original_error
    if isinstance(original, LedgerError):
        message, code, extra = original.message, original.code, {}
    elif (
        original is None
        or isinstance(original, (GraphQLError, ValueError, TypeError))
        and (error.path is None)
    ):
        # Syntax, validation and variable coercion errors: the request itself is malformed.
        message, code, extra = error.message, "BAD_INPUT", {}
    else:
        error_id = uuid.uuid4().hex[:12]
        log.error(
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
