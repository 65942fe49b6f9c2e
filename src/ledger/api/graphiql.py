"""A GraphiQL page that works with no internet.

Inspectors reach the ledger from networks that have no internet access, so the
usual GraphiQL page (React and GraphiQL loaded from a CDN) would come up blank
there. This page loads React, ReactDOM and GraphiQL only from copies vendored
from the npm registry into ``static/graphiql/`` (see ``VERSIONS.txt`` there)
and served by this app under :data:`GRAPHIQL_ASSET_PREFIX`.
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


def _connect_src(endpoint: str) -> str:
    """CSP connect-src: this server, plus the endpoint's origin if it is absolute."""
    parts = urlsplit(endpoint)
    if parts.scheme in ("http", "https") and parts.netloc:
        return f"'self' {parts.scheme}://{parts.netloc}"
    return "'self'"


def graphiql_html(endpoint: str = "/graphql") -> str:
    """The full GraphiQL page for ``endpoint``, loading nothing from the internet.

    Every script and stylesheet comes from :data:`GRAPHIQL_ASSET_PREFIX` on this
    server (inspectors' networks have no internet), and a Content-Security-Policy
    makes the browser refuse anything else, so an offline page fails loudly
    rather than hanging on a CDN. The headers editor is enabled and persisted:
    users paste ``{"Authorization": "Bearer <token>"}`` there once, and the
    fetcher sends it with every request (an empty ``Bearer`` is left out, so
    anonymous requests stay anonymous).
    """
    prefix = GRAPHIQL_ASSET_PREFIX
    csp = (
        "default-src 'none'; "
        "script-src 'self' 'unsafe-inline'; "
        "style-src 'self' 'unsafe-inline'; "
        "font-src 'self' data:; "
        "img-src 'self' data:; "
        f"connect-src {_connect_src(endpoint)}; "
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
<script>
(function () {{
  "use strict";
  var endpoint = {_script_literal(endpoint)};

  // Drop an Authorization header whose token is still empty ("Bearer ").
  function requestHeaders(editorHeaders) {{
    var headers = {{ "Content-Type": "application/json", "Accept": "application/json" }};
    var given = editorHeaders || {{}};
    Object.keys(given).forEach(function (name) {{
      var value = given[name];
      if (value === undefined || value === null) return;
      value = String(value);
      if (name.toLowerCase() === "authorization" && /^\\s*(bearer)?\\s*$/i.test(value)) return;
      headers[name] = value;
    }});
    return headers;
  }}

  function fetcher(graphQLParams, opts) {{
    return fetch(endpoint, {{
      method: "POST",
      headers: requestHeaders(opts && opts.headers),
      body: JSON.stringify(graphQLParams),
      credentials: "same-origin"
    }}).then(function (response) {{
      return response.text().then(function (text) {{
        try {{ return JSON.parse(text); }} catch (e) {{ return text; }}
      }});
    }});
  }}

  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(React.createElement(GraphiQL, {{
    fetcher: fetcher,
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: true,
    defaultHeaders: {_script_literal(_DEFAULT_HEADERS)},
    defaultEditorToolsVisibility: "headers"
  }}));
}})();
</script>
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
