"""The web front in a real browser: a `ledger serve` over the demo store, and Playwright
driving the Debian chromium (Playwright's own browser download is not reachable here, so
`executable_path` names the system one). Used by test_web_browser.py and tools/screenshots.py.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from servers import Api, base_env, token

CHROMIUM = os.environ.get("LEDGER_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ZONE = "Asia/Shanghai"  # the browser's time zone in these tests: where the ledger's users are

# The correction the tests (and the screenshots) record after the demo: R-IC-TZC-NYJ's
# holder really began on 2020-01-01, not 2019-12-01. Lists asked before it keep 2019-12-01.
CORRECTION = """mutation { correctResponsibility(input: {itemId: "R-IC-TZC-NYJ",
  periods: [{holderId: "P-0005", from: "2020-01-01"}],
  reason: "任职文件核对：分管自2020年1月起"}) { position } }"""


def chromium_available() -> bool:
    return Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is not None


@dataclass
class DemoServer:
    api: Api
    store: str
    directory: Path
    mark: str  # an instant between the demo and the correction

    def ledger(self, *args: str) -> str:
        """Run a `ledger` command on the same store (its standard output)."""
        done = subprocess.run(
            [sys.executable, "-m", "ledger.cli", *args],
            env=base_env(self.store),
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout


@contextmanager
def demo_server(directory: Path) -> Iterator[DemoServer]:
    """A server over a freshly loaded demo store, the correction recorded after a pause."""
    store = f"sqlite:///{directory}/web.sqlite3"
    loaded = subprocess.run(
        [sys.executable, "-m", "ledger.cli", "demo", "load"],
        env=base_env(store),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    with Api("web", store, directory, projector=True) as api:
        api.wait_ready()
        time.sleep(0.02)
        mark = datetime.now(UTC)
        time.sleep(0.02)
        api.data(CORRECTION, token=token("ADMIN", "web-recorder"))
        yield DemoServer(api, store, directory, mark.isoformat())


def local_input(iso: str) -> str:
    """An instant as a datetime-local input holds it in the browser's zone (to the ms)."""
    local = datetime.fromisoformat(iso).astimezone(ZoneInfo(ZONE))
    return local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond // 1000:03d}"
