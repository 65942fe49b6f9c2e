"""Mutations: the application runs the command a GraphQL input carries.

Every mutation is one line in its feature's module, `register_case = mutation(RegisterCase)`:
its input type is built from the command (`ledger.api.inputs`), and the application
authorises, runs and waits for the read models, so a client that reads right after a
mutation sees its own write.
"""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from ledger.api.inputs import command_from, input_type
from ledger.commands import Command


@strawberry.type
class MutationResult:
    id: strawberry.ID
    position: int


def mutation(command: type[Command]) -> Any:
    """The mutation field that runs `command` from its input type."""

    def resolve(self: Any, info: Info, input: Any) -> MutationResult:
        result = info.context.execute(command_from(command, input), input.idempotency_key)
        if not result.projected:
            info.context.not_projected(result.position)
        return MutationResult(id=strawberry.ID(result.id), position=result.position)

    resolve.__annotations__ = {"info": Info, "input": input_type(command), "return": MutationResult}
    resolve.__name__ = command.mutation()
    return strawberry.mutation(resolver=resolve)
