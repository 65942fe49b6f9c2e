"""A GraphiQL page that works with no internet.

Inspectors reach the ledger from networks that have no internet access, so the
usual GraphiQL page (React and GraphiQL loaded from a CDN) would come up blank
there. This page loads React, ReactDOM, GraphiQL and the graphql-ws client (subscriptions) only
from copies vendored from the npm registry into ``static/graphiql/`` (see ``VERSIONS.txt``
there) and served by this app under :data:`GRAPHIQL_ASSET_PREFIX`.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from urllib.parse import urlsplit

from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

GRAPHIQL_ASSET_PREFIX = "/graphiql-assets"

GRAPHIQL_STATIC_DIR = Path(__file__).resolve().parent / "static" / "graphiql"

_TITLE = "Accountability ledger — GraphiQL"

# Shown in the headers editor the first time (before anything was persisted),
# so users see where the token goes; a blank token is not sent (see fetcher).
_DEFAULT_HEADERS = '{\n  "Authorization": "Bearer "\n}'


def _script_literal(value: str) -> str:
    """A JS string literal that is safe inside an inline <script> element."""
    return (
        json.dumps(value)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _connect_src(endpoint: str, websocket_origin: str | None = None) -> str:
    """CSP connect-src: this server (and its websocket origin, for subscriptions), plus the
    endpoint's origin if it is absolute."""
    sources = ["'self'"]
    if websocket_origin:
        sources.append(websocket_origin)
    parts = urlsplit(endpoint)
    if parts.scheme in ("http", "https") and parts.netloc:
        sources.append(f"{parts.scheme}://{parts.netloc}")
        sources.append(f"{'wss' if parts.scheme == 'https' else 'ws'}://{parts.netloc}")
    return " ".join(sources)


# The query editor's first content: how to get in, instead of an error and no hint.
_DEFAULT_QUERY = """# Accountability ledger (清廉机关建设) — GraphiQL
#
# 1. Paste a token into the Headers tab below, as
#      {"Authorization": "Bearer <token>"}
#    `make demo` prints one per role; or run
#      ledger token issue --subject me --role VIEWER
# 2. Re-fetch the schema (the ⟳ button on the left, or Shift+Ctrl+R):
#    the documentation and completion appear.
# 3. Run this query (▶), or write your own:
{
  units { id name kind }
}
# Subscriptions run here too, over a websocket with the same token
# (ADMIN, RECORDER, APPRAISER or INSPECTOR), e.g.:
#   subscription { ledgerEvents { position type entityId actor } }
"""

# What the fetcher answers while no token is pasted (the server would only refuse).
_NO_TOKEN = {
    "errors": [
        {
            "message": (
                "No token yet: paste one into the Headers tab below as "
                '{"Authorization": "Bearer <token>"} (`make demo` prints one per role, or '
                "run `ledger token issue --subject me --role VIEWER`), then re-fetch the "
                "schema (the ⟳ button on the left, or Shift+Ctrl+R)."
            ),
            "extensions": {"code": "UNAUTHENTICATED"},
        }
    ]
}


def _config(endpoint: str) -> str:
    """The page's settings for ledger-graphiql.js: JSON that cannot end its <script>."""
    text = json.dumps(
        {
            "endpoint": endpoint,
            "defaultHeaders": _DEFAULT_HEADERS,
            "defaultQuery": _DEFAULT_QUERY,
            "noToken": _NO_TOKEN,
        },
        ensure_ascii=False,
    )
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escape)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def graphiql_html(endpoint: str = "/graphql", websocket_origin: str | None = None) -> str:
    """The full GraphiQL page for ``endpoint``, loading nothing from the internet.

    Every script and stylesheet comes from :data:`GRAPHIQL_ASSET_PREFIX` on this
    server (inspectors' networks have no internet), and a Content-Security-Policy
    makes the browser refuse anything else, so an offline page fails loudly
    rather than hanging on a CDN. The headers editor is enabled and persisted:
    users paste ``{"Authorization": "Bearer <token>"}`` there once, and the
    fetcher sends it with every request (an empty ``Bearer`` is left out; with no
    token the fetcher answers with how to get one instead of asking the server).
    Subscriptions go over a websocket (graphql-transport-ws, the vendored graphql-ws
    client), authenticated with the same header in ``connection_init``; queries and
    mutations are POSTed.
    """
    prefix = GRAPHIQL_ASSET_PREFIX
    csp = (
        "default-src 'none'; "
        "script-src 'self' 'unsafe-inline'; "
        "style-src 'self' 'unsafe-inline'; "
        "font-src 'self' data:; "
        "img-src 'self' data:; "
        f"connect-src {_connect_src(endpoint, websocket_origin)}; "
        "base-uri 'none'; form-action 'none'"
    )
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{html.escape(csp, quote=True)}">
<title>{html.escape(_TITLE)}</title>
<link rel="stylesheet" href="{prefix}/graphiql.min.css">
<style>
  html, body {{ height: 100%; margin: 0; }}
  #graphiql {{ height: 100vh; }}
</style>
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<script src="{prefix}/react.production.min.js"></script>
<script src="{prefix}/react-dom.production.min.js"></script>
<script src="{prefix}/graphiql.min.js"></script>
<script id="ledger-graphiql-config" type="application/json">{_config(endpoint)}</script>
<script type="module" src="{prefix}/ledger-graphiql.js"></script>
</body>
</html>
"""


def graphiql_assets_mount() -> Mount:
    """Serve the vendored GraphiQL assets under :data:`GRAPHIQL_ASSET_PREFIX`.

    The page must not depend on a CDN (inspectors' networks have no internet),
    so the app itself serves the files the page loads.
    """
    return Mount(
        GRAPHIQL_ASSET_PREFIX,
        app=StaticFiles(directory=GRAPHIQL_STATIC_DIR),
        name="graphiql-assets",
    )
