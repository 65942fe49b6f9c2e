"""Scenarios a review found wrong once; each would fail again if the fix were undone."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from scenario import (
    ASSIGN,
    ASSUME_POST,
    CORRECT_POST,
    CORRECT_RESPONSIBILITY,
    LEAVE_POST,
    LIST,
    REGISTER_CASE,
    REGISTER_PERSON,
    REGISTER_UNIT,
    build_organ,
    links,
)

from ledger import commands as c
from ledger.domain.base import Stamp
from projections.event_index import EventIndexProjector


def test_items_starting_the_same_day_one_open_one_closed_still_chain(gql):
    build_organ(gql)
    gql.data(REGISTER_UNIT, {"id": "BR", "name": "支部", "kind": "PARTY_BRANCH", "parentId": "AFF"})
    gql.data(REGISTER_PERSON, {"id": "S", "name": "党员"})
    gql.data(ASSUME_POST, {"p": "S", "u": "BR", "role": "STAFF", "from": "2020-01-01"})
    gql.data(
        ASSIGN,
        {
            "id": "I1",
            "holder": "A",
            "kind": "IN_CHARGE",
            "scope": ["AFF"],
            "from": "2023-01-01",
            "title": "分管",
        },
    )
    gql.data(
        'mutation { assignResponsibility(input: {id: "I2", holderId: "B", kind: IN_CHARGE, '
        'area: SUPERVISION, title: "联系", scopeUnitIds: ["ORG"], validFrom: "2023-01-01", '
        'validTo: "2024-12-31"}) { id } }'
    )
    gql.data(
        REGISTER_CASE,
        {
            "id": "K",
            "unit": "BR",
            "subject": "S",
            "cat": "INTEGRITY",
            "disc": "PASSIVE",
            "facts": "2024-05-10",
            "until": None,
            "reg": "2024-06-01",
        },
    )
    assert {("IN_CHARGE", "A"), ("IN_CHARGE", "B")} <= links(gql, "K")


def test_a_post_correction_may_not_overlap_another_term_of_the_same_post(gql):
    build_organ(gql)
    gql.data(ASSUME_POST, {"p": "A", "u": "DEP", "role": "UNIT_HEAD", "from": "2020-01-01"})
    gql.data(LEAVE_POST, {"p": "A", "u": "DEP", "role": "UNIT_HEAD", "to": "2021-12-31"})
    gql.data(ASSUME_POST, {"p": "A", "u": "DEP", "role": "UNIT_HEAD", "from": "2023-01-01"})
    head = gql.head()
    code = gql.error_code(
        CORRECT_POST,
        {
            "p": "A",
            "u": "DEP",
            "role": "UNIT_HEAD",
            "orig": "2020-01-01",
            "from": "2020-01-01",
            "to": None,
            "reason": "r",
        },
    )
    assert code == "CONFLICT" and gql.head() == head


def test_a_failed_projection_page_leaves_no_stale_record_time_behind(ledger, monkeypatch):
    stamp = Stamp("t")
    for n in range(6):
        ledger.app.execute(c.RegisterPerson(f"P{n}", f"人{n}"), stamp, wait=False)
    original = EventIndexProjector.apply
    calls = {"n": 0}

    def flaky(self, tx, envelope):
        calls["n"] += 1
        if envelope.position == 5 and calls["n"] < 10:
            raise RuntimeError("transient failure")
        return original(self, tx, envelope)

    monkeypatch.setattr(EventIndexProjector, "apply", flaky)
    with pytest.raises(RuntimeError):
        ledger.runner.catch_up()
    calls["n"] = 10
    ledger.runner.catch_up()
    with ledger.reads.read() as tx:
        rows = tx.all("SELECT position, recorded_at, known_at FROM rm_events ORDER BY position")
    assert all(r["known_at"] == r["recorded_at"] for r in rows), "known_at is the running max"


def test_a_task_corrected_back_to_zero_is_open_again(gql):
    from test_task_letters import CORRECT_PROGRESS, TASKS

    for uid, kind, parent in [("ORG", "ORGAN", None), ("AFF", "AFFILIATED_UNIT", "ORG")]:
        gql.data(REGISTER_UNIT, {"id": uid, "name": uid, "kind": kind, "parentId": parent})
    gql.data(
        'mutation($t: [TaskInput!]!) { issueTaskLetter(input: {id: "L", number: "1", '
        'title: "函", issuerId: "ORG", recipientId: "AFF", issuedOn: "2024-02-01", tasks: $t}) '
        "{ id } }",
        {"t": TASKS},
    )
    gql.data(
        'mutation { reportTaskProgress(input: {letterId: "L", taskId: "T2", percent: 30, '
        'note: "n", on: "2024-03-01"}) { id } }'
    )
    gql.data(CORRECT_PROGRESS, {"id": "L", "t": "T2", "pct": 0})
    q = '{ taskLetter(id: "L") { tasks { id status(asOf: "2024-04-01") } } }'
    assert {t["id"]: t["status"] for t in gql.data(q)["taskLetter"]["tasks"]}["T2"] == "OPEN"


@pytest.mark.parametrize("known_at", ["0999-01-01T00:00:00+00:00", "2999-01-01T00:00:00+00:00"])
def test_known_at_outside_the_ledgers_lifetime_is_refused(gql, known_at):
    gql.data(REGISTER_PERSON, {"id": "A", "name": "张三"})
    assert (
        gql.error_code(LIST, {"p": "A", "asOf": "2024-01-01", "knownAt": known_at}) == "BAD_INPUT"
    )


def test_a_slow_save_does_not_change_an_answer_already_given_for_an_earlier_instant(
    gql, record_clock
):
    """Record time is the commit's, not the moment the command decided: a save that waited
    for the lock cannot slip into an answer asked `knownAt` an instant before it committed."""

    from ledger.domain.person import Person

    app = gql.ledger.app
    decided_early = Person.register(Stamp("slow-writer"), "SLOW", "慢")  # its timestamp: now
    record_clock.between()
    gql.data(REGISTER_PERSON, {"id": "FAST", "name": "快"})
    between = record_clock.between()
    q = "query($k: DateTime) { events(first: 10, recordedTo: $k) { events { entityId } } }"
    before = gql.data(q, {"k": between})
    app.save(decided_early)  # commits only now, carrying a timestamp from before `between`
    gql.ledger.wait_for(app.head())
    assert gql.data(q, {"k": between}) == before == {"events": {"events": [{"entityId": "FAST"}]}}


def test_oversized_lists_are_refused_by_their_cap_before_any_listed_id_is_looked_up(gql):
    """A scope of 201 units or a correction of 201 periods is BAD_INPUT at once: the cap
    comes before one aggregate is loaded per listed id (which held a worker for seconds)."""
    build_organ(gql)
    gql.data(
        ASSIGN,
        {
            "id": "I1",
            "holder": "A",
            "kind": "IN_CHARGE",
            "scope": ["AFF"],
            "from": "2023-01-01",
            "title": "分管",
        },
    )
    head = gql.head()
    unknown_units = [f"NO-UNIT-{n}" for n in range(201)]
    assert (
        gql.error_code(
            ASSIGN,
            {
                "id": "I2",
                "holder": "A",
                "kind": "IN_CHARGE",
                "scope": unknown_units,
                "from": "2023-01-01",
                "title": "过宽",
            },
        )
        == "BAD_INPUT"
    )
    days = [(date(2020, 1, 1) + timedelta(days=n)).isoformat() for n in range(201)]
    periods = [{"holderId": f"NO-PERSON-{n}", "from": day, "to": day} for n, day in enumerate(days)]
    assert (
        gql.error_code(CORRECT_RESPONSIBILITY, {"item": "I1", "periods": periods, "reason": "过长"})
        == "BAD_INPUT"
    )
    assert gql.head() == head
    # Under the caps, an unknown id is still named; a repeated one is looked up once and fine.
    assert (
        gql.error_code(
            ASSIGN,
            {
                "id": "I2",
                "holder": "A",
                "kind": "IN_CHARGE",
                "scope": ["AFF", "NO-UNIT"],
                "from": "2023-01-01",
                "title": "分管",
            },
        )
        == "NOT_FOUND"
    )
    gql.data(
        ASSIGN,
        {
            "id": "I2",
            "holder": "A",
            "kind": "IN_CHARGE",
            "scope": ["AFF", "AFF"],
            "from": "2023-01-01",
            "title": "分管",
        },
    )
