"""`ledger report political-ecology`: the half-yearly 政治生态分析报告 of a unit as a PDF."""

from __future__ import annotations

import argparse
from pathlib import Path

from ledger.cli.common import console, group, open_ledger


def cmd_political_ecology(args: argparse.Namespace) -> int:
    from ledger.report import political_ecology_pdf

    out = Path(args.out or f"political-ecology-{args.unit}-{args.half}.pdf")
    ledger = open_ledger(args)
    try:
        ledger.wait_for(ledger.app.head())
        size = political_ecology_pdf(
            ledger, args.unit, args.half, out, role=args.role, chromium=args.chromium
        )
    finally:
        ledger.close()
    console.print(f"wrote {out} ({size:,} bytes)")
    return 0


def register(sub, add) -> None:
    report = group(sub, "report", "printable reports")
    p = add(
        "political-ecology",
        "the half-yearly 政治生态分析报告 of a unit and its subtree, as a PDF (headless chromium)",
        cmd_political_ecology,
        report,
    )
    p.add_argument("--unit", required=True, help="the unit whose subtree the report covers")
    p.add_argument("--half", required=True, help="the half-year: 2024H1 or 2024H2")
    p.add_argument("--out", help="the PDF to write (default political-ecology-UNIT-HALF.pdf)")
    p.add_argument(
        "--role",
        default="VIEWER",
        choices=["VIEWER", "INSPECTOR", "ADMIN"],
        help="the role the report reads as, limited to --unit (VIEWER: no personal case data)",
    )
    p.add_argument("--chromium", help="the chromium executable (default: chromium on PATH)")
