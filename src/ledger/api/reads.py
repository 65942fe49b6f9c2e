"""Restricted reads, enforced from the one table (`ledger.permissions.READS`).

Each restricted field's resolver (or a subscription's source) is wrapped once, when the
schema is built, so fields that are open cost nothing extra. The wrapper refuses the field
(FORBIDDEN) or answers null for a role that may not see it, and records the cases whose
personal data the answer carries (the access log). A coordinate in the table that the
schema does not have fails at import: the table cannot drift from the schema unseen.
"""

from __future__ import annotations

import functools
from typing import Any

from graphql import GraphQLError, GraphQLObjectType

from ledger import permissions
from ledger.domain.errors import LedgerError


def guard_reads(schema: Any) -> None:
    graphql_schema = schema._schema
    for coordinate, rule in permissions.READS.items():
        type_name, _, field_name = coordinate.partition(".")
        owner = graphql_schema.get_type(type_name)
        if not isinstance(owner, GraphQLObjectType) or field_name not in owner.fields:
            raise LookupError(f"permissions.READS names {coordinate}, which the schema lacks")
        field = owner.fields[field_name]
        if field.subscribe is not None:
            field.subscribe = _guarded_source(field.subscribe, coordinate)
        else:
            field.resolve = _guarded(field.resolve, coordinate, rule.personal)


def case_of(root: Any, args: dict) -> str | None:
    """The case a personal field belongs to: the Case it is read on, or the one asked for
    (the arguments arrive here by their GraphQL names: `caseId`)."""
    row = getattr(root, "row", None)
    return getattr(row, "case_id", None) or args.get("caseId")


def _guarded(resolve: Any, coordinate: str, personal: bool) -> Any:
    @functools.wraps(resolve)
    def guarded(root: Any, info: Any, **args: Any) -> Any:
        if info.context.caller.may_read(coordinate) is None:
            return None  # a field this role sees as null
        result = resolve(root, info, **args)
        if personal and result is not None:
            info.context.access(case_of(root, args))
        return result

    return guarded


def _guarded_source(subscribe: Any, coordinate: str) -> Any:
    @functools.wraps(subscribe)
    async def guarded(root: Any, info: Any, **args: Any) -> Any:
        try:
            info.context.caller.may_read(coordinate)
        except LedgerError as e:  # subscriptions bypass CodedErrors: code the refusal here
            raise GraphQLError(e.message, extensions={"code": e.code}) from None
        return await subscribe(root, info, **args)

    return guarded
