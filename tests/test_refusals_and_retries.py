"""A refused command appends nothing; a retried command with the same key appends nothing."""

from __future__ import annotations

import pytest
from scenario import (
    ASSIGN,
    ASSUME_POST,
    CORRECT_POST,
    CORRECT_RESPONSIBILITY,
    END,
    LEAVE_POST,
    REGISTER_PERSON,
    REGISTER_UNIT,
    TRANSFER,
    build_organ,
)

REFUSALS = [
    # (why, document, variables, expected code)
    (
        "unknown parent",
        REGISTER_UNIT,
        {"id": "X", "name": "x", "kind": "DEPARTMENT", "parentId": "NOPE"},
        "NOT_FOUND",
    ),
    (
        "second registration of a unit",
        REGISTER_UNIT,
        {"id": "DEP", "name": "again", "kind": "DEPARTMENT", "parentId": "ORG"},
        "CONFLICT",
    ),
    ("second registration of a person", REGISTER_PERSON, {"id": "A", "name": "again"}, "CONFLICT"),
    ("empty name", REGISTER_PERSON, {"id": "Z", "name": "   "}, "BAD_INPUT"),
    ("control characters in a name", REGISTER_PERSON, {"id": "Z", "name": "a\u0007b"}, "BAD_INPUT"),
    ("an id with spaces", REGISTER_PERSON, {"id": "has space", "name": "x"}, "BAD_INPUT"),
    (
        "a department under a department",
        REGISTER_UNIT,
        {"id": "X", "name": "x", "kind": "DEPARTMENT", "parentId": "DEP"},
        "BAD_INPUT",
    ),
    (
        "an organ under an organ",
        REGISTER_UNIT,
        {"id": "X", "name": "x", "kind": "ORGAN", "parentId": "ORG"},
        "BAD_INPUT",
    ),
    (
        "a branch without a parent",
        REGISTER_UNIT,
        {"id": "X", "name": "x", "kind": "PARTY_BRANCH"},
        "BAD_INPUT",
    ),
    (
        "a post in an unknown unit",
        ASSUME_POST,
        {"p": "A", "u": "NOPE", "role": "UNIT_HEAD", "from": "2024-01-01"},
        "NOT_FOUND",
    ),
    (
        "a post for an unknown person",
        ASSUME_POST,
        {"p": "NOPE", "u": "DEP", "role": "UNIT_HEAD", "from": "2024-01-01"},
        "NOT_FOUND",
    ),
    (
        "a post already held",
        ASSUME_POST,
        {"p": "A", "u": "DEP", "role": "UNIT_HEAD", "from": "2024-02-01"},
        "CONFLICT",
    ),
    (
        "leaving a post never held",
        LEAVE_POST,
        {"p": "B", "u": "DEP", "role": "UNIT_HEAD", "to": "2024-03-01"},
        "CONFLICT",
    ),
    (
        "leaving before starting",
        LEAVE_POST,
        {"p": "A", "u": "DEP", "role": "UNIT_HEAD", "to": "2023-12-31"},
        "BAD_INPUT",
    ),
    (
        "correcting a post never recorded",
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
        "NOT_FOUND",
    ),
    (
        "a correction with dates out of order",
        CORRECT_POST,
        {
            "p": "A",
            "u": "DEP",
            "role": "UNIT_HEAD",
            "orig": "2024-01-01",
            "from": "2024-05-01",
            "to": "2024-04-01",
            "reason": "r",
        },
        "BAD_INPUT",
    ),
    (
        "an item over an unknown unit",
        ASSIGN,
        {
            "id": "R9",
            "holder": "A",
            "kind": "IN_CHARGE",
            "scope": ["NOPE"],
            "from": "2024-01-01",
            "title": "t",
        },
        "NOT_FOUND",
    ),
    (
        "an item over no unit",
        ASSIGN,
        {
            "id": "R9",
            "holder": "A",
            "kind": "IN_CHARGE",
            "scope": [],
            "from": "2024-01-01",
            "title": "t",
        },
        "BAD_INPUT",
    ),
    (
        "an item assigned twice",
        ASSIGN,
        {
            "id": "R1",
            "holder": "B",
            "kind": "IN_CHARGE",
            "scope": ["DEP"],
            "from": "2024-01-01",
            "title": "t",
        },
        "CONFLICT",
    ),
    (
        "a transfer to the current holder",
        TRANSFER,
        {"item": "R1", "to": "A", "eff": "2024-07-01"},
        "CONFLICT",
    ),
    (
        "a transfer of an unknown item",
        TRANSFER,
        {"item": "NOPE", "to": "B", "eff": "2024-07-01"},
        "NOT_FOUND",
    ),
    (
        "a transfer before the holder started",
        TRANSFER,
        {"item": "R1", "to": "B", "eff": "2022-01-01"},
        "BAD_INPUT",
    ),
    ("ending before the start", END, {"item": "R1", "to": "2022-01-01"}, "BAD_INPUT"),
    (
        "overlapping restated periods",
        CORRECT_RESPONSIBILITY,
        {
            "item": "R1",
            "reason": "r",
            "periods": [
                {"holderId": "A", "from": "2023-01-01", "to": "2024-06-30"},
                {"holderId": "B", "from": "2024-06-01"},
            ],
        },
        "BAD_INPUT",
    ),
    (
        "a correction naming an unknown holder",
        CORRECT_RESPONSIBILITY,
        {"item": "R1", "reason": "r", "periods": [{"holderId": "NOPE", "from": "2023-01-01"}]},
        "NOT_FOUND",
    ),
    (
        "a date in the year 3000",
        ASSUME_POST,
        {"p": "B", "u": "AFF", "role": "UNIT_HEAD", "from": "3000-01-01"},
        "BAD_INPUT",
    ),
    (
        "a date that is not a date",
        ASSUME_POST,
        {"p": "B", "u": "AFF", "role": "UNIT_HEAD", "from": "2024-02-30"},
        "BAD_INPUT",
    ),
]


@pytest.fixture
def organ(gql):
    build_organ(gql)
    gql.data(ASSUME_POST, {"p": "A", "u": "DEP", "role": "UNIT_HEAD", "from": "2024-01-01"})
    gql.data(
        ASSIGN,
        {
            "id": "R1",
            "holder": "A",
            "kind": "IN_CHARGE",
            "scope": ["DEP"],
            "from": "2023-01-01",
            "title": "分管办公室",
        },
    )
    return gql


@pytest.mark.parametrize("why,document,variables,code", REFUSALS, ids=[r[0] for r in REFUSALS])
def test_each_refusal_is_typed_and_appends_nothing(organ, why, document, variables, code):
    before = organ.head()
    assert organ.error_code(document, variables) == code
    assert organ.head() == before


def test_a_retry_with_the_same_key_returns_the_first_result_and_appends_nothing(organ):
    first = organ.data(TRANSFER, {"item": "R1", "to": "B", "eff": "2024-07-01", "key": "rot-1"})
    head = organ.head()
    again = organ.data(TRANSFER, {"item": "R1", "to": "B", "eff": "2024-07-01", "key": "rot-1"})
    assert again == first
    assert first["transferResponsibility"]["position"] == head
    assert organ.head() == head


def test_a_key_reused_for_a_different_request_is_refused(organ):
    organ.data(REGISTER_PERSON, {"id": "D", "name": "赵六", "key": "k-1"})
    head = organ.head()
    assert (
        organ.error_code(REGISTER_PERSON, {"id": "E", "name": "钱七", "key": "k-1"}) == "CONFLICT"
    )
    assert organ.head() == head


def test_every_event_carries_actor_key_and_record_time(organ):
    organ.data(
        REGISTER_PERSON,
        {"id": "D", "name": "赵六", "key": "k-2"},
        token=organ.token("RECORDER", "recorder-li"),
    )
    events = organ.data('{ history(entityId: "D") { actor recordedAt type payload } }')["history"]
    assert [e["type"] for e in events] == ["PersonRegistered"]
    assert events[0]["actor"] == "recorder-li"
    assert events[0]["recordedAt"]
    assert events[0]["payload"]["name"] == "赵六"


def test_posts_follow_valid_time_and_their_corrections(organ):
    organ.data(LEAVE_POST, {"p": "A", "u": "DEP", "role": "UNIT_HEAD", "to": "2024-06-30"})
    organ.data(ASSUME_POST, {"p": "B", "u": "DEP", "role": "UNIT_HEAD", "from": "2024-07-01"})
    q = 'query($d: Date) { unit(id: "DEP") { posts(asOf: $d) { role from to person { id name } } } }'
    may = organ.data(q, {"d": "2024-05-10"})["unit"]["posts"]
    assert may == [
        {
            "role": "UNIT_HEAD",
            "from": "2024-01-01",
            "to": "2024-06-30",
            "person": {"id": "A", "name": "张三"},
        }
    ]
    assert organ.data(q, {"d": "2024-08-01"})["unit"]["posts"][0]["person"]["id"] == "B"
    organ.data(
        CORRECT_POST,
        {
            "p": "A",
            "u": "DEP",
            "role": "UNIT_HEAD",
            "orig": "2024-01-01",
            "from": "2024-01-01",
            "to": "2024-04-30",
            "reason": "任免文件更正",
        },
    )
    assert organ.data(q, {"d": "2024-05-10"})["unit"]["posts"] == []
    person = organ.data(
        '{ person(id: "A") { name posts(asOf: "2024-03-01") { role unit { id } } } }'
    )
    assert person["person"] == {
        "name": "张三",
        "posts": [
            {"role": "TEAM_MEMBER", "unit": {"id": "ORG"}},  # since 2020 (build_organ)
            {"role": "UNIT_HEAD", "unit": {"id": "DEP"}},
        ],
    }
