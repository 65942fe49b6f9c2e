"""`ledger demo`: load the demo organisation, print a token per role."""

from __future__ import annotations

import argparse

from ledger.cli.common import console, group, open_ledger, progress_bar, settings_from


def cmd_demo_load(args: argparse.Namespace) -> int:
    import logging

    from ledger import demo
    from ledger.logs import configure_logging

    configure_logging(settings_from(args), level=logging.WARNING)  # the bar, not 181 lines
    ledger = open_ledger(args, create=True)
    try:
        with progress_bar() as bar:
            task = bar.add_task("loading the demo organisation", total=demo.step_count())
            steps, appended = demo.load(ledger, lambda: bar.advance(task))
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
    web = f"http://{args.host}:{args.port}/web/"
    print(
        f"Tokens for the demo (valid 8h): paste one into the web front at {web} "
        f"(an INSPECTOR sees every page), or into GraphiQL's Headers tab at {url}"
    )
    for role in ROLES:
        units = [demo.BRANCH_UNIT] if role == "BRANCH" else None
        token = issue_token(settings, f"demo-{role.lower()}", role, units, "8h")
        print(f"\n{role}{' (scope ' + units[0] + ')' if units else ''}:\n  {token}")
        if role == "VIEWER":
            print(
                f"  curl -s {url} -H 'Authorization: Bearer {token}' -H 'Content-Type: application/json' "
                '-d \'{"query": "{ units { id name kind } }"}\''
            )
    print()
    return 0


def register(sub, add) -> None:
    demo = group(sub, "demo", "the demo organisation")
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
