"""`ledger`: serve the API, load the demo, run and inspect projections, issue tokens, verify.

Every command takes --store (or LEDGER_STORE): sqlite:///PATH or postgresql://USER@HOST:PORT/DB.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from ledger import integrity_cli
from ledger.cli_common import console, open_ledger, progress_bar, settings_from
from ledger.domain.errors import BadInput, LedgerError

SCHEMA_PATH = Path("schema/ledger.graphql")
# A subscribe message is a small document: the same bound as an HTTP request body.
MAX_WEBSOCKET_MESSAGE = 256 * 1024


# ---------------------------------------------------------------------- commands


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from ledger.logs import configure_logging

    settings = settings_from(args)
    settings.host = args.host or settings.host
    settings.port = args.port or settings.port
    if args.no_projector:
        settings.embedded_projector = False
    configure_logging(settings)
    if args.workers > 1:
        import os
        import tempfile

        os.environ["LEDGER_STORE"] = settings.store
        # Several workers share their Prometheus counters through a directory.
        os.environ.setdefault(
            "PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="ledger-metrics-")
        )
        os.environ["LEDGER_EMBEDDED_PROJECTOR"] = "1" if settings.embedded_projector else "0"
        uvicorn.run(
            "ledger.api.app:create_app",
            factory=True,
            host=settings.host,
            port=settings.port,
            workers=args.workers,
            log_config=None,
            ws_max_size=MAX_WEBSOCKET_MESSAGE,
        )
        return 0
    from ledger.api.app import create_app

    console.print(
        f"GraphQL on http://{settings.host}:{settings.port}/graphql (store {settings.store})"
    )
    uvicorn.run(
        create_app(settings=settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        ws_max_size=MAX_WEBSOCKET_MESSAGE,
    )
    return 0


def cmd_demo_load(args: argparse.Namespace) -> int:
    import logging

    from ledger import demo
    from ledger.logs import configure_logging

    configure_logging(settings_from(args), level=logging.WARNING)  # the bar, not 181 lines
    ledger = open_ledger(args)
    try:
        with progress_bar() as bar:
            task = bar.add_task("loading the demo organisation", total=demo.step_count(ledger.app))
            steps, appended = demo.load(ledger.app, lambda: bar.advance(task))
        console.print(
            f"demo: {steps} steps, {appended} events appended "
            f"({'already loaded' if appended == 0 else 'loaded'}); head {ledger.app.head()}"
        )
        ledger.runner.catch_up()
    finally:
        ledger.close()
    return 0


def cmd_demo_tokens(args: argparse.Namespace) -> int:
    """One token per role, each with a curl line a newcomer can paste."""
    from ledger import demo
    from ledger.auth import ROLES, issue_token

    settings = settings_from(args)
    url = f"http://{args.host}:{args.port}/graphql"
    print(f"Tokens for the demo (valid 8h; paste one into GraphiQL's Headers tab at {url}):")
    for role in ROLES:
        units = [demo.BRANCH_UNIT] if role == "BRANCH" else []
        token = issue_token(settings, f"demo-{role.lower()}", role, units, "8h")
        print(f"\n{role}{' (scope ' + units[0] + ')' if units else ''}:\n  {token}")
        if role == "VIEWER":
            print(
                f"  curl -s {url} -H 'Authorization: Bearer {token}' -H 'Content-Type: application/json' "
                '-d \'{"query": "{ units { id name kind } }"}\''
            )
    print()
    return 0


def cmd_projections_status(args: argparse.Namespace) -> int:
    ledger = open_ledger(args)
    try:
        head = ledger.app.head()
        table = Table(title=f"projections (log head {head})")
        for col in ("projector", "position", "behind"):
            table.add_column(col)
        for name, position in ledger.runner.positions().items():
            table.add_row(name, str(position), str(head - position))
        Console().print(table)
    finally:
        ledger.close()
    return 0


def cmd_projections_rebuild(args: argparse.Namespace) -> int:
    ledger = open_ledger(args)
    try:
        head = ledger.app.head()
        ledger.runner.reset()
        with progress_bar() as bar:
            task = bar.add_task("rebuilding read models", total=head or 1)
            ledger.runner.catch_up(until=head, on_page=lambda p: bar.update(task, completed=p))
            bar.update(task, completed=head or 1)
        ledger.runner.catch_up()
        console.print(
            f"rebuilt {len(ledger.runner.projectors)} projections to position "
            f"{min(ledger.runner.positions().values())}"
        )
    finally:
        ledger.close()
    return 0


def cmd_projections_run(args: argparse.Namespace) -> int:
    """The projection worker: follow the log until interrupted."""
    import signal
    import threading

    from ledger.logs import configure_logging

    settings = settings_from(args)
    configure_logging(settings)
    ledger = open_ledger(args)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    ledger.start_projector()
    console.print(f"projection worker following {settings.store}")
    stop.wait()
    ledger.close()
    return 0


def cmd_evaluation_export(args: argparse.Namespace) -> int:
    from ledger.evaluation_export import table, write

    ledger = open_ledger(args)
    try:
        ledger.wait_for(ledger.app.head())
        rows = table(ledger, args.cycle, args.lang)
    finally:
        ledger.close()
    out = Path(args.out) if args.out else Path(f"{args.cycle}.{args.format}")
    write(rows, args.format, out)
    console.print(f"wrote {out} ({len(rows) - 1} units)")
    return 0


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


def cmd_token_issue(args: argparse.Namespace) -> int:
    from ledger.auth import UNIT_BOUND_ROLES, issue_token

    if args.role in UNIT_BOUND_ROLES and not args.unit:
        # The server would refuse every write of such a token; say so now, not at first use.
        raise BadInput(f"a {args.role} token acts for named units: give --unit ID (repeatable)")
    print(issue_token(settings_from(args), args.subject, args.role, args.unit or [], args.ttl))
    return 0


# ---------------------------------------------------------------------- parser


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

    p = add("serve", "serve GraphQL (and GraphiQL) at http://HOST:PORT/graphql", cmd_serve)
    p.add_argument("--host", help="bind address (default 127.0.0.1, or $LEDGER_HOST)")
    p.add_argument("--port", type=int, help="port (default 8000, or $LEDGER_PORT)")
    p.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    p.add_argument(
        "--no-projector",
        action="store_true",
        help="do not run projections in this process (run `ledger projections run`)",
    )

    demo = sub.add_parser("demo", help="the demo organisation").add_subparsers(
        dest="demo_command", required=True, metavar="ACTION"
    )
    add(
        "load",
        "load the demo organisation (idempotent: a second load appends nothing)",
        cmd_demo_load,
        demo,
    )
    p = add(
        "tokens",
        "print a bearer token for each role, with a ready curl line",
        cmd_demo_tokens,
        demo,
    )
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)

    proj = sub.add_parser("projections", help="read models: status, rebuild, run").add_subparsers(
        dest="projections_command", required=True, metavar="ACTION"
    )
    add(
        "status",
        "each projector's position against the head of the log",
        cmd_projections_status,
        proj,
    )
    add(
        "rebuild",
        "drop the read models and rebuild them from the log (progress bar)",
        cmd_projections_rebuild,
        proj,
    )
    add("run", "run the projection worker: follow the log until stopped", cmd_projections_run, proj)

    evaluation = sub.add_parser("evaluation", help="evaluation cycles").add_subparsers(
        dest="evaluation_command", required=True, metavar="ACTION"
    )
    p = add(
        "export",
        "export a cycle's results: one row per unit, one column per criterion",
        cmd_evaluation_export,
        evaluation,
    )
    p.add_argument("cycle", metavar="CYCLE", help="the cycle id, e.g. EV-2024")
    p.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    p.add_argument("--lang", choices=["en", "zh"], default="en", help="header language")
    p.add_argument("--out", help="output file (default CYCLE.csv / CYCLE.xlsx)")

    p = add("schema", "export the GraphQL SDL (default schema/ledger.graphql)", cmd_schema)
    p.add_argument("--out", default=str(SCHEMA_PATH))
    p.add_argument("--check", action="store_true", help="exit 1 when the file is stale")

    token = sub.add_parser("token", help="bearer tokens").add_subparsers(
        dest="token_command", required=True, metavar="ACTION"
    )
    p = add("issue", "print a signed bearer token", cmd_token_issue, token)
    p.add_argument("--subject", required=True, help="who acts (recorded as the actor of events)")
    p.add_argument(
        "--role",
        required=True,
        choices=["ADMIN", "RECORDER", "APPRAISER", "BRANCH", "INSPECTOR", "VIEWER"],
    )
    p.add_argument(
        "--unit", action="append", help="limit the token to this unit's subtree (repeatable)"
    )
    p.add_argument("--ttl", default="8h", help="lifetime, e.g. 30m, 8h, 7d (default 8h)")

    integrity_cli.register(sub, add)
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
