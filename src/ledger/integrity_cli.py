"""CLI commands for inspectors: verify the hash chain (and, later, digests, proofs, export/import)."""

from __future__ import annotations

import argparse
import json

from ledger.cli_common import console, open_ledger, progress_bar


def cmd_verify(args: argparse.Namespace) -> int:
    from ledger.integrity import verify_log

    ledger = open_ledger(args)
    try:
        head = ledger.app.head()
        with progress_bar() as bar:
            task = bar.add_task("re-hashing the log", total=head or 1)
            result = verify_log(
                ledger.app.recorder, on_progress=lambda p: bar.update(task, completed=p)
            )
    finally:
        ledger.close()
    print(
        json.dumps(
            {
                "ok": result.ok,
                "checkedEvents": result.checked_events,
                "headPosition": result.head_position,
                "headHash": result.head_hash,
                "firstBadPosition": result.first_bad_position,
                "problem": result.problem,
            },
            indent=2,
        )
    )
    if not result.ok:
        console.print(
            f"[red]tampering detected at position {result.first_bad_position}: {result.problem}"
        )
        return 2
    return 0


def register(sub, add) -> None:
    """Add this module's commands to the `ledger` parser (`add(name, help, fn, parent)`)."""
    add("verify", "re-hash the whole log; exit 2 naming the first bad position", cmd_verify)
