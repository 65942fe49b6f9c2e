"""The web front in a real browser (Playwright for Python driving the Debian chromium) on the
demo data: every page loads without a console error, and the pages do what their users need.

Marked `browser`; `make test` runs them whenever chromium is installed (`.ci/run` installs
it and sets LEDGER_REQUIRE_BROWSER, so there they fail rather than skip without it).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from servers import token
from web import CHROMIUM, ZONE, chromium_available, demo_server, local_input

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not chromium_available() and not os.environ.get("LEDGER_REQUIRE_BROWSER"),
        reason=f"no chromium at {CHROMIUM} (apt-get install chromium fonts-noto-cjk)",
    ),
]

playwright = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[tuple]:
    with demo_server(tmp_path_factory.mktemp("web")) as found:
        yield found


@pytest.fixture(scope="module")
def browser() -> Iterator:
    with playwright.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


class Page:
    """One signed-in tab that collects every console error and uncaught exception."""

    def __init__(self, browser, url: str, role: str, units: list[str] | None = None):
        self.url = url
        self.context = browser.new_context(
            timezone_id=ZONE, locale="zh-CN", viewport={"width": 1280, "height": 900}
        )
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(f"{url}/web/")
        self.page.wait_for_selector("main[data-state=ready][data-page=login]")
        self.page.fill("#token", token(role, f"web-{role.lower()}", units))
        self.page.click("#sign-in")
        self.ready("lists")

    def ready(self, page: str) -> None:
        self.page.wait_for_selector(f"main[data-state=ready][data-page={page}]", timeout=30000)

    def open(self, page: str, query: str = "") -> None:
        self.page.goto(f"{self.url}/web/#/{page}{'?' + query if query else ''}")
        self.page.wait_for_function(
            "p => document.querySelector('main').dataset.page === p", arg=page
        )
        self.ready(page)

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def tab(server, browser) -> Iterator:
    api, _ = server
    opened: list[Page] = []

    def open_tab(role: str = "INSPECTOR", units: list[str] | None = None) -> Page:
        opened.append(Page(browser, api.url, role, units))
        return opened[-1]

    yield open_tab
    for p in opened:
        p.close()
    assert not [e for p in opened for e in p.errors], [e for p in opened for e in p.errors]


PAGES = ["lists", "transmission"]


@pytest.mark.parametrize("page", PAGES)
def test_each_page_loads_on_the_demo_data_without_a_console_error(tab, page):
    t = tab("INSPECTOR")
    t.open(page)
    assert t.page.locator("main h1").first.inner_text().strip()
    assert not t.page.locator("main .error").count(), t.page.inner_text("main")


def test_sign_in_shows_the_role_and_scope_and_keeps_the_token_out_of_the_address(tab):
    t = tab("VIEWER", ["ZJ-FGW"])
    assert "看板" in t.page.inner_text("#who") and "ZJ-FGW" in t.page.inner_text("#who")
    assert "eyJ" not in t.page.url
    stored = t.page.evaluate("Object.keys(localStorage).map(k => localStorage[k]).join(' ')")
    assert "eyJ" not in stored, "the token lives in session storage only"
    t.page.click("#sign-out")
    t.ready("login")


def test_the_knownat_picker_changes_a_list_and_the_comparison_marks_the_correction(tab, server):
    _, mark = server
    t = tab("VIEWER")
    t.open("lists", "organ=ZJ-FGW&asOf=2024-05-01")
    row = t.page.locator("tr[data-item='R-IC-TZC-NYJ']")
    assert "2020-01-01" in row.inner_text(), "as recorded now: the corrected start"

    t.page.fill("#known-at", local_input(mark))
    t.page.dispatch_event("#known-at", "change")
    t.ready("lists")
    t.page.wait_for_function(
        "() => document.querySelector(\"tr[data-item='R-IC-TZC-NYJ']\")"
        "?.innerText.includes('2019-12-01')"
    )

    t.page.click("#clear-times")
    t.ready("lists")
    t.page.fill("#compare-to", local_input(mark))
    t.page.dispatch_event("#compare-to", "change")
    t.page.wait_for_selector("tr.corrected[data-item='R-IC-TZC-NYJ']")
    corrected = t.page.locator("tr.corrected[data-item='R-IC-TZC-NYJ']").inner_text()
    assert "2020-01-01" in corrected and "原为：2019-12-01" in corrected
    assert t.page.locator("tr.corrected").count() == 1, "nothing else changed"


def test_the_english_switch_names_enum_values_from_the_api_labels(tab):
    t = tab("VIEWER")
    t.open("lists", "organ=ZJ-FGW&asOf=2024-05-01")
    assert "主体责任" in t.page.inner_text("main")
    t.page.click("#lang")
    t.page.wait_for_function(
        "() => document.querySelector('main').innerText.includes('principal responsibility')"
    )
    t.page.click("#lang")
    t.page.wait_for_function("() => document.querySelector('main').innerText.includes('主体责任')")


def test_a_role_does_not_see_the_pages_it_may_not_read(tab):
    viewer = tab("VIEWER")
    pages = viewer.page.locator("nav a").evaluate_all("els => els.map(e => e.dataset.page)")
    assert "lists" in pages and "audit" not in pages and "case" not in pages
    assert "live" not in pages
    viewer.open("audit")
    assert viewer.page.locator("main .notice").count() == 1
    inspector = tab("INSPECTOR")
    pages = inspector.page.locator("nav a").evaluate_all("els => els.map(e => e.dataset.page)")
    assert {"lists", "audit", "case", "live"} <= set(pages)


def test_a_token_the_server_refuses_is_not_kept(server, browser):
    api, _ = server
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{api.url}/web/")
    page.wait_for_selector("main[data-state=ready][data-page=login]")
    page.fill("#token", "not-a-token")
    page.click("#sign-in")
    page.wait_for_selector("#login-status .error")
    assert page.evaluate("sessionStorage.length") == 0
    context.close()
