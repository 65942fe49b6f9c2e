#!/usr/bin/env python3
"""`make screenshots`: a picture of each page of the web front on the demo data, for the
README (docs/screenshots/*.png). The same server and browser as the browser tests: the demo
loaded into a temporary store, a correction recorded after it, Playwright on the Debian
chromium."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from playwright.sync_api import sync_playwright  # noqa: E402
from servers import token  # noqa: E402
from web import CHROMIUM, ZONE, demo_server  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
SHOTS = [
    # (file, role, page and query, height)
    ("lists", "INSPECTOR", "lists?organ=ZJ-FGW&asOf=2024-05-01&compareTo={mark}", 900),
    ("transmission", "VIEWER", "transmission?root=ZJ-FGW&asOf=2024-10-01", 900),
    ("evaluation", "APPRAISER", "evaluation?cycle=EV-2024&unit=ZJ-FGW-JJS", 900),
    ("case", "INSPECTOR", "case?case=CASE-2024-ROT", 900),
    ("audit", "INSPECTOR", "audit?entity=R-IC-TZC-NYJ", 900),
    ("live", "INSPECTOR", "live", 520),
    ("talks", "INSPECTOR", "talks?unit=ZJ-FGW&asOf=2024-06-30", 700),
    ("rectifications", "INSPECTOR", "rectifications?unit=ZJ-FGW&asOf=2024-10-01", 520),
    ("risk", "INSPECTOR", "risk?unit=ZJ-FGW&asOf=2024-10-01", 620),
    ("report", "VIEWER", "report?unit=ZJ-FGW&half=2024H1", 1400),
]


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory() as directory,
        demo_server(Path(directory)) as server,
        sync_playwright() as p,
    ):
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for name, role, target, height in SHOTS:
            context = browser.new_context(
                timezone_id=ZONE, locale="zh-CN", viewport={"width": 1280, "height": height}
            )
            page = context.new_page()
            page.goto(f"{server.api.url}/web/")
            page.fill("#token", token(role, f"demo-{role.lower()}"))
            page.click("#sign-in")
            page.wait_for_selector("main[data-state=ready][data-page=lists]")
            page.goto(f"{server.api.url}/web/#/{target.format(mark=quote(server.mark))}")
            page.wait_for_function(
                "p => { const m = document.querySelector('main'); return m.dataset.page === p"
                " && m.dataset.state === 'ready' && [...m.querySelectorAll('.chart')]"
                ".every(c => c.dataset.chart === 'ready'); }",
                arg=name,
            )
            if name == "live":
                page.wait_for_selector(".page-live[data-live=connected]")
                for n in (1, 2):
                    server.api.data(
                        f'mutation {{ registerPerson(input: {{id: "P-NEW-{n}", '
                        f'name: "新进干部{n}"}}) {{ position }} }}',
                        token=token("RECORDER", "hr-office"),
                    )
                page.wait_for_selector("#live-events tr[data-entity='P-NEW-2']")
            page.wait_for_timeout(300)
            page.screenshot(path=str(OUT / f"{name}.png"))
            print(f"wrote {OUT / f'{name}.png'}")
            context.close()
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
