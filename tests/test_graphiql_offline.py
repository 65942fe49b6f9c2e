"""GraphiQL must work on inspectors' networks, which have no internet.

So the page may load nothing but what this server itself serves.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from starlette.testclient import TestClient

from ledger.api.app import create_app
from ledger.api.graphiql import GRAPHIQL_ASSET_PREFIX, GRAPHIQL_STATIC_DIR, graphiql_html
from ledger.settings import Settings

# A URL with a scheme or a protocol-relative one ("//host/...") leaves the server.
EXTERNAL = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)


class _References(HTMLParser):
    """Collects every src= and href= value of the page."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href") and value is not None:
                self.urls.append(value)


@pytest.fixture
def client(tmp_path) -> TestClient:
    """The real application, asked for /graphql the way a browser asks for it."""
    settings = Settings()
    settings.store = f"sqlite:///{tmp_path}/ledger.sqlite3"
    with TestClient(create_app(settings=settings), headers={"Accept": "text/html"}) as http:
        yield http


def _page_and_assets(client: TestClient) -> tuple[str, dict[str, str]]:
    page = client.get("/graphql")
    assert page.status_code == 200
    parser = _References()
    parser.feed(page.text)
    assets = {url: client.get(url).text for url in parser.urls}
    return page.text, assets


def test_graphiql_page_loads_every_asset_from_the_server_itself(client):
    page = client.get("/graphql")
    assert page.status_code == 200
    assert "<title>Accountability ledger — GraphiQL</title>" in page.text

    parser = _References()
    parser.feed(page.text)
    # react, react-dom, graphiql js + css, the ledger's page script (which imports graphql-ws)
    assert len(parser.urls) == 5, parser.urls
    for url in parser.urls:
        assert not EXTERNAL.match(url), url
        assert url.startswith(GRAPHIQL_ASSET_PREFIX + "/"), url
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.content, f"{url} is empty"


def test_the_page_script_imports_only_vendored_modules_served_here(client):
    """ledger-graphiql.js imports the graphql-ws client (subscriptions), which imports its
    sibling chunk: every import resolves to a file this server serves as JavaScript."""
    seen, todo = set(), [f"{GRAPHIQL_ASSET_PREFIX}/ledger-graphiql.js"]
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        assert response.status_code == 200, url
        assert "javascript" in response.headers["content-type"], url
        base = url.rsplit("/", 1)[0]
        statements = r"""^(?:import|export)\b[^"';]*?from\s*["']([^"']+)["']"""
        for spec in re.findall(statements, response.text, re.M):
            assert spec.startswith("./"), (url, spec)  # nothing from another host or path
            todo.append(f"{base}/{spec[2:]}")
    assert f"{GRAPHIQL_ASSET_PREFIX}/graphql-ws/client.js" in seen
    assert (GRAPHIQL_STATIC_DIR / "graphql-ws" / "LICENSE.md").exists()
    assert "graphql-ws" in (GRAPHIQL_STATIC_DIR / "VERSIONS.txt").read_text()


def test_neither_the_page_nor_its_assets_point_the_browser_at_another_host(client):
    page, assets = _page_and_assets(client)

    for text, where in [(page, "page"), *((body, url) for url, body in assets.items())]:
        assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", text, re.I), where
        assert not re.search(r"""url\(\s*["']?\s*(?:https?:)?//""", text, re.I), where
        assert not re.search(r"""@import\s+(?:url\()?\s*["']?\s*(?:https?:)?//""", text, re.I), (
            where
        )
        # A source map the server does not have would be a request to nowhere.
        assert "sourceMappingURL=" not in text, where

    css = "".join(body for url, body in assets.items() if url.endswith(".css"))
    assert "@font-face" in css  # the fonts are there, embedded as data: URIs
    assert all(
        u.startswith(("data:", "'data:", '"data:')) for u in re.findall(r"url\(\s*([^)]*)", css)
    )


def test_browser_is_told_to_refuse_anything_not_served_here(client):
    page = client.get("/graphql").text
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', page)
    assert csp, "no Content-Security-Policy"
    policy = csp.group(1)
    assert "default-src &#x27;none&#x27;" in policy
    assert "http" not in policy


def test_inspector_pastes_a_bearer_token_in_the_headers_editor_and_graphiql_sends_it(client):
    page = client.get("/graphql").text
    config = json.loads(
        re.search(
            r'id="ledger-graphiql-config" type="application/json">(.*?)</script>', page
        ).group(1)
    )
    assert config["endpoint"] == "/graphql"
    assert "Bearer" in config["defaultHeaders"]
    assert "Paste a token into the Headers tab" in config["defaultQuery"]
    script = client.get(f"{GRAPHIQL_ASSET_PREFIX}/ledger-graphiql.js").text
    assert "isHeadersEditorEnabled: true" in script
    assert "shouldPersistHeaders: true" in script
    assert "requestHeaders(opts && opts.headers)" in script
    # the websocket of this very server is allowed, for subscriptions
    assert "connect-src &#x27;self&#x27; ws://testserver" in page


def test_an_endpoint_with_markup_cannot_break_out_of_the_page_script():
    page = graphiql_html('/graphql"</script><script>alert(1)</script>')
    assert "<script>alert(1)" not in page
    assert page.count("</script>") == 5
