"""What a document passes before it runs, in one schema extension.

- at most MAX_TOKENS tokens (the parser stops counting there);
- depth and alias limits (`ledger.api.limits`), as validation rules;
- the static cost (`ledger.api.cost`) within the caller's per-role budget: over it, BAD_INPUT
  with the cost and the budget, and nothing runs;
- on the way out, every error carries `extensions.code` (`ledger.api.errors.coded`).

A document's text is parsed and validated once, then remembered (the last DOCUMENTS distinct
texts), keyed by the text itself: strawberry's caches key validation by the parsed document,
whose hash walks the whole tree on every request. Its cost is remembered per text, operation
and variables. One extension rather than six: strawberry enters every extension's hooks on
every request, which was a tenth of a small query's time.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from graphql import DocumentNode, GraphQLError, OperationDefinitionNode, OperationType, parse
from graphql import ExecutionResult as GraphQLExecutionResult
from strawberry.extensions import SchemaExtension

from ledger.api.context import Context
from ledger.api.cost import document_cost
from ledger.api.errors import coded
from ledger.api.limits import document_limits
from ledger.remembered import Remembered

MAX_DEPTH = 12
MAX_ALIASES = 30
MAX_TOKENS = 2000
DOCUMENTS = 256
# Fields answered from the event store itself, not from the read models: their answers are
# not a function of the read models' position (never cached), and they may hash the log or
# wait for its write lock (never run on the event loop).
EVENT_STORE_FIELDS = frozenset(
    {"accessLog", "verifyLedger", "treeHead", "inclusionProof", "consistencyProof"}
)
COSTS = 1024

# Built once (a rule made per request would never match a remembered validation); each
# fragment is measured once, so nested spreads cannot cost 2^n.
LIMIT_RULES = (document_limits(MAX_DEPTH, MAX_ALIASES),)


class _Document:
    __slots__ = ("document", "errors")

    def __init__(self, document: DocumentNode):
        self.document = document
        self.errors: list[GraphQLError] | None = None  # None: not validated yet


_documents = Remembered(DOCUMENTS)
_costs = Remembered(COSTS)


def remembered_cost(
    schema: Any,
    query: str,
    document: DocumentNode,
    operation_name: str | None,
    variables: dict | None,
) -> int:
    """`document_cost`, computed once per text, operation and variables."""
    try:
        canonical = json.dumps(variables or {}, sort_keys=True, separators=(",", ":"))
    except (TypeError, ValueError):
        return document_cost(schema, document, operation_name, variables)
    key = (query, operation_name, canonical)
    cost = _costs.get(key)
    if cost is None:
        cost = document_cost(schema, document, operation_name, variables)
        _costs.put(key, cost)
    return cost


class Admission(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        ec = self.execution_context
        ec.parse_options["max_tokens"] = MAX_TOKENS
        ec.validation_rules = (*ec.validation_rules, *LIMIT_RULES)
        yield
        result = ec.result
        if result is not None and getattr(result, "errors", None):
            result.errors = [coded(e) for e in result.errors]

    def on_parse(self) -> Iterator[None]:
        """A remembered text skips the parser; strawberry parses the others (and reports
        their syntax errors), and they are remembered on the way out."""
        ec = self.execution_context
        known = _documents.get(ec.query) if isinstance(ec.query, str) else None
        if known is not None:
            ec.graphql_document = known.document
        yield
        if known is None and ec.graphql_document is not None and isinstance(ec.query, str):
            _documents.put(ec.query, _Document(ec.graphql_document))

    def on_validate(self) -> Iterator[None]:
        ec = self.execution_context
        known = _documents.get(ec.query) if isinstance(ec.query, str) else None
        if known is not None and known.document is not ec.graphql_document:
            known = None
        if known is not None and known.errors is not None:
            ec.pre_execution_errors = known.errors
        yield
        if known is not None and known.errors is None and ec.pre_execution_errors is not None:
            known.errors = list(ec.pre_execution_errors)

    def on_execute(self) -> Iterator[None]:
        ec = self.execution_context
        ctx = ec.context
        if isinstance(ctx, Context) and ctx._caller is not None and ec.graphql_document:
            cost = remembered_cost(
                ec.schema._schema,
                ec.query or "",
                ec.graphql_document,
                ec.operation_name,
                ec.variables,
            )
            budget = ctx.cost_budget()
            if cost > budget:
                error = GraphQLError(
                    f"this query could cost {cost} (fields times list sizes) and this role's "
                    f"budget is {budget}: ask for fewer fields, shorter pages or less nesting",
                    extensions={"code": "BAD_INPUT", "cost": cost, "budget": budget},
                )
                ec.result = GraphQLExecutionResult(data=None, errors=[error])
        yield


def parsed(query: str) -> DocumentNode | None:
    """The document of this text as execution will see it (remembered, or parsed now and
    remembered), None when it does not parse within MAX_TOKENS."""
    known = _documents.get(query)
    if known is None:
        try:
            document = parse(query, max_tokens=MAX_TOKENS)
        except GraphQLError:
            return None
        known = _Document(document)
        _documents.put(query, known)
    return known.document


def the_query(query: str, operation_name: str | None) -> OperationDefinitionNode | None:
    """The operation this text would run when it is a query (the named one, or the only
    one), else None: a mutation, a subscription, no such operation, or not a document."""
    document = parsed(query)
    if document is None:
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [o for o in operations if o.name and o.name.value == operation_name]
    if len(operations) != 1 or operations[0].operation != OperationType.QUERY:
        return None
    return operations[0]
