"""A projection worker killed with SIGKILL mid catch-up resumes without loss or double counting."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from test_integrity_support import read_models

from ledger import commands as c
from ledger.domain.base import Stamp

pytestmark = pytest.mark.slow


def start_worker(settings) -> subprocess.Popen:
    env = {
        **os.environ,
        "LEDGER_STORE": settings.store,
        "LEDGER_JWT_SECRET": settings.jwt_secret,
        "LEDGER_PROJECTION_PAGE_SIZE": "10",
        "LEDGER_LOG_JSON": "1",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "ledger.cli", "projections", "run"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_until(predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def staff_an_organ(ledger, people: int) -> int:
    """An organ and `people` staff in it (two events each); returns the head position."""
    stamp = Stamp("loader")
    ledger.app.execute(c.RegisterUnit("ORG", "省直某厅", "ORGAN"), stamp, wait=False)
    for n in range(people):
        pid = f"P-{n:04d}"
        ledger.app.execute(c.RegisterPerson(pid, f"干部{n}"), stamp, wait=False)
        ledger.app.execute(c.AssumePost(pid, "ORG", "STAFF", "2024-01-01"), stamp, wait=False)
    return ledger.app.head()


def test_a_killed_worker_resumes_and_ends_equal_to_a_clean_rebuild(ledger, settings):
    head = staff_an_organ(ledger, 600)

    worker = start_worker(settings)
    wait_until(lambda: min(ledger.runner.positions().values()) > 50)
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    killed_at = ledger.runner.positions()
    assert min(killed_at.values()) < head, "the worker was meant to die mid catch-up"

    worker = start_worker(settings)
    try:
        wait_until(lambda: min(ledger.runner.positions().values()) == head)
    finally:
        worker.terminate()
        worker.wait(timeout=10)
    resumed = read_models(ledger)

    ledger.runner.reset()
    ledger.runner.catch_up()
    assert read_models(ledger) == resumed
    assert len(resumed["rm_events"]) == head
    assert len(resumed["rm_posts"]) == 600


def test_two_workers_catching_up_together_apply_every_event_exactly_once(ledger, settings):
    """Two projection workers on one store (a second started by mistake, or a rolling
    restart): pages interleave, yet the read models equal a single clean rebuild."""
    head = staff_an_organ(ledger, 400)
    workers = [start_worker(settings), start_worker(settings)]
    try:
        wait_until(lambda: min(ledger.runner.positions().values()) == head)
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(timeout=10)
    together = read_models(ledger)

    ledger.runner.reset()
    ledger.runner.catch_up()
    assert read_models(ledger) == together
    assert len(together["rm_events"]) == head
    assert len(together["rm_posts"]) == 400
