"""Task letters as the ledger knew them at a time (knownAt), through the server on both
stores: which letters a unit had signed by a date as known on another, a task's status and a
level's transmission before and after a correction of progress, and the letter list paged at
an earlier record time."""

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
CORRECT = """mutation($id: ID!, $t: ID!, $pct: Int!) {
  correctTaskProgress(input: {letterId: $id, taskId: $t, percent: $pct, reason: "填报有误"}) { id position }
}"""
LETTERS = """query($to: ID, $knownAt: DateTime) {
  taskLetters(recipientId: $to, knownAt: $knownAt) {
    totalCount edges { node { id status acknowledgedOn tasks { id percent status(asOf: "2024-07-01") } } }
  }
}"""
LETTER = """query($id: ID!, $knownAt: DateTime, $taskKnownAt: DateTime) {
  taskLetter(id: $id, knownAt: $knownAt) {
    id status acknowledgedOn
    tasks { id percent completedOn status(asOf: "2024-07-01", knownAt: $taskKnownAt) }
  }
}"""
TRANSMISSION = """query($knownAt: DateTime) {
  responsibilityTransmission(rootUnitId: "ORG", asOf: "2024-07-01", knownAt: $knownAt) {
    depth letters acknowledgedRate completedRate overdueTasks
  }
}"""


@pytest.fixture
def letters(gql):
    for uid, kind, parent in [("ORG", "ORGAN", None), ("AFF", "AFFILIATED_UNIT", "ORG")]:
        gql.data(REGISTER_UNIT, {"id": uid, "name": uid, "kind": kind, "parentId": parent})
    gql.data(REGISTER_PERSON, {"id": "HEAD", "name": "HEAD"})
    gql.data(ASSUME_POST, {"p": "HEAD", "u": "AFF", "role": "UNIT_HEAD", "from": "2023-01-01"})
    for letter in ("L-1", "L-2"):
        gql.data(
            ISSUE_LETTER,
            {
                "id": letter,
                "number": letter,
                "issuer": "ORG",
                "to": "AFF",
                "on": "2024-02-01",
                "tasks": TASKS,
            },
        )
    return gql


def signed(gql, known_at: str | None, by: str = "2024-06-30") -> list[str]:
    found = gql.data(LETTERS, {"to": "AFF", "knownAt": known_at})["taskLetters"]["edges"]
    return [e["node"]["id"] for e in found if (e["node"]["acknowledgedOn"] or "9999") <= by]


def test_letters_signed_by_a_date_as_known_at_a_time(letters, record_clock):
    before_any = record_clock.between()
    letters.data(ACKNOWLEDGE, {"id": "L-1", "p": "HEAD", "on": "2024-06-20"})
    first_july = record_clock.between()
    letters.data(ACKNOWLEDGE, {"id": "L-2", "p": "HEAD", "on": "2024-06-28"})  # recorded late
    assert signed(letters, before_any) == []
    assert signed(letters, first_july) == ["L-1"]  # as the ledger knew it then
    assert signed(letters, None) == ["L-1", "L-2"]
    then = letters.data(LETTER, {"id": "L-2", "knownAt": first_july})["taskLetter"]
    assert (then["status"], then["acknowledgedOn"]) == ("ISSUED", None)
    now = letters.data(LETTER, {"id": "L-2"})["taskLetter"]
    assert (now["status"], now["acknowledgedOn"]) == ("ACKNOWLEDGED", "2024-06-28")


def test_a_correction_of_progress_is_reproducible(letters, record_clock):
    letters.data(PROGRESS, {"id": "L-1", "t": "T2", "pct": 60, "on": "2024-05-01"})
    reported = record_clock.between()
    letters.data(CORRECT, {"id": "L-1", "t": "T2", "pct": 0})  # nothing had been done
    corrected = record_clock.between()
    letters.data(COMPLETE, {"id": "L-1", "t": "T1", "on": "2024-06-15"})

    def tasks(known_at=None, task_known_at=None):
        found = letters.data(
            LETTER, {"id": "L-1", "knownAt": known_at, "taskKnownAt": task_known_at}
        )
        return {t["id"]: (t["percent"], t["status"]) for t in found["taskLetter"]["tasks"]}

    assert tasks(reported) == {"T1": (0, "OVERDUE"), "T2": (60, "IN_PROGRESS")}
    assert tasks(corrected) == {"T1": (0, "OVERDUE"), "T2": (0, "OPEN")}
    assert tasks() == {"T1": (100, "DONE"), "T2": (0, "OPEN")}
    # Task.status at its own knownAt, the letter read now
    assert tasks(None, reported) == {"T1": (100, "OVERDUE"), "T2": (0, "IN_PROGRESS")}

    def level(known_at):
        return letters.data(TRANSMISSION, {"knownAt": known_at})["responsibilityTransmission"][1]

    assert level(reported)["completedRate"] == 0.0 and level(reported)["overdueTasks"] == 2
    assert level(None)["completedRate"] == 0.25 and level(None)["overdueTasks"] == 1
    # letters issued later are not in an earlier answer
    assert letters.data(LETTERS, {"knownAt": reported})["taskLetters"]["totalCount"] == 2


def test_a_letter_not_yet_issued_at_known_at_is_not_there(letters, record_clock):
    before = record_clock.between()
    letters.data(
        ISSUE_LETTER,
        {
            "id": "L-3",
            "number": "L-3",
            "issuer": "ORG",
            "to": "AFF",
            "on": "2024-03-01",
            "tasks": TASKS,
        },
    )
    assert letters.data(LETTER, {"id": "L-3", "knownAt": before})["taskLetter"] is None
    body = letters.post(LETTER, {"id": "L-3", "taskKnownAt": before})
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
