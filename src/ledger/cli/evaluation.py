"""`ledger evaluation export`: a cycle's results as CSV or XLSX for appraisal staff."""

from __future__ import annotations

import argparse
from pathlib import Path

from ledger.cli.common import cli_actor, console, group, open_ledger
from ledger.integrity.access import AccessLog


def cmd_evaluation_export(args: argparse.Namespace) -> int:
    from ledger.evaluation_export import table, write

    ledger = open_ledger(args)
    try:
        ledger.wait_for(ledger.app.head())
        rows, cases = table(ledger, args.cycle, args.lang)
        if cases:  # the reasons name subjects and facts: personal case data
            AccessLog(ledger.app.recorder).append(
                cli_actor(), "ADMIN", "ledger evaluation export", cases
            )
    finally:
        ledger.close()
    out = Path(args.out) if args.out else Path(f"{args.cycle}.{args.format}")
    write(rows, args.format, out, args.lang)
    console.print(f"wrote {out} ({len(rows) - 1} units)")
    return 0


def register(sub, add) -> None:
    evaluation = group(sub, "evaluation", "evaluation cycles")
    p = add(
        "export",
        "export a cycle's results: one row per unit, one column per criterion",
        cmd_evaluation_export,
        evaluation,
    )
    p.add_argument("cycle", metavar="CYCLE", help="the cycle id, e.g. EV-2024")
    p.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    p.add_argument(
        "--lang", choices=["zh", "en"], default="zh", help="language of headers and values (zh)"
    )
    p.add_argument("--out", help="output file (default CYCLE.csv / CYCLE.xlsx)")
