"""`ledger schema`: export the GraphQL SDL, or check that the committed file is fresh."""

from __future__ import annotations

import argparse
from pathlib import Path

from ledger.cli.common import console

SCHEMA_PATH = Path("schema/ledger.graphql")


def cmd_schema(args: argparse.Namespace) -> int:
    from ledger.api.schema import schema

    sdl = schema.as_str() + "\n"
    out = Path(args.out)
    if args.check:
        if not out.exists() or out.read_text(encoding="utf-8") != sdl:
            console.print(f"[red]{out} is stale: run `ledger schema`")
            return 1
        console.print(f"{out} is up to date")
        return 0
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(sdl, encoding="utf-8")
    console.print(f"wrote {out}")
    return 0


def register(sub, add) -> None:
    p = add("schema", "export the GraphQL SDL (default schema/ledger.graphql)", cmd_schema)
    p.add_argument("--out", default=str(SCHEMA_PATH))
    p.add_argument("--check", action="store_true", help="exit 1 when the file is stale")
