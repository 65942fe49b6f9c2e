"""GraphQL input types, built from the commands they carry (`ledger.commands`).

A command's dataclass says everything its input needs: field order, Python type, and in
its field metadata the GraphQL type when not plain (`ID`, `Date`, an enum's name), the
name on the wire and a description. So a command is declared once, and the input a client
sends turns into it by field name (`command_from`). Every input ends with the optional
`idempotencyKey`.

Enums are built from the labels table with `graphql_enum` (also what `labels` lists).
"""

from __future__ import annotations

import dataclasses
import functools
import typing
from datetime import date
from enum import Enum
from typing import Any

import strawberry
from strawberry.utils.str_converters import to_camel_case

from ledger.commands import Command
from ledger.domain.labels import LABELS

ENUMS: dict[str, type[Enum]] = {}
SCALARS: dict[str, Any] = {"ID": strawberry.ID, "Date": date}
_BUILT: dict[str, type] = {}


def graphql_enum(name: str, description: str | None = None) -> Any:
    """The strawberry enum `name`, its values (in order) from the labels table
    (`ledger.domain.labels`, where each value also has its Chinese and English names), and
    remembered by name for the inputs and the `labels` query."""
    members = [(value, value) for value in LABELS[name]]
    enum = strawberry.enum(Enum(name, members), description=description)  # type: ignore[misc]
    ENUMS[name] = enum
    return enum


def input_type(cls: type) -> type:
    """The strawberry input type of a command (or of a value nested in one), built once."""
    name = cls.__dict__.get("INPUT") or getattr(cls, "INPUT", None) or f"{cls.__name__}Input"
    if name in _BUILT:
        return _BUILT[name]
    hints = typing.get_type_hints(cls)
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        annotations[f.name] = _graphql_type(hints[f.name], f.metadata.get("graphql"))
        wire = f.metadata.get("wire")
        namespace[f.name] = strawberry.field(
            name=wire if wire and wire != to_camel_case(f.name) else None,
            description=f.metadata.get("about"),
            default=f.default,
        )
    if issubclass(cls, Command):
        annotations["idempotency_key"] = str | None
        namespace["idempotency_key"] = None
    namespace["__annotations__"] = annotations
    built = strawberry.input(
        type(name, (), namespace), name=name, description=cls.__dict__.get("ABOUT")
    )
    _BUILT[name] = built
    return built


def _graphql_type(hint: Any, graphql: str | None) -> Any:
    args = typing.get_args(hint)
    if type(None) in args:  # X | None
        inner = next(a for a in args if a is not type(None))
        return _graphql_type(inner, graphql) | None
    if typing.get_origin(hint) is tuple:
        return list[_graphql_type(args[0], graphql)]
    if dataclasses.is_dataclass(hint):
        return input_type(hint)  # type: ignore[arg-type]
    if graphql is None:
        return hint
    return SCALARS.get(graphql) or ENUMS[graphql]


def command_from(command: type[Command], source: Any) -> Command:
    """The command a GraphQL input asks for: enums travel as their names, dates as ISO
    strings, lists as tuples, nested inputs as their own small dataclasses."""
    return _build(command, source)


def _build(cls: type, source: Any) -> Any:
    return cls(**{name: _plain(getattr(source, name), hint) for name, hint in _fields(cls)})


@functools.cache
def _fields(cls: type) -> tuple[tuple[str, Any], ...]:
    """A dataclass's fields with their resolved types, once per class (resolving the type
    hints on every request was a tenth of a mutation's time)."""
    hints = typing.get_type_hints(cls)
    return tuple((f.name, hints[f.name]) for f in dataclasses.fields(cls))


def _plain(value: Any, hint: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return tuple(_plain(v, _inner(hint)) for v in value)
    if hasattr(value, "__strawberry_definition__"):
        return _build(_inner(hint), value)
    return value


def _inner(hint: Any) -> Any:
    """The dataclass (or item type) inside `X | None` or `tuple[X, ...]`."""
    for arg in typing.get_args(hint):
        if arg is not type(None) and arg is not Ellipsis:
            return _inner(arg) if typing.get_args(arg) else arg
    return hint
