"""Export the log to JSON Lines and import it elsewhere: the same positions (gaps included),
the same hashes and the same read models, across SQLite and PostgreSQL. A broken file or a
store that already holds events is refused, and nothing is written."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import psycopg
import pytest
from conftest import POSTGRES
from test_integrity_support import (
    chain_rows,
    make_store,
    read_models,
    register_people,
    run_cli,
)

from ledger import demo
from ledger.service import Ledger
from ledger.settings import Settings
from ledger.store import parse_store_url


def open_store(url: str) -> Ledger:
    settings = Settings()
    settings.store = url
    return Ledger.open(settings)


def leave_gap_in_postgres_ids(ledger: Ledger, count: int) -> None:
    """What rolled-back inserts leave behind on PostgreSQL: ids that were never used."""
    config = parse_store_url(ledger.settings.store)
    table = f'"{config.schema}"."{ledger.app.recorder.events_table_name}"'
    with psycopg.connect(config.conninfo, autocommit=True) as conn:
        for _ in range(count):
            conn.execute(f"SELECT nextval(pg_get_serial_sequence('{table}', 'notification_id'))")


def fill(source: Ledger) -> None:
    demo.load(source)
    if source.reads.dialect == "postgres":
        leave_gap_in_postgres_ids(source, 3)
    register_people(source.app, 5, prefix="LATE")
    source.runner.catch_up()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("origin", "target"), [("sqlite", "sqlite"), ("sqlite", "postgres"), ("postgres", "sqlite")]
)
def test_an_exported_log_imports_to_identical_hashes_and_read_models(origin, target, tmp_path):
    with make_store(origin, tmp_path, "origin") as a, make_store(target, tmp_path, "target") as b:
        source = open_store(a)
        try:
            fill(source)
            expected_chain, expected_models = chain_rows(source), read_models(source)
            positions = [r["position"] for r in expected_chain]
        finally:
            source.close()
        if origin == "postgres":
            assert positions != list(range(1, len(positions) + 1)), "meant to have a gap"

        exported = tmp_path / "log.jsonl"
        result = run_cli("export", "--store", a, "--to", str(exported))
        assert result.returncode == 0, result.stderr
        lines = [json.loads(line) for line in exported.read_text(encoding="utf-8").splitlines()]
        assert [line["position"] for line in lines] == positions
        assert lines[0]["payload"]["actor"] == "demo-loader"  # decoded for human readers

        result = run_cli("import", "--store", b, str(exported))
        assert result.returncode == 0, result.stderr
        assert "read models caught up" in " ".join(result.stderr.split())

        copy = open_store(b)
        try:
            assert chain_rows(copy) == expected_chain
            assert read_models(copy) == expected_models
            assert run_cli("verify", "--store", b).returncode == 0
            # the copy goes on: the next event follows the imported head
            register_people(copy.app, 1, prefix="AFTER")
            assert copy.app.head() == positions[-1] + 1
        finally:
            copy.close()
        assert run_cli("verify", "--store", b).returncode == 0


@pytest.fixture
def exported(ledger, settings, tmp_path) -> Path:
    register_people(ledger.app, 30)
    path = tmp_path / "log.jsonl"
    assert run_cli("export", "--store", settings.store, "--to", str(path)).returncode == 0
    return path


def rewrite(path: Path, line: int, change) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    event = json.loads(lines[line])
    change(event)
    lines[line] = json.dumps(event)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def assert_refused_and_empty(path: Path, tmp_path: Path, words: str) -> None:
    with make_store("sqlite", tmp_path, "refused") as url:
        result = run_cli("import", "--store", url, str(path))
        assert result.returncode == 1
        assert words in " ".join(result.stderr.split())
        copy = open_store(url)
        try:
            assert copy.app.head() == 0 and copy.app.recorder.chain_head() is None
        finally:
            copy.close()


def test_a_file_with_an_edited_event_is_refused_and_nothing_is_written(exported, tmp_path):
    def edit(event):
        state = json.loads(base64.b64decode(event["state"]))
        state["actor"] = "mallory"
        event["state"] = base64.b64encode(json.dumps(state).encode()).decode()

    rewrite(exported, 20, edit)
    assert_refused_and_empty(exported, tmp_path, "line 21 (position 21): the state does not")


def test_a_file_with_a_missing_event_is_refused_and_nothing_is_written(exported, tmp_path):
    lines = exported.read_text(encoding="utf-8").splitlines()
    del lines[12]
    exported.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert_refused_and_empty(exported, tmp_path, "line 13 (position 14): the chain breaks")


def test_a_file_with_a_rehashed_event_is_refused_where_the_chain_breaks(exported, tmp_path):
    rewrite(exported, 7, lambda e: e.update(hash="00" * 32))
    assert_refused_and_empty(exported, tmp_path, "line 8 (position 8): the chain breaks")


def test_a_store_that_is_not_empty_is_refused_and_keeps_what_it_had(ledger, exported, settings):
    head, chain = ledger.app.head(), chain_rows(ledger)
    result = run_cli("import", "--store", settings.store, str(exported))
    assert result.returncode == 1
    assert "CONFLICT: the store is not empty" in " ".join(result.stderr.split())
    assert ledger.app.head() == head and chain_rows(ledger) == chain


@pytest.mark.skipif(not POSTGRES, reason="needs LEDGER_TEST_POSTGRES")
def test_a_line_broken_after_some_batches_were_written_rolls_the_whole_import_back(
    exported, tmp_path, monkeypatch
):
    """The file is checked again while it is written: a late break undoes every batch."""
    from ledger.integrity import transfer

    monkeypatch.setattr(transfer, "PAGE", 10)
    rewrite(exported, 29, lambda e: e.update(hash="00" * 32))
    with make_store("postgres", tmp_path, "pg") as url:
        copy = open_store(url)
        try:
            written = []
            with pytest.raises(transfer.BadInput, match="line 30 .* chain breaks"):
                transfer.import_file(copy.app.recorder, exported, written.append)
            assert written == [10, 20]  # two batches were in the transaction
            assert copy.app.head() == 0 and copy.app.recorder.chain_head() is None
        finally:
            copy.close()
