"""`ledger init`: create a ledger in the store named by --store (the only command, with
`serve --init`, `demo load` and `import`, that may create one)."""

from __future__ import annotations

import argparse

from ledger.cli.common import console, describe_store, open_ledger


def cmd_init(args: argparse.Namespace) -> int:
    ledger = open_ledger(args, create=True)
    try:
        if not ledger.created:
            console.print(
                f"{describe_store(ledger)} already holds a ledger (log head "
                f"{ledger.app.head()}); nothing changed"
            )
    finally:
        ledger.close()
    return 0


def register(sub, add) -> None:
    add(
        "init",
        "create a new, empty ledger in the store (its directory or database must exist); "
        "a store that already holds one is left as it is",
        cmd_init,
    )
