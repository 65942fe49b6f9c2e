"""Processes starting together on one store: the API workers and the projector of a
deployment open the same PostgreSQL schema at the same moment, and each creates the
tables it needs. None of them may fail ("tuple concurrently updated") or half-create."""

from __future__ import annotations

import threading

from conftest import TEST_SECRET

from ledger.service import Ledger
from ledger.settings import Settings

OPENERS = 6
ROUNDS = 3


def _open_together(store_url: str) -> list[BaseException]:
    """Open the ledger from OPENERS threads released by one barrier; return what failed."""
    barrier = threading.Barrier(OPENERS)
    failures: list[BaseException] = []

    def open_once() -> None:
        settings = Settings()
        settings.store = store_url
        settings.jwt_secret = TEST_SECRET
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
    settings = Settings()
    settings.store = store_url
    settings.jwt_secret = TEST_SECRET
    ledger = Ledger.open(settings)
    try:
        assert ledger.runner.positions()  # every read model has its tracking row
    finally:
        ledger.close()
