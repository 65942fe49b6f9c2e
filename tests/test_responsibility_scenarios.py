"""Responsibility lists through the HTTP API, in valid time and record time, on both stores."""

from __future__ import annotations

from scenario import ASSIGN, CORRECT_RESPONSIBILITY, LIST, TRANSFER, build_organ, item_ids


def test_a_rotation_moves_the_item_on_its_effective_date(gql):
    build_organ(gql)
    gql.data(
        ASSIGN,
        {
            "id": "R1",
            "holder": "A",
            "kind": "IN_CHARGE",
            "scope": ["AFF"],
            "from": "2023-01-01",
            "title": "分管信息中心",
        },
    )
    gql.data(TRANSFER, {"item": "R1", "to": "B", "eff": "2024-07-01"})

    assert item_ids(gql, "A", "2024-06-30") == ["R1"]
    assert item_ids(gql, "A", "2024-07-01") == []
    assert item_ids(gql, "B", "2024-06-30") == []
    assert item_ids(gql, "B", "2024-07-01") == ["R1"]

    before = gql.data(LIST, {"p": "A", "asOf": "2024-05-10"})["responsibilityList"]
    assert before["items"][0]["validFrom"] == "2023-01-01"
    assert before["items"][0]["validTo"] == "2024-06-30", "the old holder ends the day before"
    assert before["items"][0]["scope"] == [{"id": "AFF"}]


def test_a_retroactive_correction_changes_answers_known_after_it_but_not_before(gql, record_clock):
    """DESIGN's example: A until 2024-06-30, B from 07-01; a later correction says A ended
    04-30 and C held it in May and June."""
    build_organ(gql)
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
    gql.data(TRANSFER, {"item": "R1", "to": "B", "eff": "2024-07-01"})
    september = record_clock.between()
    gql.data(
        CORRECT_RESPONSIBILITY,
        {
            "item": "R1",
            "reason": "任免文件更正",
            "periods": [
                {"holderId": "A", "from": "2023-01-01", "to": "2024-04-30"},
                {"holderId": "C", "from": "2024-05-01", "to": "2024-06-30"},
                {"holderId": "B", "from": "2024-07-01"},
            ],
        },
    )

    assert item_ids(gql, "A", "2024-05-10", known_at=september) == ["R1"]
    assert item_ids(gql, "C", "2024-05-10", known_at=september) == []
    assert item_ids(gql, "A", "2024-05-10") == []
    assert item_ids(gql, "C", "2024-05-10") == ["R1"]
    assert item_ids(gql, "B", "2024-08-01") == ["R1"]
    # Asked before anything was recorded, the list is empty.
    assert item_ids(gql, "A", "2024-05-10", known_at="2000-01-01T00:00:00+00:00") == []


def test_known_at_answers_stay_the_same_as_history_grows(gql, record_clock):
    build_organ(gql)
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
    then = record_clock.between()
    answer = gql.data(LIST, {"p": "A", "asOf": "2024-01-01", "knownAt": then})
    gql.data(TRANSFER, {"item": "R1", "to": "B", "eff": "2023-06-01"})
    assert gql.data(LIST, {"p": "A", "asOf": "2024-01-01", "knownAt": then}) == answer
    assert item_ids(gql, "A", "2024-01-01") == []
