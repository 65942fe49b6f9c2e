"""The web front: a read-only page for dashboards, appraisal staff and inspectors at /web/.

Plain ES modules and vendored libraries under ``static/web/assets/`` (no build step, nothing from
the internet: see ``assets/vendor/VERSIONS.txt``). The page talks to the ledger only
through the public GraphQL API with the user's own token, which it keeps in the tab's
session storage and never puts in a URL. Besides the page and its assets this module
serves two things the API does not:

/web/permissions.json          the permission table (``ledger.permissions``), so the page
                               hides what the token's role may not read
/web/export/evaluation         a cycle's results as CSV or XLSX (``ledger.evaluation_export``)
                               for the export buttons: authenticated by the same bearer
                               token, limited to its units, personal case data by role and
                               written to the access log like any other answer carrying it
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from urllib.parse import quote

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from ledger import permissions
from ledger.auth import Caller, authenticate
from ledger.domain.errors import BadInput, LedgerError, NotFound
from ledger.domain.labels import LANGS
from ledger.faults import unavailable
from ledger.integrity.access import AccessLog
from ledger.service import Ledger
from projections.organisation import subtree_units

WEB_STATIC_DIR = Path(__file__).resolve().parent / "static" / "web"
WEB_PREFIX = "/web"
ASSETS = f"{WEB_PREFIX}/assets"

# Everything from this server; scripts only as files (no inline script at all); ECharts and
# the page set element styles, hence 'unsafe-inline' for styles only.
CSP = (
    "default-src 'none'; "
    "script-src 'self'; "
    "style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; "
    "font-src 'self'; "
    "connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}
STATUS = {
    "UNAUTHENTICATED": 401,
    "FORBIDDEN": 403,
    "NOT_FOUND": 404,
    "BAD_INPUT": 400,
    "UNAVAILABLE": 503,
}
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@cache
def permission_table() -> dict:
    """The permission table as the page reads it: which roles may read each restricted
    coordinate (and what the others get), and which roles may run each mutation."""
    return {
        "roles": list(permissions.ROLES),
        "reads": {
            coordinate: {
                "roles": sorted(rule.roles),
                "hide": rule.hide,
                "personal": rule.personal,
                "wholeLog": rule.whole_log,
            }
            for coordinate, rule in permissions.READS.items()
        },
        "writes": {
            command.mutation(): sorted(rule.roles) for command, rule in permissions.WRITES.items()
        },
        "unitBoundRoles": sorted(permissions.UNIT_BOUND_ROLES),
    }


def _error(e: LedgerError) -> JSONResponse:
    return JSONResponse(
        {"errors": [{"message": e.message, "extensions": {"code": e.code}}]},
        status_code=STATUS.get(e.code, 400),
    )


def web_routes(ledger: Ledger) -> list[BaseRoute]:
    index = (WEB_STATIC_DIR / "index.html").read_bytes()

    async def page(request: Request) -> Response:
        return Response(index, media_type="text/html; charset=utf-8", headers=SECURITY_HEADERS)

    async def to_page(request: Request) -> Response:
        return RedirectResponse(f"{WEB_PREFIX}/", status_code=307)

    async def permissions_json(request: Request) -> Response:
        return JSONResponse(permission_table(), headers={"Cache-Control": "no-cache"})

    async def export_evaluation(request: Request) -> Response:
        try:
            caller = authenticate(ledger.settings, request.headers.get("authorization"))
            cycle = request.query_params.get("cycle", "")
            fmt = request.query_params.get("format", "csv")
            lang = request.query_params.get("lang", "zh")
            if not cycle or len(cycle) > 100 or fmt not in FORMATS or lang not in LANGS:
                raise BadInput("cycle=ID, format=csv|xlsx and lang=zh|en")
            data = await anyio.to_thread.run_sync(export, ledger, caller, cycle, fmt, lang)
        except LedgerError as e:
            return _error(e)
        except Exception as e:  # the store failed after its retries: say so, as GraphQL does
            found = unavailable(e)
            if found is None:
                raise
            return _error(found)
        name = f"{cycle}.{fmt}"
        return Response(
            data,
            media_type=FORMATS[fmt],
            headers={
                "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
                "Cache-Control": "no-store",
            },
        )

    return [
        Route("/", to_page),
        Route(WEB_PREFIX, to_page),
        Route(f"{WEB_PREFIX}/", page),
        Route(f"{WEB_PREFIX}/permissions.json", permissions_json),
        Route(f"{WEB_PREFIX}/export/evaluation", export_evaluation),
        Mount(ASSETS, app=StaticFiles(directory=WEB_STATIC_DIR / "assets"), name="web-assets"),
    ]


def export(ledger: Ledger, caller: Caller, cycle_id: str, fmt: str, lang: str) -> bytes:
    """The export the CLI writes, as this caller may see it: rows of its units only, case
    reasons only for the roles that read personal case data (then in the access log)."""
    from ledger.evaluation_export import table, write

    visible = None
    if caller.units is not None:
        units = list(caller.units)
        scope = ledger.reads.run(lambda tx: frozenset(subtree_units(tx, units)))
        visible = scope.__contains__
    personal = caller.role in permissions.PERSONAL_READERS
    try:
        rows, cases = table(ledger, cycle_id, lang, visible=visible, personal=personal)
    except NotFound:
        raise NotFound(f"no evaluation cycle {cycle_id!r} in your units") from None
    if cases:
        AccessLog(ledger.app.recorder).append(
            caller.subject, caller.role, "GET /web/export/evaluation", cases
        )
    return write(rows, fmt, None, lang)
