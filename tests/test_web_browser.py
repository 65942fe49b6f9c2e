"""The web front in a real browser (Playwright for Python driving the Debian chromium) on the
demo data: every page loads without a console error, and the pages do what their users need.

Marked `browser`; `make test` runs them whenever chromium is installed (`.ci/run` installs
it and sets LEDGER_REQUIRE_BROWSER, so there they fail rather than skip without it).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

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
    api = server.api
    opened: list[Page] = []

    def open_tab(role: str = "INSPECTOR", units: list[str] | None = None) -> Page:
        opened.append(Page(browser, api.url, role, units))
        return opened[-1]

    yield open_tab
    for p in opened:
        p.close()
    assert not [e for p in opened for e in p.errors], [e for p in opened for e in p.errors]


PAGES = [
    "lists",
    "transmission",
    "evaluation",
    "case",
    "audit",
    "live",
    "talks",
    "rectifications",
    "risk",
    "report",
]


@pytest.mark.parametrize("page", PAGES)
def test_each_page_loads_on_the_demo_data_without_a_console_error(tab, page):
    t = tab("INSPECTOR")
    t.open(page)
    t.page.wait_for_function(
        "() => [...document.querySelectorAll('main .chart')].every(c => c.dataset.chart)"
    )
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
    mark = server.mark
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
    api = server.api
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{api.url}/web/")
    page.wait_for_selector("main[data-state=ready][data-page=login]")
    page.fill("#token", "not-a-token")
    page.click("#sign-in")
    page.wait_for_selector("#login-status .error")
    assert page.evaluate("sessionStorage.length") == 0
    context.close()


def test_a_click_on_a_unit_shows_its_score_lines_and_the_veto_explained(tab):
    t = tab("APPRAISER")
    t.open("evaluation", "cycle=EV-2024")
    assert t.page.locator("#score-lines tr[data-rule]").count() == 0
    t.page.click("tr[data-unit='ZJ-FGW-JJS']")
    lines = t.page.locator("#score-lines")
    lines.locator("tr[data-rule='LEADERSHIP_CASE_VETO']").wait_for()
    text = lines.inner_text()
    assert "班子成员违纪违法一票否决" in text and "CASE-2024-010" in text
    assert "宣传教育" in text and "被动查处扣分" in text
    viewer = tab("VIEWER")
    viewer.open("evaluation", "cycle=EV-2024&unit=ZJ-FGW-JJS")
    veto = viewer.page.locator("#score-lines tr[data-rule='LEADERSHIP_CASE_VETO']").inner_text()
    assert "CASE-2024-010" in veto and "单位主要负责人" not in veto, "a dashboard: rule and case"


def test_the_export_buttons_download_the_cycle(tab):
    t = tab("APPRAISER")
    t.open("evaluation", "cycle=EV-2024")
    for button, suffix in (("#export-csv", ".csv"), ("#export-xlsx", ".xlsx")):
        with t.page.expect_download() as download:
            t.page.click(button)
        assert download.value.suggested_filename == f"EV-2024{suffix}"
        assert Path(download.value.path()).stat().st_size > 100


def test_the_case_page_draws_the_chain_level_by_level_with_its_decisions(tab):
    t = tab("INSPECTOR")
    t.open("case", "case=CASE-2024-ROT")
    levels = t.page.locator("#chain .level").evaluate_all("els => els.map(e => e.dataset.unit)")
    assert levels == ["ZJ-FGW", "ZJ-FGW-XXZX"], "from the organ down to the facts unit"
    facts_level = t.page.locator("#chain .level[data-unit='ZJ-FGW-XXZX']").inner_text()
    assert "陈思齐" in facts_level and "诫勉" in facts_level
    assert t.page.locator("#decisions tbody tr").count() == 2
    assert "有效" in t.page.inner_text("#decisions")
    t.page.wait_for_selector("#timeline-chart[data-chart=ready]")


def test_an_inclusion_proof_is_checked_in_the_browser_against_an_uploaded_digest(tab, server):
    keys = server.directory / "keys"
    server.ledger("keys", "create", "--dir", str(keys))
    digest = server.directory / "digest.json"
    server.ledger("digest", "--key-dir", str(keys), "--out", str(digest))
    public = (keys / "ledger-ed25519.pub").read_text().strip()

    t = tab("INSPECTOR")
    t.open("audit", "entity=R-IC-TZC-NYJ")
    assert t.page.locator("#verify-status.ok").count() == 1
    t.page.locator("tr[data-position]").first.click()
    t.page.set_input_files("#digest-file", str(digest))
    t.page.fill("#public-key", public)
    t.page.click("#prove")
    verdict = t.page.locator("#proof-verdict")
    verdict.wait_for()
    assert "证明成立" in verdict.inner_text(), t.page.inner_text("#proof-result")
    assert t.page.locator("#proof-result li").count() == 7

    other = keys.parent / "other-keys"
    server.ledger("keys", "create", "--dir", str(other))
    t.page.fill("#public-key", (other / "ledger-ed25519.pub").read_text().strip())
    t.page.click("#prove")
    t.page.wait_for_function(
        "() => document.querySelector('#proof-verdict')?.innerText.includes('证明不成立')"
    )


def test_a_new_event_arrives_on_the_live_page_by_the_subscription(tab, server):
    t = tab("INSPECTOR")
    t.open("live")
    t.page.wait_for_selector(".page-live[data-live=connected]")
    server.api.data(
        'mutation { registerPerson(input: {id: "P-LIVE-1", name: "实时测试"}) { position } }',
        token=token("RECORDER", "web-live"),
    )
    t.page.wait_for_selector("#live-events tr[data-entity='P-LIVE-1']")
    assert "PersonRegistered" in t.page.inner_text("#live-events")


STATISTICS = """query($root: ID!) { caseStatistics(rootUnitId: $root, from: "2024-01-01",
  to: "2024-06-30") { total byUnitKind { key count } } }"""


def test_the_report_page_writes_its_text_from_the_api_figures(tab, server):
    stats = server.api.data(STATISTICS, {"root": "ZJ-FGW"}, token=token("VIEWER"))
    total = stats["caseStatistics"]["total"]
    t = tab("VIEWER")
    t.open("report", "unit=ZJ-FGW&half=2024H1")
    text = t.page.inner_text("#report")
    assert "浙江省发展和改革委员会2024年上半年政治生态分析报告" in text
    assert f"共立案{total}件" in text and "2024-01-01 至 2024-06-30" in text
    assert "上热下冷" in text, "the letters' signing falls off level by level in the demo"
    assert "省发展规划研究院因班子成员违纪违法被一票否决" in text
    assert t.page.locator("#report .chart[data-chart=ready]").count() >= 4


def _pdf_text(path: Path) -> str:
    """The PDF's text as a reader copies it: Noto CJK maps some glyphs to the Kangxi
    radicals (⽣ for 生), which NFKC folds back."""
    import unicodedata

    from pypdf import PdfReader

    pages = PdfReader(str(path)).pages
    return unicodedata.normalize("NFKC", "".join(page.extract_text() for page in pages))


def test_ledger_report_renders_the_report_to_a_pdf_with_chinese_text(server):
    out = server.directory / "report.pdf"
    server.ledger(
        "report", "political-ecology", "--unit", "ZJ-FGW", "--half", "2024H1", "--out", str(out)
    )
    assert out.read_bytes().startswith(b"%PDF")
    text = _pdf_text(out)
    assert "浙江省发展和改革委员会2024年上半年政治生态分析报告" in text.replace("\n", "")
    for phrase in (
        "案件总体情况",
        "监督执纪",
        "四种形态",
        "层层传导",
        "一票否决",
        "六必谈",
        "轮岗",
    ):
        assert phrase in text, phrase
    assert "共立案5件" in text
    assert "eyJ" not in text, "no token in the document"


def test_talks_due_show_counts_to_a_dashboard_and_names_to_an_inspector(tab):
    viewer = tab("VIEWER")
    viewer.open("talks", "unit=ZJ-FGW&asOf=2024-06-30")
    summary = viewer.page.inner_text("#talk-summary")
    assert "新进干部必谈" in summary
    assert viewer.page.locator("tr[data-obligation]").count() == 0, "who and why: personal"
    assert viewer.page.locator("main .notice").count() == 1
    inspector = tab("INSPECTOR")
    inspector.open("talks", "unit=ZJ-FGW&asOf=2024-06-30&status=OVERDUE")
    rows = inspector.page.locator("tr[data-obligation]")
    assert rows.count() > 0
    statuses = rows.evaluate_all("els => [...new Set(els.map(e => e.dataset.status))]")
    assert statuses == ["OVERDUE"]


def test_overdue_rectifications_and_rotations_due_stand_out(tab):
    t = tab("INSPECTOR")
    t.open("rectifications", "unit=ZJ-FGW&asOf=2024-10-01")
    rows = t.page.locator("tr[data-rectification]")
    assert rows.evaluate_all(
        "els => els.map(e => [e.dataset.rectification, e.dataset.status])"
    ) == [  # the demo's orders (src/ledger/demo.py): overdue first, then by due date
        ["RECT-2024-02", "OVERDUE"],
        ["RECT-2024-03", "OVERDUE"],
        ["RECT-2024-04", "OPEN"],
        ["RECT-2024-01", "DONE"],
    ], "overdue first"
    t.open("risk", "unit=ZJ-FGW&asOf=2024-10-01")
    due = t.page.inner_text("#rotation-due")
    assert "吴志强" in due and "2024-05-01" in due
    assert "人事处" not in due, "the other post's head is within the limit"


def test_the_transmission_page_answers_as_known_at_a_record_time(tab, server):
    """A letter signed after the mark: as known at the mark it is still unsigned."""
    server.api.data(
        'mutation { acknowledgeTaskLetter(input: {letterId: "LTR-2024-07", personId: "P-0014",'
        ' on: "2024-03-01"}) { position } }',
        token=token("ADMIN", "web-recorder"),
    )
    t = tab("VIEWER")
    t.open("transmission", "root=ZJ-FGW&asOf=2024-10-01")
    assert "未签字" not in t.page.inner_text("tr[data-letter='LTR-2024-07']")
    t.page.fill("#known-at", local_input(server.mark))
    t.page.dispatch_event("#known-at", "change")
    t.page.wait_for_function(
        "() => document.querySelector(\"tr[data-letter='LTR-2024-07']\")?.innerText"
        ".includes('未签字')"
    )
