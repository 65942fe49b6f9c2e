"""`ledger projections rebuild` while a server answers from the same store: the rebuild
builds beside the live read models and swaps them in at once, so every read made during it
gets the same, complete answer (before: "no such table", NOT_FOUND, a total of 0 or 8
instead of 25). A real `ledger serve` (with its projector) and a real rebuild process, on
both stores."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from conftest import fresh_store
from servers import Api, base_env, token

READS = [
    '{ caseStatistics(rootUnitId: "ZJ-FGW", from: "2023-01-01", to: "2024-12-31") '
    "{ total byUnitKind { key count } byCategory { key count } } }",
    "{ units { id name kind } }",
    '{ responsibilityList(personId: "P-0004", asOf: "2024-06-30") { items { id title } } }',
    '{ person(id: "P-0004") { id name } }',
    "{ taskLetters(first: 50) { totalCount edges { node { id } } } }",
]


def cli(*args: str, store: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ledger.cli", *args],
        capture_output=True,
        text=True,
        env=base_env(store),
        timeout=600,
    )


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_reads_during_a_rebuild_all_get_the_complete_answer(kind, tmp_path: Path):
    with fresh_store(kind, tmp_path / "store") as store:
        loaded = cli("demo", "load", store=store)
        assert loaded.returncode == 0, loaded.stderr
        viewer = token("VIEWER")
        with Api("api", store, tmp_path, projector=True) as api:
            api.wait_ready()
            baseline = {q: api.data(q, token=viewer) for q in READS}
            assert baseline[READS[0]]["caseStatistics"]["total"] == 25

            stop = threading.Event()
            answers: list[tuple[float, str, dict]] = []

            def read() -> None:
                with httpx.Client(base_url=api.url, timeout=60) as http:
                    n = 0
                    while not stop.is_set():
                        q = READS[n % len(READS)]
                        n += 1
                        body = http.post(
                            "/graphql",
                            json={"query": q},
                            headers={"Authorization": f"Bearer {viewer}"},
                        ).json()
                        answers.append((time.monotonic(), q, body))

            readers = [threading.Thread(target=read) for _ in range(2)]
            for r in readers:
                r.start()
            windows = []
            try:
                for _ in range(2):
                    started = time.monotonic()
                    rebuilt = cli("projections", "rebuild", store=store)
                    windows.append((started, time.monotonic()))
                    assert rebuilt.returncode == 0, rebuilt.stderr
                    assert "swapped them in" in rebuilt.stderr
            finally:
                stop.set()
                for r in readers:
                    r.join(timeout=60)

        during = [a for a in answers if any(s <= a[0] <= e for s, e in windows)]
        assert len(during) >= 10, f"only {len(during)} reads overlapped the rebuilds"
        wrong = [(q, body) for _, q, body in answers if body != {"data": baseline[q]}]
        assert not wrong, f"{len(wrong)} of {len(answers)} answers differ, first: {wrong[0]}"
        assert cli("verify", store=store).returncode == 0
