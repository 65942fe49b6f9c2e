"""`ledger`: serve the API, load the demo, run and inspect projections, issue tokens, verify.

Every command takes --store (or LEDGER_STORE): sqlite:///PATH or postgresql://USER@HOST:PORT/DB.
One module per command group: `serve`, `demo`, `projections`, `evaluation`, `schema`,
`token`, `integrity` (verify, keys, digest, export, import), `report` (the PDF report); `common` holds what they share.
"""

from __future__ import annotations

import argparse
import sys

from ledger.cli import demo, evaluation, integrity, projections, report, schema, serve, token
from ledger.cli.common import console
from ledger.domain.errors import LedgerError

GROUPS = (serve, demo, projections, evaluation, report, schema, token, integrity)


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
    args = build_parser().parse_args(argv)
    try:
        return args.fn(args)
    except LedgerError as e:
        console.print(f"[red]{e.code}: {e.message}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
