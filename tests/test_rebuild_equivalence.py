"""A rebuild leaves exactly the rows that following the log one event at a time leaves.

A rebuild applies pages of thousands of events in one transaction, defers each table's
writes to one call per page (`Tx.defer`, `Versions`), keeps entities' current rows in
memory instead of reading them back, builds the indexes that applying never reads after
the load, and swaps the read models in. None of that may change a row: the same log
(the demo, then a correction, revocation, retraction or withdrawal of every kind the demo
lacks, several on one entity in a row) is projected live one event per transaction, again
one event per transaction with every in-memory cache forgotten before each (so every row
is read back from the tables), and by rebuilds, and every read-model table is compared row
by row, on both stores.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from test_integrity_support import read_models

from ledger import commands as c
from ledger import demo
from ledger.domain.base import Stamp
from ledger.service import Ledger
from projections import runner as runner_module
from projections.base import index_name
from projections.db import OPEN_POSITION
from projections.runner import MAX_REBUILD_PARTS, ProjectionRunner, RebuildFailed, _share_out

pytestmark = pytest.mark.slow


def corrections() -> list[c.Command]:
    """After the demo: every event kind it lacks, on its own entities."""
    cycle, unit = "EV-2024", "ZJ-FGW-XXZX"
    return [
        c.CorrectPost(
            "P-0003", "ZJ-FGW", "TEAM_MEMBER", "2020-06-01", "2020-07-01", reason="任职日期更正"
        ),
        # a team member leaves the organ's team: their IN_CHARGE item lapses with the post
        c.LeavePost("P-0005", "ZJ-FGW", "TEAM_MEMBER", "2024-12-31"),
        c.CorrectResponsibility(
            "R-IC-BGS-RSC", (c.HolderPeriod("P-0003", "2020-07-01"),), reason="随任职日期更正"
        ),
        c.EndResponsibility("R-SUPERVISORY", "2024-12-30"),
        # a correction places the case anew: its later events belong to the unit it names
        c.CorrectCase("CASE-2023-001", "ZJ-FGW-XXZX", "2023-01-06", reason="事实日期更正"),
        c.ConcludeCase("CASE-2023-001", "FIRST", "批评教育", "2024-03-01"),
        c.RevokeAccountability("CASE-2024-ROT/D3", reason="复查撤销", on="2024-11-01"),
        # one task reported, corrected, reported again and completed; a letter withdrawn
        c.ReportTaskProgress("LTR-2024-01", "MGT", 30, "推进中", "2024-10-01"),
        c.ReportTaskProgress("LTR-2024-01", "MGT", 60, "过半", "2024-10-15"),
        c.CorrectTaskProgress("LTR-2024-01", "MGT", 0, reason="误报"),
        c.ReportTaskProgress("LTR-2024-01", "MGT", 50, "重新报告", "2024-10-20"),
        c.CompleteTask("LTR-2024-01", "MGT", "2024-11-01", "验收材料"),
        c.WithdrawTaskLetter("LTR-2024-04", "2024-11-02", reason="机构调整"),
        c.DeductScore(cycle, unit, 2.0, "通报批评", case_id="CASE-2023-001"),
        c.AddBonus(cycle, "ZJ-FGW-JJS", 1.0, "经验推广"),
        c.ApplyVeto(cycle, "ZJ-FGW-NYJ", "一票否决"),
        c.ChooseOverdueTalkRule(cycle, 0.5),
        c.FinalizeEvaluationCycle(cycle),
        c.ReviewEvaluationResult(cycle, unit, reason="复核"),
        c.CorrectRectification("RECT-2024-02", "2024-09-30", reason="延期"),
        c.ReviseRiskPost("RP-FGW-BGS", "HIGH", 5, reason="重新评估"),
        c.RetireRiskPost("RP-FGW-NYJ", "2024-12-01", reason="岗位撤销"),
        c.DeclareUnitFunctions(
            "ZJ-FGW-RSC", ("PERSONNEL", "FINANCE"), "2024-01-01", reason="职能调整"
        ),
        c.DeclareUnitFunctions("ZJ-FGW-RSC", ("PERSONNEL",), "2024-07-01", reason="再调整"),
        c.CorrectMajorDecision(
            "MD-2024-02",
            ("P-0001", "P-0003", "P-0004"),
            ("P-0003", "P-0004", "P-0001"),
            reason="纪要更正",
        ),
        c.CorrectTalk(
            "TK-2023-YT-ZJ-FGW",
            "SUMMONS",
            "P-0090",
            "2023-03-16",
            "约谈",
            "约谈记录（更正）",
            reason="日期更正",
        ),
        c.RetractTalk("TK-2023-YT-ZJ-CZT", reason="误录"),
        c.CorrectPersonalRating("P-0009/R2023", "COMPETENT", reason="复议"),
        c.RetractTalkTrigger("P-0007/T3", reason="误录"),
    ]


def write_history(ledger: Ledger) -> int:
    """The demo and the corrections, appended without waiting; returns the head."""
    demo.load(ledger)
    stamp = Stamp("rebuild-test")
    for command in corrections():
        before = ledger.app.head()
        ledger.app.execute(command, stamp, wait=False)
        assert ledger.app.head() > before, f"{type(command).__name__} appended nothing"
    return ledger.app.head()


def forgetful(runner: ProjectionRunner) -> None:
    """Every projector forgets what it keeps in memory before each page: each row it
    needs is read back from the tables."""
    apply = runner._apply_page

    def page(envelopes, positions):
        for projector in runner.projectors:
            projector.reset_caches()
        return apply(envelopes, positions)

    runner._apply_page = page  # type: ignore[method-assign]


def indexes(ledger: Ledger) -> set[str]:
    with ledger.reads.read() as tx:
        if tx.dialect == "sqlite":
            rows = tx.all("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
            return {r["name"] for r in rows}
        rows = tx.all("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()")
        return {r["indexname"] for r in rows}


def declared_indexes(runner: ProjectionRunner) -> set[str]:
    return {index_name(ddl) for p in runner.projectors for _n, _ddl, ixs in p.tables for ddl in ixs}


def test_a_rebuild_leaves_the_rows_that_following_one_event_at_a_time_leaves(settings, monkeypatch):
    settings.projection_page_size = 1  # the live follower: one event per transaction
    ledger = Ledger.open(settings)
    try:
        head = write_history(ledger)
        assert ledger.wait_for(head)
        live = read_models(ledger)
        assert len(live["rm_events"]) == head

        runner = ledger.runner
        runner.reset()
        forgetful(runner)
        assert runner.catch_up() == head
        assert read_models(ledger) == live, "rows read back differ from rows kept in memory"

        # the whole log in one page, in this process; then pages that cut through entities'
        # histories, in two and in three parts (each in a process and a shadow of its own;
        # with three, no part has every event: each decodes only the events it handles)
        for page_size, workers in ((5000, 1), (97, 2), (97, 3)):
            runner.rebuild_page_size, runner.rebuild_workers = page_size, workers
            assert runner.rebuild() == head
            assert read_models(ledger) == live, (
                f"a rebuild in pages of {page_size}, by {workers} processes, differs"
            )
            assert set(runner.positions().values()) == {head}
            assert declared_indexes(runner) <= indexes(ledger), "an index was not built"
    finally:
        ledger.close()


def test_a_rebuild_that_fails_midway_leaves_the_live_read_models_as_they_were(ledger, monkeypatch):
    head = write_history(ledger)
    assert ledger.wait_for(head)
    before = read_models(ledger)

    from projections.letters import LetterProjector

    changed = LetterProjector._changed

    def failing(self, tx, envelope):
        if envelope.position > head // 2:
            raise RuntimeError("the rebuild dies here")
        changed(self, tx, envelope)

    ledger.runner.rebuild_page_size = 50
    with monkeypatch.context() as patch:
        # the shadow's projectors are copies: the class is where a copy finds the method
        patch.setattr(LetterProjector, "_changed", failing)
        with pytest.raises(RuntimeError, match="dies here"):
            ledger.runner.rebuild()
    assert read_models(ledger) == before
    assert ledger.runner.rebuild() == head
    assert read_models(ledger) == before


@pytest.mark.parametrize("failure, said", [("dies", "exit code -9"), ("hangs", "has not moved")])
def test_a_rebuild_whose_worker_process_dies_or_hangs_fails_and_leaves_the_live_read_models(
    ledger, monkeypatch, failure, said
):
    """A worker process killed half-way (by the OOM killer, say) or stuck (on a lock, say:
    after STALLED_AFTER without moving, it is stopped rather than waited for for ever): the
    rebuild fails with an error that names the worker, the live read models are as they
    were, no shadow is left, and the next rebuild succeeds."""
    head = write_history(ledger)
    assert ledger.wait_for(head)
    before = read_models(ledger)
    here = os.getpid()
    apply = ProjectionRunner._apply_page

    def failing(self, envelopes, positions):
        if os.getpid() != here and envelopes[-1].position > head // 2:
            if failure == "dies":
                os.kill(os.getpid(), signal.SIGKILL)
            time.sleep(3600)
        return apply(self, envelopes, positions)

    ledger.runner.rebuild_page_size, ledger.runner.rebuild_workers = 50, 2
    with monkeypatch.context() as patch:
        patch.setattr(ProjectionRunner, "_apply_page", failing)
        if failure == "hangs":
            patch.setattr(runner_module, "STALLED_AFTER", 1.0)
        with pytest.raises(RebuildFailed, match=f"ledger-rebuild-1 .* {said}"):
            ledger.runner.rebuild()
    assert read_models(ledger) == before
    assert not shadows_left(ledger)
    assert ledger.runner.rebuild() == head
    assert read_models(ledger) == before


def test_a_rebuild_builds_in_no_more_parts_than_the_swap_can_attach(ledger, monkeypatch):
    """However many workers are asked for, the parts' shadows fit one SQLite connection
    (ten attached databases), and a rebuild in that many parts ends where one would."""
    head = write_history(ledger)
    assert ledger.wait_for(head)
    before = read_models(ledger)
    assert len(_share_out(ledger.runner.projectors, 50)) == MAX_REBUILD_PARTS
    ledger.runner.rebuild_workers = 50
    assert ledger.runner.rebuild() == head
    assert read_models(ledger) == before
    assert not shadows_left(ledger)
    # what a rebuild in more parts left (killed, say) goes with the next, in fewer parts
    for n in range(MAX_REBUILD_PARTS):
        left = ledger.reads.shadow(n)
        with left.write() as tx:
            tx.execute("CREATE TABLE rm_left (k TEXT)")
        left.close()
    assert len(shadows_left(ledger)) == MAX_REBUILD_PARTS
    ledger.runner.rebuild_workers = 2
    assert ledger.runner.rebuild() == head
    assert not shadows_left(ledger)


def shadows_left(ledger: Ledger) -> list[str]:
    """The places of rebuilds' shadows that still exist (files or schemas)."""
    places = [ledger.reads.shadow_place(n) for n in range(MAX_REBUILD_PARTS)]
    if ledger.reads.dialect == "sqlite":
        return [place for place in places if Path(place).exists()]
    with ledger.reads.read() as tx:
        rows = tx.all("SELECT nspname FROM pg_namespace WHERE nspname = ANY(?)", (places,))
    return [r["nspname"] for r in rows]


def test_deferred_writes_are_seen_by_every_later_statement_of_the_transaction(ledger):
    """`Tx.defer` and `Versions`: a read of a table sends its waiting writes first, and a
    row restated several times before they are sent is written as the statements one by
    one would have written it."""
    with ledger.reads.write() as tx:
        tx.execute(
            "CREATE TABLE rm_test_versions (k TEXT NOT NULL, v TEXT NOT NULL, "
            "recorded_from BIGINT NOT NULL, recorded_to BIGINT NOT NULL)"
        )
        tx.execute("CREATE TABLE rm_test_plain (k TEXT NOT NULL)")
        tx.execute("INSERT INTO rm_test_versions VALUES ('a', 'a0', 1, ?)", (OPEN_POSITION,))
    try:
        with ledger.reads.write() as tx:
            tx.defer("rm_test_plain", "INSERT INTO rm_test_plain (k) VALUES (?)", ("x",))
            assert tx.scalar("SELECT COUNT(*) FROM rm_test_plain") == 1
            versions = tx.versions("rm_test_versions", ("k",), ("k", "v"))
            versions.restate(("a",), ("a", "a1"), 2)  # closes the stored version
            versions.insert(("b",), ("b", "b1"), 2)
            versions.restate(("a",), ("a", "a2"), 3)  # closes a version not yet sent
            versions.close(("b",), 4)
            tx.defer("rm_test_plain", "INSERT INTO rm_test_plain (k) VALUES (?)", ("y",))
            tx.versions("rm_test_versions", ("k",), ("k", "v")).restate(("a",), ("a", "a3"), 5)
        rows = ledger.reads.run(
            lambda tx: [
                tuple(r.values()) if isinstance(r, dict) else tuple(r)
                for r in tx.all(
                    "SELECT k, v, recorded_from, recorded_to FROM rm_test_versions "
                    "ORDER BY k, recorded_from"
                )
            ]
        )
        assert rows == [
            ("a", "a0", 1, 2),
            ("a", "a1", 2, 3),
            ("a", "a2", 3, 5),
            ("a", "a3", 5, OPEN_POSITION),
            ("b", "b1", 2, 4),
        ]
        assert ledger.reads.run(lambda tx: tx.scalar("SELECT COUNT(*) FROM rm_test_plain")) == 2
    finally:
        with ledger.reads.write() as tx:
            tx.execute("DROP TABLE rm_test_versions")
            tx.execute("DROP TABLE rm_test_plain")
