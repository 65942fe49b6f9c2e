"""The projector takes the events this process has just committed from memory
(`ledger.committed`) instead of reading them back, and reads everything else.

- What it takes from memory is what it would have read: the same envelopes (positions,
  events, record time, chain hash), so the read models cannot tell the two apart.
- An event another process committed between two of this process's is read from the store
  in its place: the projector neither skips it nor applies anything twice.
On SQLite, and PostgreSQL when LEDGER_TEST_POSTGRES is set.
"""

from __future__ import annotations

from ledger import commands as c
from ledger.committed import Committed
from ledger.domain.base import Stamp
from ledger.service import Ledger

ADMIN = Stamp("committed-admin")


def register(ledger: Ledger, person_id: str) -> int:
    """Register a person without projecting it; its position."""
    return ledger.app.execute(
        c.RegisterPerson(id=person_id, name=person_id), ADMIN, wait=False
    ).position


def store_reads(ledger: Ledger, monkeypatch) -> list[int]:
    """The positions from which the store is asked for a page of the log, as asked."""
    asked: list[int] = []
    recorder = ledger.app.recorder
    select = recorder.select_notifications

    def recorded(start, limit, stop=None, **kw):
        asked.append(start)
        return select(start, limit, stop, **kw)

    monkeypatch.setattr(recorder, "select_notifications", recorded)
    return asked


def test_events_taken_from_memory_are_the_envelopes_read_back(ledger: Ledger):
    ledger.execute(c.RegisterUnit(id="MEM", name="内存单位", kind="ORGAN"), ADMIN)
    first = register(ledger, "P-MEM-1")
    for i in range(2, 6):
        register(ledger, f"P-MEM-{i}")
    ledger.execute(
        c.AssumePost(person_id="P-MEM-3", unit_id="MEM", role="PRINCIPAL", valid_from="2024-01-01"),
        ADMIN,
    )
    runner, kept = ledger.runner, ledger.app.recorder.committed
    assert isinstance(kept, Committed)
    notifications, chain = kept.after(first - 1, 100)
    head = ledger.app.head()
    assert [n.id for n in notifications] == list(range(first, head + 1))
    from_memory = runner._decode(notifications, chain)
    read_back = runner._decode(ledger.app.recorder.select_notifications(start=first, limit=100))
    assert from_memory == read_back
    assert [e.hash for e in from_memory] == [e.hash for e in read_back]
    assert all(e.hash for e in from_memory)
    assert kept.after(head, 100) == ([], {})
    assert [n.id for n in kept.after(first, 2, until=first + 1)[0]] == [first + 1]


def test_an_event_another_process_commits_between_ours_is_read_not_skipped(
    ledger: Ledger, settings, monkeypatch
):
    other = Ledger.open(settings)  # another process: its commits are not in our memory
    try:
        ledger.execute(c.RegisterUnit(id="MIX", name="交错单位", kind="ORGAN"), ADMIN)
        start = ledger.runner.catch_up()
        ours = [register(ledger, "P-OURS-1"), register(ledger, "P-OURS-2")]
        theirs = other.app.execute(
            c.RegisterPerson(id="P-THEIRS", name="别的进程"), ADMIN, wait=False
        ).position
        ours.append(register(ledger, "P-OURS-3"))
        assert ours[:2] == [start + 1, start + 2] and theirs == start + 3
        assert ours[2] == start + 4
        asked = store_reads(ledger, monkeypatch)

        assert ledger.runner.catch_up() == start + 4
        # ours from memory up to the gap; from the gap on, the store (and once more at the end)
        assert asked[0] == theirs
        with ledger.reads.read() as tx:
            people = {
                r["person_id"]
                for r in tx.all("SELECT person_id FROM rm_persons WHERE person_id LIKE ?", ("P-%",))
            }
            events = tx.all(
                "SELECT position FROM rm_events WHERE position > ? ORDER BY position", (start,)
            )
        assert people == {"P-OURS-1", "P-OURS-2", "P-THEIRS", "P-OURS-3"}
        assert [r["position"] for r in events] == [start + 1, start + 2, start + 3, start + 4]
    finally:
        other.close()


def test_the_follower_applies_what_another_process_commits_after_ours(ledger: Ledger, settings):
    other = Ledger.open(settings)
    try:
        ledger.start_projector()
        mine = ledger.execute(c.RegisterPerson(id="P-FIRST", name="本进程"), ADMIN)
        assert mine.projected  # taken from memory; the round ends there
        theirs = other.app.execute(
            c.RegisterPerson(id="P-AFTER", name="别的进程"), ADMIN, wait=False
        ).position
        assert theirs == mine.position + 1
        assert ledger.wait_for(theirs, timeout=30)  # a later round reads it from the store
        with ledger.reads.read() as tx:
            row = tx.one("SELECT name FROM rm_persons WHERE person_id = ?", ("P-AFTER",))
        assert row is not None and row["name"] == "别的进程"
    finally:
        other.close()
