"""`ledger projections`: the read models' status, a rebuild from the log, the worker."""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.table import Table

from ledger.cli.common import console, group, open_ledger, progress_bar, settings_from


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


def register(sub, add) -> None:
    proj = group(sub, "projections", "read models: status, rebuild, run")
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
