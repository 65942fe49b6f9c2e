"""What every CLI command shares: the console, progress bars, opening the ledger from --store."""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from ledger.settings import Settings

console = Console(stderr=True, soft_wrap=True)  # messages are not cut at 80 columns


def progress_bar() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )


def settings_from(args: argparse.Namespace) -> Settings:
    settings = Settings()
    if getattr(args, "store", None):
        settings.store = args.store
    return settings


def open_ledger(args: argparse.Namespace, *, create: bool = False):
    """The ledger named by --store. Only the commands that create a ledger (`init`, `demo
    load`, `import`, `serve --init`) pass `create`; every other refuses a store without
    one, and none creates a missing directory: a mistyped path is an error, not a new
    empty ledger."""
    from ledger.service import Ledger

    settings = settings_from(args)
    ledger = Ledger.open(settings, create=create, make_dirs=False)
    if ledger.created:
        console.print(f"created a new ledger in {describe_store(ledger)}")
    if create:
        ensure_token_secret(settings)
    return ledger


def ensure_token_secret(settings: Settings) -> None:
    """The commands that set a ledger up also make its token secret, once (see `auth`)."""
    from ledger.auth import ensure_secret

    created = ensure_secret(settings)
    if created:
        console.print(f"created a new token secret at {created} (mode 0600)")


def describe_store(ledger) -> str:
    from ledger.store import describe

    return describe(ledger.app.store)


def group(sub, name: str, help: str):  # noqa: A002
    """A command group (`ledger NAME ACTION`): returns the parent its actions are added to."""
    return sub.add_parser(name, help=help).add_subparsers(
        dest=f"{name}_command", required=True, metavar="ACTION"
    )


def cli_actor() -> str:
    """Who runs a CLI command that reads personal case data, for the access log: the
    operating-system user (the CLI holds the store itself, so it acts as ADMIN)."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no user name to be had (a container without one)
        return "cli:unknown"
