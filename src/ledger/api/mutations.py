"""Mutations: a GraphQL input becomes its command, and the application runs it.

Every mutation is declared in its feature's module with one line,
`register_case = mutation(commands.RegisterCase, RegisterCaseInput)`: the input type is
the API's, the command is the domain's, and `command_from` maps one onto the other by the
fields' wire names. The application authorises, runs and waits for the read models, so a
client that reads right after a mutation sees its own write.
"""

from __future__ import annotations

import dataclasses
import typing
from datetime import date
from enum import Enum
from typing import Any

import strawberry
from strawberry.types import Info

from ledger.commands import Command, wire_name


@strawberry.type
class MutationResult:
    id: strawberry.ID
    position: int


def command_from(command: type[Command], source: Any) -> Command:
    """The command a GraphQL input asks for: each command field takes the input field of
    the same wire name; enums travel as their values, dates as ISO strings, lists as tuples,
    nested inputs as their own small dataclasses."""
    return _build(command, source)


def _build(cls: type, source: Any) -> Any:
    by_wire = {
        f.graphql_name or strawberry_name(f.python_name): f.python_name
        for f in source.__strawberry_definition__.fields
    }
    hints = typing.get_type_hints(cls)
    values = {}
    for f in dataclasses.fields(cls):
        values[f.name] = _plain(getattr(source, by_wire[wire_name(f)]), hints[f.name])
    return cls(**values)


def _plain(value: Any, hint: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        item = _nested(hint)
        return tuple(_plain(v, item) for v in value)
    if hasattr(value, "__strawberry_definition__"):
        return _build(_nested(hint), value)
    return str(value) if isinstance(value, str) else value


def _nested(hint: Any) -> Any:
    """The dataclass (or item type) inside `X | None` or `tuple[X, ...]`."""
    for arg in typing.get_args(hint):
        if arg is not type(None) and arg is not Ellipsis:
            return _nested(arg) if typing.get_args(arg) else arg
    return hint


def strawberry_name(python_name: str) -> str:
    from strawberry.utils.str_converters import to_camel_case

    return to_camel_case(python_name)


def mutation(command: type[Command], input_type: type) -> Any:
    """The mutation field that runs `command` from `input_type`."""

    def resolve(self: Any, info: Info, input: Any) -> MutationResult:
        result = info.context.execute(command_from(command, input), input.idempotency_key)
        return MutationResult(id=strawberry.ID(result.id), position=result.position)

    resolve.__annotations__ = {"info": Info, "input": input_type, "return": MutationResult}
    resolve.__name__ = command.mutation()
    return strawberry.mutation(resolver=resolve)
