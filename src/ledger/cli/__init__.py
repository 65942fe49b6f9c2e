"""`ledger`: serve the API, load the demo, run and inspect projections, issue tokens, verify.

Every command takes --store (or LEDGER_STORE): sqlite:///PATH or postgresql://USER@HOST:PORT/DB.
One module per command group: `init`, `serve`, `demo`, `projections`, `evaluation`,
`schema`, `token`, `integrity` (verify, keys, digest, export, import), `report` (the PDF
report); `common` holds what they share.
"""

from __future__ import annotations

import argparse
import os
import sys

from ledger.cli import (
    demo,
    evaluation,
    init,
    integrity,
    projections,
    report,
    schema,
    serve,
    token,
)
from ledger.cli.common import console
from ledger.domain.errors import LedgerError

GROUPS = (init, serve, demo, projections, evaluation, report, schema, token, integrity)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ledger",
        description="Accountability ledger (清廉机关建设): an event-sourced record of "
        "responsibility lists, task letters, evaluations and 一案双查, behind GraphQL.",
        epilog="Store: --store or LEDGER_STORE, sqlite:///PATH (default sqlite:///./ledger.sqlite3) "
        "or postgresql://USER@HOST:PORT/DB.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, help: str, fn, parent=sub) -> argparse.ArgumentParser:  # noqa: A002
        p = parent.add_parser(name, help=help, description=help)
        p.add_argument(
            "--store", help="store URL (default: $LEDGER_STORE or sqlite:///./ledger.sqlite3)"
        )
        p.set_defaults(fn=fn)
        return p

    for group in GROUPS:
        group.register(sub, add)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command. Refusals and store faults end with one line `CODE: message` and exit
    status 1, never a traceback; a reader that closes the pipe (`ledger export | head`)
    ends the command quietly."""
    args = build_parser().parse_args(argv)
    try:
        return args.fn(args)
    except LedgerError as e:
        return refused(e)
    except BrokenPipeError:
        _silence_stdout()
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as e:
        from ledger.faults import unavailable

        found = unavailable(e)
        if found is None:
            raise
        return refused(found)


def refused(e: LedgerError) -> int:
    console.print(
        f"{e.code}: {e.message}", style="red", markup=False, highlight=False, soft_wrap=True
    )
    return 1


def _silence_stdout() -> None:
    """The reader went away: point stdout at /dev/null so that flushing it at exit does not
    raise a second BrokenPipeError (the Python documentation's recipe)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


if __name__ == "__main__":
    sys.exit(main())
