"""Processes starting together on one store: the API workers and the projector of a
deployment open the same PostgreSQL schema at the same moment, and each creates the
tables it needs. None of them may fail ("tuple concurrently updated") or half-create."""

from __future__ import annotations

import threading
import time

import pytest
from conftest import TEST_SECRET, wait_until

from ledger import commands as c
from ledger.domain.base import Stamp
from ledger.service import Ledger
from ledger.settings import Settings

OPENERS = 6
ROUNDS = 3


def settings_for(store_url: str, **overrides) -> Settings:
    settings = Settings()
    settings.store = store_url
    settings.jwt_secret = TEST_SECRET
    for name, value in overrides.items():
        setattr(settings, name, value)
    return settings


def _open_together(store_url: str) -> list[BaseException]:
    """Open the ledger from OPENERS threads released by one barrier; return what failed."""
    barrier = threading.Barrier(OPENERS)
    failures: list[BaseException] = []

    def open_once() -> None:
        settings = settings_for(store_url)
        barrier.wait()
        try:
            Ledger.open(settings).close()
        except BaseException as e:  # noqa: BLE001 - the test reports every failure
            failures.append(e)

    threads = [threading.Thread(target=open_once) for _ in range(OPENERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return failures


def test_workers_opening_a_fresh_store_at_once_all_start(store_url):
    for _ in range(ROUNDS):  # the first round creates the tables, later ones replace functions
        assert _open_together(store_url) == []
    ledger = Ledger.open(settings_for(store_url))
    try:
        assert ledger.runner.positions()  # every read model has its tracking row
    finally:
        ledger.close()


def test_a_projector_wakes_when_another_process_appends_without_waiting_for_its_poll(
    store_url,
):
    """On PostgreSQL the recorder NOTIFYs in its transaction and the projector LISTENs: an
    append by another process (here: another application on the same store) is projected at
    once, although the projector would only poll again a minute later."""
    if store_url.startswith("sqlite"):
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's; on SQLite every writer projects for itself")
    projector = Ledger.open(settings_for(store_url, poll_interval=60.0))
    writer = Ledger.open(settings_for(store_url, embedded_projector=False))
    try:
        projector.start_projector()
        # the follower listens, catches up (nothing to do), then sleeps on its minute-long poll
        runner = projector.runner
        wait_until(runner.listening.is_set, "the projector to LISTEN")
        wait_until(lambda: runner.idle.is_set() and not runner._wake.is_set(), "it to sleep")
        done = writer.app.execute(
            c.RegisterPerson("P-1", "远程写入"), Stamp("other-process"), wait=False
        )
        deadline = time.monotonic() + 10.0  # (wait_for would wake the follower itself)
        while min(projector.runner.positions().values()) < done.position:
            assert time.monotonic() < deadline, "the projector slept through the append"
            time.sleep(0.02)
    finally:
        writer.close()
        projector.close()


def test_starting_a_following_projector_again_adds_no_second_follower(ledger):
    """Two followers in one process would share the projectors' caches and double the
    listeners: start() while one runs is a no-op, and stop() ends it."""

    def followers() -> int:
        return sum(t.name == "projection-runner" for t in threading.enumerate())

    before = followers()
    ledger.start_projector()
    ledger.start_projector()
    assert followers() == before + 1
    assert ledger.app.listeners.count(ledger.runner.notify) == 1
    ledger.runner.stop()
    assert followers() == before and not ledger.runner.running
