"""Findings and their rectification, through the server on both stores: orders with owners
and due dates, progress, completion with evidence, a review that accepts or reopens; the
status as of a date by unit subtree; a correction reproducible by knownAt; the optional
overdue rule of an evaluation cycle, explained line by line; refusals that append nothing."""

from __future__ import annotations

import pytest
from scenario import (
    FINALIZE,
    OPEN_CYCLE,
    RESULT,
    build_organ,
    score,
)

RECORD = """mutation($id: ID!, $unit: ID!, $on: Date!, $source: FindingSource! = INSPECTION_TOUR) {
  recordFinding(input: {id: $id, unitId: $unit, source: $source, foundOn: $on,
                        description: "三重一大事项未经集体研究"}) { id position }
}"""
ORDER = """mutation($id: ID!, $f: ID!, $owner: ID!, $on: Date!, $due: Date!, $unit: ID) {
  orderRectification(input: {id: $id, findingId: $f, ownerId: $owner, requirement: "建立集体决策台账",
                             orderedOn: $on, dueOn: $due, unitId: $unit}) { id position }
}"""
PROGRESS = """mutation($id: ID!, $pct: Int!, $on: Date!) {
  reportRectificationProgress(input: {rectificationId: $id, percent: $pct, note: "已制定制度", on: $on}) { id position }
}"""
COMPLETE = """mutation($id: ID!, $on: Date!) {
  completeRectification(input: {rectificationId: $id, on: $on, evidence: "党组会议纪要"}) { id position }
}"""
REVIEW = """mutation($id: ID!, $v: RectificationVerdict!, $on: Date!, $due: Date) {
  reviewRectification(input: {rectificationId: $id, verdict: $v, on: $on, opinion: "验收意见", dueOn: $due}) { id position }
}"""
CORRECT = """mutation($id: ID!, $due: Date!) {
  correctRectification(input: {rectificationId: $id, dueOn: $due, reason: "整改通知书期限录入有误"}) { id position }
}"""
RECTIFICATIONS = """query($unit: ID, $asOf: Date, $knownAt: DateTime, $status: RectificationStatus) {
  rectifications(unitId: $unit, asOf: $asOf, knownAt: $knownAt, status: $status) {
    id status dueOn percent completedOn review unit { id } owner { id } finding { id }
    steps { kind on note }
  }
}"""
FINDING = """query($id: ID!, $asOf: Date, $knownAt: DateTime) {
  finding(id: $id, asOf: $asOf, knownAt: $knownAt) {
    id source foundOn status unit { id } rectifications { id status }
  }
}"""
CHOOSE_RULE = """mutation($c: ID!, $pts: Float!) {
  chooseOverdueRectificationRule(input: {cycleId: $c, points: $pts}) { id position }
}"""


@pytest.fixture
def organ(gql):
    """ORG with DEP and AFF, team members A, B, C; a 巡察 finding at AFF with two orders:
    R-1 (due 2024-06-30, owner A), R-2 (due 2024-09-30, owner B)."""
    build_organ(gql)
    gql.data(RECORD, {"id": "F-1", "unit": "AFF", "on": "2024-03-01"})
    gql.data(
        ORDER, {"id": "R-1", "f": "F-1", "owner": "A", "on": "2024-03-10", "due": "2024-06-30"}
    )
    gql.data(
        ORDER, {"id": "R-2", "f": "F-1", "owner": "B", "on": "2024-03-10", "due": "2024-09-30"}
    )
    return gql


def statuses(gql, as_of: str, unit: str | None = "ORG", known_at: str | None = None) -> dict:
    found = gql.data(RECTIFICATIONS, {"unit": unit, "asOf": as_of, "knownAt": known_at})
    return {r["id"]: r["status"] for r in found["rectifications"]}


def test_an_order_goes_from_open_to_done_and_a_late_one_is_overdue_until_done(organ):
    organ.data(PROGRESS, {"id": "R-1", "pct": 50, "on": "2024-05-01"})
    organ.data(COMPLETE, {"id": "R-1", "on": "2024-06-20"})
    organ.data(REVIEW, {"id": "R-1", "v": "ACCEPT", "on": "2024-07-01"})
    organ.data(COMPLETE, {"id": "R-2", "on": "2024-10-15"})
    organ.data(REVIEW, {"id": "R-2", "v": "REOPEN", "on": "2024-10-20", "due": "2024-11-30"})

    assert statuses(organ, "2024-03-09") == {}  # nothing ordered yet
    assert statuses(organ, "2024-06-19") == {"R-1": "OPEN", "R-2": "OPEN"}
    assert statuses(organ, "2024-06-30") == {"R-1": "DONE", "R-2": "OPEN"}
    assert statuses(organ, "2024-09-30") == {"R-1": "DONE", "R-2": "OPEN"}  # due day: not late
    assert statuses(organ, "2024-10-01") == {"R-1": "DONE", "R-2": "OVERDUE"}
    assert statuses(organ, "2024-10-15") == {"R-1": "DONE", "R-2": "DONE"}
    assert statuses(organ, "2024-10-20") == {"R-1": "DONE", "R-2": "OPEN"}  # reopened
    assert statuses(organ, "2024-12-01") == {"R-1": "DONE", "R-2": "OVERDUE"}

    # by unit subtree, and by status
    assert statuses(organ, "2024-12-01", unit="AFF") == {"R-1": "DONE", "R-2": "OVERDUE"}
    assert statuses(organ, "2024-12-01", unit="DEP") == {}
    overdue = organ.data(RECTIFICATIONS, {"unit": "ORG", "asOf": "2024-12-01", "status": "OVERDUE"})
    [r2] = overdue["rectifications"]
    assert (r2["id"], r2["dueOn"], r2["review"], r2["owner"], r2["finding"]) == (
        "R-2",
        "2024-11-30",
        "REOPENED",
        {"id": "B"},
        {"id": "F-1"},
    )
    assert [s["kind"] for s in r2["steps"]] == ["COMPLETED", "REOPENED"]

    finding = organ.data(FINDING, {"id": "F-1", "asOf": "2024-10-15"})["finding"]
    assert finding["status"] == "DONE" and finding["unit"] == {"id": "AFF"}
    assert (
        organ.data(FINDING, {"id": "F-1", "asOf": "2024-12-01"})["finding"]["status"] == "OVERDUE"
    )
    listed = organ.data(
        '{ findings(unitId: "ORG", asOf: "2024-12-01", status: OVERDUE) { id source } }'
    )
    assert listed["findings"] == [{"id": "F-1", "source": "INSPECTION_TOUR"}]


def test_a_correction_of_the_due_date_is_reproducible_by_known_at(organ, record_clock):
    before = record_clock.between()
    organ.data(CORRECT, {"id": "R-1", "due": "2024-07-31"})
    assert statuses(organ, "2024-07-15")["R-1"] == "OPEN"  # as recorded now
    assert statuses(organ, "2024-07-15", known_at=before)["R-1"] == "OVERDUE"  # as known then
    earlier = organ.data(FINDING, {"id": "F-1", "asOf": "2024-07-15", "knownAt": before})
    assert earlier["finding"]["status"] == "OVERDUE"
    # a finding recorded later does not exist as known before it
    organ.data(RECORD, {"id": "F-2", "unit": "DEP", "on": "2024-05-01"})
    assert organ.data(FINDING, {"id": "F-2", "knownAt": before})["finding"] is None


def test_bad_input_conflicts_and_unknown_ids_append_nothing(organ):
    head = organ.head()
    refusals = [
        (COMPLETE, {"id": "R-1", "on": "2024-03-09"}, "BAD_INPUT"),  # before the order
        (
            ORDER,
            {"id": "R-9", "f": "F-1", "owner": "A", "on": "2024-03-10", "due": "2024-02-28"},
            "BAD_INPUT",
        ),
        (
            ORDER,
            {"id": "R-9", "f": "F-1", "owner": "A", "on": "2024-02-28", "due": "2024-06-30"},
            "BAD_INPUT",
        ),
        (
            ORDER,
            {
                "id": "R-9",
                "f": "F-1",
                "owner": "A",
                "on": "2024-03-10",
                "due": "2024-06-30",
                "unit": "DEP",
            },
            "BAD_INPUT",
        ),  # outside the finding's subtree
        (
            ORDER,
            {"id": "R-9", "f": "F-404", "owner": "A", "on": "2024-03-10", "due": "2024-06-30"},
            "NOT_FOUND",
        ),
        (
            ORDER,
            {"id": "R-9", "f": "F-1", "owner": "NOBODY", "on": "2024-03-10", "due": "2024-06-30"},
            "NOT_FOUND",
        ),
        (
            ORDER,
            {"id": "R-1", "f": "F-1", "owner": "A", "on": "2024-03-10", "due": "2024-06-30"},
            "CONFLICT",
        ),
        (RECORD, {"id": "F-9", "unit": "NOWHERE", "on": "2024-03-01"}, "NOT_FOUND"),
        (RECORD, {"id": "F-1", "unit": "AFF", "on": "2024-03-01"}, "CONFLICT"),
        (COMPLETE, {"id": "R-404", "on": "2024-06-01"}, "NOT_FOUND"),
        (REVIEW, {"id": "R-1", "v": "ACCEPT", "on": "2024-06-01"}, "CONFLICT"),  # not completed
        (PROGRESS, {"id": "R-1", "pct": 101, "on": "2024-05-01"}, "BAD_INPUT"),
    ]
    for document, variables, code in refusals:
        assert organ.error_code(document, variables) == code, (variables, code)
    assert organ.head() == head

    organ.data(PROGRESS, {"id": "R-1", "pct": 60, "on": "2024-05-01"})
    organ.data(COMPLETE, {"id": "R-1", "on": "2024-06-01"})
    head = organ.head()
    for document, variables, code in [
        (COMPLETE, {"id": "R-1", "on": "2024-06-02"}, "CONFLICT"),  # a second completion
        (PROGRESS, {"id": "R-1", "pct": 80, "on": "2024-06-02"}, "CONFLICT"),
        (
            REVIEW,
            {"id": "R-1", "v": "ACCEPT", "on": "2024-05-31"},
            "BAD_INPUT",
        ),  # before completion
        (
            REVIEW,
            {"id": "R-1", "v": "ACCEPT", "on": "2024-06-05", "due": "2024-07-01"},
            "BAD_INPUT",
        ),
        (
            REVIEW,
            {"id": "R-1", "v": "REOPEN", "on": "2024-06-05", "due": "2024-06-04"},
            "BAD_INPUT",
        ),
    ]:
        assert organ.error_code(document, variables) == code, (variables, code)
    assert organ.head() == head
    organ.data(PROGRESS, {"id": "R-2", "pct": 50, "on": "2024-05-01"})
    assert organ.error_code(PROGRESS, {"id": "R-2", "pct": 40, "on": "2024-05-02"}) == "CONFLICT"


def test_a_branch_reports_on_its_own_units_orders_only(organ):
    branch_aff = organ.token("BRANCH", "branch-aff", ["AFF"])
    branch_dep = organ.token("BRANCH", "branch-dep", ["DEP"])
    head = organ.head()
    assert (
        organ.error_code(COMPLETE, {"id": "R-1", "on": "2024-06-01"}, token=branch_dep)
        == "FORBIDDEN"
    )
    assert (
        organ.error_code(REVIEW, {"id": "R-1", "v": "ACCEPT", "on": "2024-06-01"}, token=branch_aff)
        == "FORBIDDEN"
    )
    assert organ.head() == head
    organ.data(COMPLETE, {"id": "R-1", "on": "2024-06-01"}, token=branch_aff)
    # a token for DEP does not see AFF's orders, one for AFF does
    assert statuses_with(organ, branch_dep) == []
    assert statuses_with(organ, branch_aff) == ["R-1", "R-2"]
    assert organ.error_code(FINDING, {"id": "F-1"}, token=branch_dep) == "FORBIDDEN"


def statuses_with(gql, token: str) -> list[str]:
    body = gql.data(RECTIFICATIONS, {"asOf": "2024-07-01"}, token=token)
    return [r["id"] for r in body["rectifications"]]


def test_the_overdue_rule_of_a_cycle_deducts_per_overdue_order_at_the_periods_end(
    organ, record_clock
):
    organ.data(OPEN_CYCLE, {"id": "EV", "units": ["AFF"]})
    score(organ, "EV", "AFF", 28, 36, 27)
    organ.data(COMPLETE, {"id": "R-1", "on": "2024-06-20"})  # done in time; R-2 never done
    unchosen = record_clock.between()
    organ.data(CHOOSE_RULE, {"c": "EV", "pts": 1.5})
    result = organ.data(RESULT, {"c": "EV", "u": "AFF"})["evaluationResult"]
    [line] = result["deductions"]
    assert (line["rule"], line["points"], line["case"]) == ("OVERDUE_RECTIFICATION", -1.5, None)
    assert "R-2" in line["reason"] and "2024-09-30" in line["reason"]
    assert result["total"] == 89.5
    before = organ.data(RESULT, {"c": "EV", "u": "AFF", "knownAt": unchosen})["evaluationResult"]
    assert before["deductions"] == [] and before["total"] == 91
    cycle = organ.data('{ evaluationCycle(id: "EV") { overdueRectificationDeduction } }')
    assert cycle["evaluationCycle"]["overdueRectificationDeduction"] == 1.5

    organ.data(FINALIZE, {"c": "EV"})
    organ.data(COMPLETE, {"id": "R-2", "on": "2025-01-10"})  # after the period and the finalization
    assert organ.data(RESULT, {"c": "EV", "u": "AFF"})["evaluationResult"]["total"] == 89.5
    head = organ.head()
    assert organ.error_code(CHOOSE_RULE, {"c": "EV", "pts": 0}) == "CONFLICT"
    assert organ.error_code(CHOOSE_RULE, {"c": "EV-404", "pts": 1}) == "NOT_FOUND"
    assert organ.head() == head
