"""`ledger projections`: the read models' status, a rebuild from the log, the worker."""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.table import Table

from ledger.cli.common import console, group, open_ledger, progress_bar, settings_from


def cmd_projections_status(args: argparse.Namespace) -> int:
    from ledger.health import readiness

    ledger = open_ledger(args)
    try:
        ready = readiness(ledger)
    finally:
        ledger.close()
    head = ready["head"]
    out = Console()
    table = Table(title=f"projections (log head {head})")
    for col in ("projector", "position", "behind"):
        table.add_column(col)
    for name, position in ready["projections"].items():
        table.add_row(name, str(position), str(head - position))
    out.print(table)
    runners = Table(title="projection runners (heartbeats)")
    for col in ("runner", "position", "last beat", "alive", "last error"):
        runners.add_column(col)
    for b in ready["projectors"]:
        ago = "never" if b["secondsSinceBeat"] is None else f"{b['secondsSinceBeat']} s ago"
        runners.add_row(
            b["runner"], str(b["position"]), ago, "yes" if b["alive"] else "no", b["error"] or ""
        )
    out.print(runners)
    if ready["ready"]:
        out.print("ready")
    for reason in ready["reasons"]:
        out.print(f"not ready: {reason}", markup=False)
    return 0


def cmd_projections_alive(args: argparse.Namespace) -> int:
    """The projector's health check: has a runner of this host (this container) recorded a
    heartbeat within --within seconds, without an error since? Reads only the heartbeats."""
    import socket
    import time

    from ledger.store import parse_store_url
    from projections.db import ReadStore

    settings = settings_from(args)
    within = args.within if args.within is not None else settings.projector_stale_after
    host = args.host or socket.gethostname()
    reads = ReadStore(parse_store_url(settings.store), pool_size=1)
    try:
        with reads.read() as tx:
            rows = tx.all(
                "SELECT runner, beat_at, error FROM rm_heartbeat WHERE host = ? "
                "ORDER BY beat_at DESC",
                (host,),
            )
    except Exception as e:
        console.print(
            f"not alive: no heartbeat can be read ({type(e).__name__}: {e})", markup=False
        )
        return 1
    finally:
        reads.close()
    now = time.time()
    fresh = [r for r in rows if r["beat_at"] and now - float(r["beat_at"]) <= within]
    if fresh:
        r = fresh[0]
        console.print(f"alive: {r['runner']} beat {now - float(r['beat_at']):.1f} s ago")
        return 0
    if not rows:
        console.print(
            f"not alive: no projector on host {host} has recorded a heartbeat", markup=False
        )
    else:
        r = rows[0]
        last = f"{now - float(r['beat_at']):.0f} s ago" if r["beat_at"] else "never"
        error = f"; last error: {r['error']}" if r["error"] else ""
        console.print(
            f"not alive: the last heartbeat of {r['runner']} was {last} (limit {within:g} s){error}",
            markup=False,
        )
    return 1


def cmd_projections_rebuild(args: argparse.Namespace) -> int:
    """Rebuild beside the live read models and swap them in at once: a server running on the
    same store keeps answering (from the old tables, then from the new), never from a
    missing or half-built one."""
    ledger = open_ledger(args)
    try:
        head = ledger.app.head()
        with progress_bar() as bar:
            task = bar.add_task("rebuilding read models", total=head or 1)
            reached = ledger.runner.rebuild(
                on_page=lambda p: bar.update(task, completed=min(p, head or 1))
            )
            bar.update(task, completed=head or 1)
        console.print(
            f"rebuilt {len(ledger.runner.projectors)} projections to position {reached} "
            "and swapped them in"
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
    p = add(
        "alive",
        "exit 0 when a projector on this host recorded a heartbeat recently (its health check)",
        cmd_projections_alive,
        proj,
    )
    p.add_argument(
        "--within",
        type=float,
        help="seconds (default LEDGER_PROJECTOR_STALE_AFTER, 15)",
    )
    p.add_argument("--host", help="whose heartbeat (default: this host's name)")
