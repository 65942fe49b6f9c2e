"""The 政治生态分析报告 as a PDF: the web front's report page, printed by headless chromium.

Why chromium rather than WeasyPrint: the report is the web page users read and print
(`/web/#/report`), its figures drawn by ECharts in the browser from the GraphQL API.
WeasyPrint runs no JavaScript, so a PDF made with it would need a second, server-side copy
of the report's text and charts, kept in step by hand. Headless chromium prints the page
itself — the same text, the same charts as SVG (their text stays text in the PDF), the
same CJK fonts (Debian `fonts-noto-cjk`) — and it is the browser the tests drive anyway,
so one system package serves both.

How: the ledger's app is served on a loopback port of this process; chromium is started
with a DevTools pipe on a random loopback port and a throw-away profile; a short-lived token
(VIEWER by default, limited to the report's unit) is put into the page's session storage
by a script that runs before the page (never into a URL); the page is loaded, and once it
says it is ready and every chart is drawn, `Page.printToPDF` writes A4 pages.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

from ledger.auth import issue_token
from ledger.domain.errors import BadInput, LedgerError
from ledger.service import Ledger

HALF = re.compile(r"^\d{4}H[12]$")
READY = """(() => {
  const main = document.querySelector('main');
  if (!main) return 'loading';
  if (main.dataset.state === 'error') return 'error:' + main.innerText.slice(0, 500);
  const charts = [...document.querySelectorAll('.report .chart')];
  return main.dataset.page === 'report' && main.dataset.state === 'ready'
    && document.getElementById('report') && charts.every(c => c.dataset.chart === 'ready')
    ? 'ready' : 'loading';
})()"""


class ReportError(LedgerError):
    code = "INTERNAL"


def find_chromium(given: str | None = None) -> str:
    for candidate in (given, os.environ.get("LEDGER_CHROMIUM"), "chromium", "chromium-browser"):
        if candidate and (
            found := shutil.which(candidate) or (Path(candidate).exists() and candidate)
        ):
            return str(found)
    raise BadInput("chromium is not installed: apt-get install chromium fonts-noto-cjk")


def political_ecology_pdf(
    ledger: Ledger,
    unit_id: str,
    half: str,
    out: Path,
    *,
    role: str = "VIEWER",
    chromium: str | None = None,
    timeout: float = 60.0,
) -> int:
    """Render the report of `unit_id`'s subtree for `half` (e.g. 2024H1) to `out`; returns
    the PDF's size in bytes."""
    if not HALF.match(half):
        raise BadInput(f"--half is YEARH1 or YEARH2, e.g. 2024H1; got {half!r}")
    browser = find_chromium(chromium)
    token = issue_token(ledger.settings, "ledger-report", role, [unit_id], "15m")
    with _serving(ledger) as base, _chromium(browser) as devtools:
        page = devtools.page()
        script = (
            f"if (location.origin === {json.dumps(base)}) {{"
            f"sessionStorage.setItem('ledger.token', {json.dumps(token)});"
            "localStorage.setItem('ledger.lang', 'zh'); }"
        )
        page("Page.enable")
        page("Page.addScriptToEvaluateOnNewDocument", source=script)
        page("Emulation.setEmulatedMedia", media="print")
        page("Page.navigate", url=f"{base}/web/#/report?unit={quote(unit_id)}&half={half}")
        deadline = time.monotonic() + timeout
        while True:
            state = page("Runtime.evaluate", expression=READY, returnByValue=True)["result"]
            value = state.get("value", "loading")
            if value == "ready":
                break
            if value.startswith("error:"):
                raise ReportError(f"the report page failed: {value[6:].strip()}")
            if time.monotonic() > deadline:
                raise ReportError(f"the report page was not ready within {timeout:.0f} s")
            time.sleep(0.1)
        pdf = page(
            "Page.printToPDF",
            printBackground=True,
            preferCSSPageSize=True,
            displayHeaderFooter=True,
            headerTemplate="<span></span>",
            footerTemplate=(
                '<div style="font-size:8px;width:100%;text-align:center;color:#666">'
                '<span class="pageNumber"></span> / <span class="totalPages"></span></div>'
            ),
        )
    data = base64.b64decode(pdf["data"])
    out.write_bytes(data)
    return len(data)


class _serving:
    """The ledger's app on a free loopback port of this process, for as long as needed."""

    def __init__(self, ledger: Ledger):
        self.ledger = ledger

    def __enter__(self) -> str:
        import uvicorn

        from ledger.api.app import create_app

        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        config = uvicorn.Config(create_app(self.ledger), log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [sock]}, daemon=True
        )
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise ReportError("the report's server did not start")
            time.sleep(0.05)
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


class _chromium:
    """Headless chromium with a throw-away profile, driven over the DevTools protocol."""

    def __init__(self, executable: str):
        self.executable = executable

    def __enter__(self) -> _chromium:
        from websockets.sync.client import connect

        self.profile = tempfile.mkdtemp(prefix="ledger-report-")
        args = [
            self.executable,
            "--headless=new",
            "--disable-gpu",
            "--no-first-run",
            "--no-default-browser-check",
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
            f"--user-data-dir={self.profile}",
            "about:blank",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            args.insert(1, "--no-sandbox")  # chromium refuses to run as root with its sandbox
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        port_file = Path(self.profile) / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and len(port_file.read_text().splitlines()) >= 2):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.__exit__()
                raise ReportError(
                    "chromium did not start (is it installed? apt-get install chromium)"
                )
            time.sleep(0.05)
        port, path = port_file.read_text().splitlines()[:2]
        self.socket = connect(f"ws://127.0.0.1:{port}{path}", max_size=None, open_timeout=30)
        self.next_id = 0
        return self

    def call(self, method: str, session: str | None = None, **params) -> dict:
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        self.socket.send(json.dumps(message))
        while True:
            answer = json.loads(self.socket.recv(timeout=120))
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    raise ReportError(f"chromium: {method}: {answer['error'].get('message')}")
                return answer.get("result", {})

    def page(self):
        """A new tab; returns a function that sends it a DevTools command."""
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        return lambda method, **params: self.call(method, session, **params)

    def __exit__(self, *exc: object) -> None:
        try:
            if getattr(self, "socket", None) is not None:
                with contextlib.suppress(Exception):
                    self.call("Browser.close")
                self.socket.close()
        finally:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
            if self.process.stderr:
                self.process.stderr.close()
            shutil.rmtree(self.profile, ignore_errors=True)
