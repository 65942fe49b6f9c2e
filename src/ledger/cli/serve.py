"""`ledger serve`: GraphQL (and GraphiQL) over HTTP and websockets, with uvicorn."""

from __future__ import annotations

import argparse
import gc
from typing import Any

from ledger.cli.common import console, ensure_token_secret, open_ledger, settings_from

# A subscribe message is a small document: the same bound as an HTTP request body.
MAX_WEBSOCKET_MESSAGE = 256 * 1024
# Allocations (net of frees) between two collections of the youngest generation: Python's
# default of 700 made a server under load spend ~300-700 µs of every mutation (10-25% of
# its CPU) in the cyclic collector, mostly scanning objects that were live anyway.
YOUNG_COLLECTION = 10_000


def collect_less() -> None:
    """Tune the cyclic garbage collector for a long-running server: what exists once the
    server is set up (modules, the schema, the ledger) is frozen out of every later
    collection, and the youngest generation is collected less often (requests' cycles are
    still collected, a little later; measured in BENCHMARKS.md, *Mutations under wrk*)."""
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION, *gc.get_threshold()[1:])


def worker_app() -> Any:
    """The app of one of several uvicorn workers (each a process of its own)."""
    from ledger.api.app import create_app

    app = create_app()
    collect_less()
    return app


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from ledger.logs import configure_logging

    settings = settings_from(args)
    settings.host = args.host or settings.host
    settings.port = args.port or settings.port
    if args.no_projector:
        settings.embedded_projector = False
    configure_logging(settings)
    # Refuse a store without a ledger (a mistyped path or database) unless --init; with it,
    # create the ledger here, once, before any worker starts.
    args.store = settings.store
    open_ledger(args, create=args.init).close()
    ensure_token_secret(settings)  # the server holds the secret its tokens are checked with
    if settings.embedded_projector:
        from ledger.integrity.witness import require_key

        require_key(settings)  # witnessing (LEDGER_DIGEST_DIR) cannot start without its key
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
            "ledger.cli.serve:worker_app",
            factory=True,
            host=settings.host,
            port=settings.port,
            workers=args.workers,
            log_config=None,
            access_log=False,  # one JSON line per request is ours (ledger.api.app)
            ws_max_size=MAX_WEBSOCKET_MESSAGE,
        )
        return 0
    from ledger.api.app import create_app

    console.print(
        f"GraphQL on http://{settings.host}:{settings.port}/graphql (store {settings.store})"
    )
    app = create_app(settings=settings)
    collect_less()
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,  # one JSON line per request is ours (ledger.api.app)
        ws_max_size=MAX_WEBSOCKET_MESSAGE,
    )
    return 0


def register(sub, add) -> None:
    p = add("serve", "serve GraphQL (and GraphiQL) at http://HOST:PORT/graphql", cmd_serve)
    p.add_argument("--host", help="bind address (default 127.0.0.1, or $LEDGER_HOST)")
    p.add_argument("--port", type=int, help="port (default 8000, or $LEDGER_PORT)")
    p.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    p.add_argument(
        "--init",
        action="store_true",
        help="create a new ledger when the store holds none (otherwise refused, as a "
        "mistyped store would be)",
    )
    p.add_argument(
        "--no-projector",
        action="store_true",
        help="do not run projections in this process (run `ledger projections run`)",
    )
