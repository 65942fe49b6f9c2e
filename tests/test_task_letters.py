"""Task letters down the hierarchy: signing, progress, overdue tasks, and 上热下冷 per level."""

from __future__ import annotations

import pytest
from scenario import (
    ACKNOWLEDGE,
    ASSUME_POST,
    COMPLETE,
    ISSUE_LETTER,
    PROGRESS,
    REGISTER_PERSON,
    REGISTER_UNIT,
)

TASKS = [
    {"id": "T1", "title": "开展廉政教育", "area": "EDUCATION", "deadline": "2024-06-30"},
    {"id": "T2", "title": "专项检查", "area": "SUPERVISION", "deadline": "2024-12-31"},
]


@pytest.fixture
def tree(gql):
    """Three levels: ORG -> AFF (affiliated unit), DEP (department) -> their branches."""
    for uid, kind, parent in [
        ("ORG", "ORGAN", None),
        ("AFF", "AFFILIATED_UNIT", "ORG"),
        ("DEP", "DEPARTMENT", "ORG"),
        ("AFF-ZB", "PARTY_BRANCH", "AFF"),
        ("DEP-ZB", "PARTY_BRANCH", "DEP"),
    ]:
        gql.data(REGISTER_UNIT, {"id": uid, "name": uid, "kind": kind, "parentId": parent})
    for pid in ("HEAD", "OTHER", "SEC"):
        gql.data(REGISTER_PERSON, {"id": pid, "name": pid})
    gql.data(ASSUME_POST, {"p": "HEAD", "u": "AFF", "role": "UNIT_HEAD", "from": "2023-01-01"})
    gql.data(ASSUME_POST, {"p": "OTHER", "u": "AFF", "role": "STAFF", "from": "2023-01-01"})
    gql.data(
        ASSUME_POST, {"p": "SEC", "u": "AFF-ZB", "role": "BRANCH_SECRETARY", "from": "2024-03-01"}
    )
    return gql


def issue(gql, letter, to, issuer="ORG", on="2024-02-01"):
    return gql.data(
        ISSUE_LETTER,
        {
            "id": letter,
            "number": f"浙发改函〔2024〕{letter}",
            "issuer": issuer,
            "to": to,
            "on": on,
            "tasks": TASKS,
        },
    )


def test_only_the_head_of_the_recipient_signs_and_a_refusal_appends_nothing(tree):
    issue(tree, "L-AFF", "AFF")
    head = tree.head()
    assert (
        tree.error_code(ACKNOWLEDGE, {"id": "L-AFF", "p": "OTHER", "on": "2024-02-05"})
        == "CONFLICT"
    )
    assert tree.head() == head
    tree.data(ACKNOWLEDGE, {"id": "L-AFF", "p": "HEAD", "on": "2024-02-05"})
    letter = tree.data(
        '{ taskLetter(id: "L-AFF") { status acknowledgedBy { id } acknowledgedOn } }'
    )
    assert letter["taskLetter"] == {
        "status": "ACKNOWLEDGED",
        "acknowledgedBy": {"id": "HEAD"},
        "acknowledgedOn": "2024-02-05",
    }
    assert (
        tree.error_code(ACKNOWLEDGE, {"id": "L-AFF", "p": "HEAD", "on": "2024-02-06"}) == "CONFLICT"
    )


def test_a_branch_secretary_signs_only_from_the_day_they_head_the_branch(tree):
    issue(tree, "L-ZB", "AFF-ZB", issuer="ORG")
    assert (
        tree.error_code(ACKNOWLEDGE, {"id": "L-ZB", "p": "SEC", "on": "2024-02-15"}) == "CONFLICT"
    )
    tree.data(ACKNOWLEDGE, {"id": "L-ZB", "p": "SEC", "on": "2024-03-01"})


def test_a_letter_goes_only_down_the_tree(tree):
    head = tree.head()
    assert (
        tree.error_code(
            ISSUE_LETTER,
            {
                "id": "L-X",
                "number": "X",
                "issuer": "AFF",
                "to": "DEP",
                "on": "2024-02-01",
                "tasks": TASKS,
            },
        )
        == "BAD_INPUT"
    )
    assert (
        tree.error_code(
            ISSUE_LETTER,
            {
                "id": "L-X",
                "number": "X",
                "issuer": "AFF",
                "to": "ORG",
                "on": "2024-02-01",
                "tasks": TASKS,
            },
        )
        == "BAD_INPUT"
    )
    assert tree.head() == head


def test_progress_never_goes_backwards_and_overdue_follows_as_of(tree):
    issue(tree, "L-AFF", "AFF")
    tree.data(PROGRESS, {"id": "L-AFF", "t": "T1", "pct": 60, "on": "2024-05-01"})
    head = tree.head()
    assert (
        tree.error_code(PROGRESS, {"id": "L-AFF", "t": "T1", "pct": 40, "on": "2024-05-02"})
        == "CONFLICT"
    )
    assert (
        tree.error_code(PROGRESS, {"id": "L-AFF", "t": "T1", "pct": 140, "on": "2024-05-02"})
        == "BAD_INPUT"
    )
    assert tree.head() == head
    q = 'query($d: Date) { taskLetter(id: "L-AFF") { status tasks { id percent status(asOf: $d) } } }'
    may = tree.data(q, {"d": "2024-05-15"})["taskLetter"]["tasks"]
    assert {t["id"]: t["status"] for t in may} == {"T1": "IN_PROGRESS", "T2": "OPEN"}
    july = tree.data(q, {"d": "2024-07-01"})["taskLetter"]["tasks"]
    assert {t["id"]: t["status"] for t in july} == {"T1": "OVERDUE", "T2": "OPEN"}
    tree.data(COMPLETE, {"id": "L-AFF", "t": "T1", "on": "2024-07-10"})
    tree.data(COMPLETE, {"id": "L-AFF", "t": "T2", "on": "2024-11-10"})
    done = tree.data(q, {"d": "2024-12-01"})["taskLetter"]
    assert done["status"] == "COMPLETED"
    assert {t["id"]: t["status"] for t in done["tasks"]} == {"T1": "DONE", "T2": "DONE"}


def test_responsibility_transmission_on_a_three_level_tree(tree):
    issue(tree, "L-AFF", "AFF")
    issue(tree, "L-DEP", "DEP")
    issue(tree, "L-AFF-ZB", "AFF-ZB")
    issue(tree, "L-DEP-ZB", "DEP-ZB")
    tree.data(ACKNOWLEDGE, {"id": "L-AFF", "p": "HEAD", "on": "2024-02-05"})
    tree.data(COMPLETE, {"id": "L-AFF", "t": "T1", "on": "2024-06-01"})
    levels = tree.data(
        '{ responsibilityTransmission(rootUnitId: "ORG", asOf: "2024-07-01") '
        "{ depth letters acknowledgedRate completedRate overdueTasks } }"
    )
    assert levels["responsibilityTransmission"] == [
        {
            "depth": 0,
            "letters": 0,
            "acknowledgedRate": 0.0,
            "completedRate": 0.0,
            "overdueTasks": 0,
        },
        {
            "depth": 1,
            "letters": 2,
            "acknowledgedRate": 0.5,
            "completedRate": 0.25,
            "overdueTasks": 1,
        },
        {
            "depth": 2,
            "letters": 2,
            "acknowledgedRate": 0.0,
            "completedRate": 0.0,
            "overdueTasks": 2,
        },
    ]


def test_task_letters_page_by_a_stable_cursor_with_a_total(tree):
    for n in range(5):
        issue(tree, f"L-{n}", "AFF")
    q = (
        'query($after: String) { taskLetters(recipientId: "AFF", first: 2, after: $after) '
        "{ totalCount edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }"
    )
    first = tree.data(q)["taskLetters"]
    assert first["totalCount"] == 5 and [e["node"]["id"] for e in first["edges"]] == ["L-0", "L-1"]
    issue(tree, "L-NEW", "AFF")  # arrives between two page requests
    second = tree.data(q, {"after": first["pageInfo"]["endCursor"]})["taskLetters"]
    assert [e["node"]["id"] for e in second["edges"]] == ["L-2", "L-3"]
    assert second["totalCount"] == 6 and second["pageInfo"]["hasNextPage"]
    assert tree.error_code(q, {"after": "bogus"}) == "BAD_INPUT"


def test_a_branch_token_acts_only_on_letters_addressed_to_its_units(tree):
    issue(tree, "L-AFF", "AFF")
    issue(tree, "L-DEP", "DEP")
    branch = tree.token("BRANCH", "branch-aff", units=["AFF"])
    head = tree.head()
    assert (
        tree.error_code(
            PROGRESS, {"id": "L-DEP", "t": "T1", "pct": 10, "on": "2024-03-01"}, token=branch
        )
        == "FORBIDDEN"
    )
    assert tree.head() == head
    tree.data(PROGRESS, {"id": "L-AFF", "t": "T1", "pct": 10, "on": "2024-03-01"}, token=branch)
    assert (
        tree.error_code(
            ISSUE_LETTER,
            {
                "id": "L-Y",
                "number": "Y",
                "issuer": "ORG",
                "to": "AFF",
                "on": "2024-02-01",
                "tasks": TASKS,
            },
            token=branch,
        )
        == "FORBIDDEN"
    )


CORRECT_PROGRESS = """mutation($id: ID!, $t: ID!, $pct: Int!) {
  correctTaskProgress(input: {letterId: $id, taskId: $t, percent: $pct, reason: "误报更正"}) { id position }
}"""
WITHDRAW = """mutation($id: ID!, $on: Date!) {
  withdrawTaskLetter(input: {letterId: $id, on: $on, reason: "机构调整"}) { id position }
}"""


def test_progress_goes_back_only_by_a_correction_and_a_withdrawn_letter_takes_no_more_work(tree):
    issue(tree, "L-AFF", "AFF")
    tree.data(PROGRESS, {"id": "L-AFF", "t": "T1", "pct": 80, "on": "2024-05-01"})
    tree.data(CORRECT_PROGRESS, {"id": "L-AFF", "t": "T1", "pct": 30})
    tasks = tree.data('{ taskLetter(id: "L-AFF") { tasks { id percent } } }')["taskLetter"]["tasks"]
    assert {t["id"]: t["percent"] for t in tasks}["T1"] == 30
    history = [e["type"] for e in tree.data('{ history(entityId: "L-AFF") { type } }')["history"]]
    assert history == ["TaskLetterIssued", "TaskProgressReported", "TaskProgressCorrected"]

    tree.data(WITHDRAW, {"id": "L-AFF", "on": "2024-06-01"})
    head = tree.head()
    assert (
        tree.error_code(PROGRESS, {"id": "L-AFF", "t": "T1", "pct": 90, "on": "2024-06-02"})
        == "CONFLICT"
    )
    assert tree.error_code(WITHDRAW, {"id": "L-AFF", "on": "2024-06-03"}) == "CONFLICT"
    assert tree.head() == head
    letter = tree.data('{ taskLetter(id: "L-AFF") { status } }')["taskLetter"]
    assert letter["status"] == "WITHDRAWN"
    levels = tree.data(
        '{ responsibilityTransmission(rootUnitId: "ORG", asOf: "2024-07-01") { letters } }'
    )
    assert [v["letters"] for v in levels["responsibilityTransmission"]] == [0, 0, 0]
