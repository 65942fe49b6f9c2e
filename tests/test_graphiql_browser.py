"""GraphiQL in a real browser (Playwright driving the Debian chromium, as the web front's
tests do): the first screen says how to paste a token instead of showing an error, and a
subscription runs from the page over a websocket through the vendored graphql-ws client,
with nothing loaded from elsewhere (the page's CSP would refuse it: a console error)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from scenario import REGISTER_PERSON
from servers import Api, init_store, token
from web import CHROMIUM, chromium_available

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not chromium_available() and not os.environ.get("LEDGER_REQUIRE_BROWSER"),
        reason=f"no chromium at {CHROMIUM} (apt-get install chromium fonts-noto-cjk)",
    ),
]

playwright = pytest.importorskip("playwright.sync_api")

SUBSCRIBE = """async ({ token }) => {
  window.received = [];
  const results = window.ledgerGraphiQL.fetcher(
    { query: "subscription { ledgerEvents { position type entityId } }" },
    { headers: { Authorization: "Bearer " + token } },
  );
  (async () => {
    try { for await (const r of results) window.received.push(r); }
    catch (e) { window.received.push({ failed: String(e) }); }
  })();
}"""


def until(page, expression: str, timeout: float = 20.0) -> None:
    """Poll an expression (wait_for_function would evaluate a string in the page, which the
    page's CSP rightly refuses)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        page.wait_for_timeout(50)


def test_graphiql_explains_the_token_and_runs_a_subscription(tmp_path: Path):
    store = f"sqlite:///{tmp_path}/ledger.sqlite3"
    init_store(store)
    with Api("api", store, tmp_path, projector=True) as api, playwright.sync_playwright() as p:
        api.wait_ready()
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            missing: list[str] = []
            page.on("response", lambda r: missing.append(r.url) if r.status >= 400 else None)
            page.goto(f"{api.url}/graphql", wait_until="networkidle")
            page.wait_for_selector(".graphiql-container")
            until(page, "window.ledgerGraphiQL !== undefined")

            # The first screen: how to get in, in the editor and in the schema error.
            editor = page.evaluate(
                "document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.getValue()"
            )
            assert "Paste a token into the Headers tab" in editor
            assert "ledger token issue --subject me --role VIEWER" in editor
            answer = page.evaluate(
                "window.ledgerGraphiQL.fetcher({query: '{ units { id } }'}, {headers: {Authorization: 'Bearer '}})"
            )
            assert answer["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
            assert "paste one into the Headers tab" in answer["errors"][0]["message"]
            assert "paste one into the Headers tab" in page.inner_text("body")

            # Which operations go over the websocket.
            kinds = page.evaluate(
                """[
                  window.ledgerGraphiQL.operationType('subscription S { ledgerEvents { type } }'),
                  window.ledgerGraphiQL.operationType('{ subscription: units { id } }'),
                  window.ledgerGraphiQL.operationType('query A { units { id } } subscription B { ledgerEvents { type } }', 'B'),
                  window.ledgerGraphiQL.operationType('# subscription\\nmutation { x }'),
                  window.ledgerGraphiQL.operationType('fragment F on Unit { id } subscription { ledgerEvents { type } }')
                ]"""
            )
            assert kinds == ["subscription", "query", "subscription", "mutation", "subscription"]

            # A subscription from the page; a mutation elsewhere; the event arrives.
            page.evaluate(SUBSCRIBE, {"token": token("INSPECTOR")})
            page.wait_for_timeout(500)  # subscribed before the write
            written = api.data(REGISTER_PERSON, {"id": "P-7", "name": "订阅"}, token=token("ADMIN"))
            until(page, "window.received.length > 0")
            received = page.evaluate("window.received")
            assert "failed" not in received[0], received
            event = received[0]["data"]["ledgerEvents"]
            assert event == {
                "position": written["registerPerson"]["position"],
                "type": "PersonRegistered",
                "entityId": "P-7",
            }

            # A query is still a POST (and answers).
            units = page.evaluate(
                "async ({ token }) => window.ledgerGraphiQL.fetcher({query: '{ units { id } }'}, {headers: {Authorization: 'Bearer ' + token}})",
                {"token": token("VIEWER")},
            )
            assert units == {"data": {"units": []}}
            # A browser asks for /favicon.ico on its own; the page itself misses nothing.
            missing = [u for u in missing if not u.endswith("/favicon.ico")]
            assert not missing, missing
            errors = [e for e in errors if "404" not in e or missing]
            assert not errors, errors
        finally:
            browser.close()
