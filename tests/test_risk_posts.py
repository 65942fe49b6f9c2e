"""廉政风险点 and 定期轮岗 through the server on both stores: rotation due as of a date at the
anniversary's edge, following post history and its corrections (knownAt), named positions
whose holders are recorded on the risk post, revisions and retirement; refusals that append
nothing."""

from __future__ import annotations

import pytest
from scenario import ASSUME_POST, CORRECT_POST, REGISTER_PERSON, build_organ

REGISTER = """mutation($id: ID!, $unit: ID!, $level: RiskLevel!, $years: Int!, $role: PostRole,
                   $position: String, $on: Date! = "2020-01-01") {
  registerRiskPost(input: {id: $id, unitId: $unit, level: $level, maxYears: $years, role: $role,
                           position: $position, risks: "经手资金、审核报销", identifiedOn: $on}) { id position }
}"""
HOLDERS = """mutation($id: ID!, $periods: [HolderPeriodInput!]!) {
  recordRiskPostHolders(input: {riskPostId: $id, periods: $periods, reason: "岗位人员台账"}) { id position }
}"""
REVISE = """mutation($id: ID!, $level: RiskLevel!, $years: Int!) {
  reviseRiskPost(input: {riskPostId: $id, level: $level, maxYears: $years, reason: "年度风险评估"}) { id position }
}"""
RETIRE = """mutation($id: ID!, $on: Date!) {
  retireRiskPost(input: {riskPostId: $id, on: $on, reason: "岗位撤并"}) { id position }
}"""
DUE = """query($unit: ID, $asOf: Date, $knownAt: DateTime) {
  rotationDue(unitId: $unit, asOf: $asOf, knownAt: $knownAt) {
    riskPost { id } person { id } since dueOn years
  }
}"""


@pytest.fixture
def posts(gql):
    """ORG with DEP (财务 head H since 2018-03-01, a HIGH risk post, 5 years) and AFF (its
    cashier position 出纳, named, HIGH, 3 years)."""
    build_organ(gql)
    for pid in ("H", "X", "S"):
        gql.data(REGISTER_PERSON, {"id": pid, "name": pid})
    gql.data(ASSUME_POST, {"p": "H", "u": "DEP", "role": "UNIT_HEAD", "from": "2018-03-01"})
    gql.data(ASSUME_POST, {"p": "S", "u": "AFF", "role": "STAFF", "from": "2010-01-01"})
    gql.data(
        REGISTER, {"id": "RP-HEAD", "unit": "DEP", "level": "HIGH", "years": 5, "role": "UNIT_HEAD"}
    )
    gql.data(
        REGISTER, {"id": "RP-CASH", "unit": "AFF", "level": "HIGH", "years": 3, "position": "出纳"}
    )
    gql.data(
        REGISTER, {"id": "RP-STAFF", "unit": "AFF", "level": "MEDIUM", "years": 5, "role": "STAFF"}
    )
    periods = [
        {"holderId": "X", "from": "2019-01-01", "to": "2020-12-31"},
        {"holderId": "X", "from": "2021-01-01"},  # a new term the next day: one holding
    ]
    gql.data(HOLDERS, {"id": "RP-CASH", "periods": periods})
    return gql


def due(gql, as_of: str, known_at: str | None = None, unit: str = "ORG") -> list[tuple]:
    found = gql.data(DUE, {"unit": unit, "asOf": as_of, "knownAt": known_at})["rotationDue"]
    return [
        (d["riskPost"]["id"], d["person"]["id"], d["since"], d["dueOn"], d["years"]) for d in found
    ]


def test_rotation_falls_due_on_the_anniversary_of_the_unbroken_holding(posts):
    assert due(posts, "2021-12-31") == []
    assert due(posts, "2022-01-01") == [("RP-CASH", "X", "2019-01-01", "2022-01-01", 3)]
    assert due(posts, "2023-02-28") == [("RP-CASH", "X", "2019-01-01", "2022-01-01", 4)]
    assert due(posts, "2023-03-01") == [  # by unit: AFF, then DEP
        ("RP-CASH", "X", "2019-01-01", "2022-01-01", 4),
        ("RP-HEAD", "H", "2018-03-01", "2023-03-01", 5),
    ]
    assert due(posts, "2023-03-01", unit="DEP") == [("RP-HEAD", "H", "2018-03-01", "2023-03-01", 5)]
    # MEDIUM posts only when asked for (S has held the STAFF post since 2010)
    every = posts.data(
        '{ rotationDue(unitId: "AFF", asOf: "2023-03-01", level: null) { riskPost { id } person { id } } }'
    )["rotationDue"]
    assert {(d["riskPost"]["id"], d["person"]["id"]) for d in every} == {
        ("RP-CASH", "X"),
        ("RP-STAFF", "S"),
    }
    listed = posts.data(
        '{ riskPosts(unitId: "ORG", asOf: "2023-03-01") { id level maxYears role position '
        "holders { person { id } since rotationDueOn years } } }"
    )["riskPosts"]
    cash = next(p for p in listed if p["id"] == "RP-CASH")
    assert (cash["position"], cash["role"]) == ("出纳", None)
    assert cash["holders"] == [
        {"person": {"id": "X"}, "since": "2019-01-01", "rotationDueOn": "2022-01-01", "years": 4}
    ]


def test_a_post_correction_moves_rotation_and_the_earlier_answer_stays(posts, record_clock):
    before = record_clock.between()
    posts.data(
        CORRECT_POST,
        {
            "p": "H",
            "u": "DEP",
            "role": "UNIT_HEAD",
            "orig": "2018-03-01",
            "from": "2019-03-01",
            "to": None,
            "reason": "任职文件日期更正",
        },
    )
    assert ("RP-HEAD", "H", "2018-03-01", "2023-03-01", 5) in due(posts, "2023-06-01", before)
    assert [d for d in due(posts, "2023-06-01") if d[0] == "RP-HEAD"] == []
    assert ("RP-HEAD", "H", "2019-03-01", "2024-03-01", 5) in due(posts, "2024-03-01")
    # a named position's holders, restated: the second term now starts after a gap
    between = record_clock.between()
    periods = [
        {"holderId": "X", "from": "2019-01-01", "to": "2020-06-30"},
        {"holderId": "X", "from": "2021-01-01"},
    ]
    posts.data(HOLDERS, {"id": "RP-CASH", "periods": periods})
    assert ("RP-CASH", "X", "2019-01-01", "2022-01-01", 3) in due(posts, "2022-01-01", between)
    assert [d for d in due(posts, "2022-01-01") if d[0] == "RP-CASH"] == []
    assert ("RP-CASH", "X", "2021-01-01", "2024-01-01", 3) in due(posts, "2024-01-01")


def test_revision_and_retirement_take_posts_out_of_the_high_risk_list(posts, record_clock):
    posts.data(RETIRE, {"id": "RP-HEAD", "on": "2023-12-31"})
    assert [d[0] for d in due(posts, "2023-12-31")] == ["RP-CASH", "RP-HEAD"]
    assert [d[0] for d in due(posts, "2024-01-01")] == ["RP-CASH"]  # retired the day before
    before = record_clock.between()
    posts.data(REVISE, {"id": "RP-CASH", "level": "MEDIUM", "years": 3})
    assert due(posts, "2024-01-01") == []
    assert [d[0] for d in due(posts, "2024-01-01", before)] == ["RP-CASH"]


def test_refusals_append_nothing(posts):
    head = posts.head()
    for document, variables, code in [
        (
            REGISTER,
            {"id": "RP-9", "unit": "DEP", "level": "HIGH", "years": 5},
            "BAD_INPUT",
        ),  # neither
        (
            REGISTER,
            {
                "id": "RP-9",
                "unit": "DEP",
                "level": "HIGH",
                "years": 5,
                "role": "STAFF",
                "position": "会计",
            },
            "BAD_INPUT",
        ),
        (
            REGISTER,
            {"id": "RP-9", "unit": "DEP", "level": "HIGH", "years": 0, "role": "STAFF"},
            "BAD_INPUT",
        ),
        (
            REGISTER,
            {"id": "RP-9", "unit": "NOWHERE", "level": "HIGH", "years": 5, "role": "STAFF"},
            "NOT_FOUND",
        ),
        (
            REGISTER,
            {"id": "RP-HEAD", "unit": "DEP", "level": "HIGH", "years": 5, "role": "STAFF"},
            "CONFLICT",
        ),
        (
            HOLDERS,
            {"id": "RP-HEAD", "periods": [{"holderId": "X", "from": "2020-01-01"}]},
            "BAD_INPUT",
        ),
        (
            HOLDERS,
            {"id": "RP-CASH", "periods": [{"holderId": "NOBODY", "from": "2020-01-01"}]},
            "NOT_FOUND",
        ),
        (
            HOLDERS,
            {
                "id": "RP-CASH",
                "periods": [
                    {"holderId": "X", "from": "2020-01-01"},
                    {"holderId": "X", "from": "2021-01-01"},
                ],
            },
            "BAD_INPUT",  # one person's periods overlap
        ),
        (
            HOLDERS,
            {"id": "RP-404", "periods": [{"holderId": "X", "from": "2020-01-01"}]},
            "NOT_FOUND",
        ),
        (REVISE, {"id": "RP-HEAD", "level": "HIGH", "years": 5}, "CONFLICT"),  # restates it as is
        (RETIRE, {"id": "RP-HEAD", "on": "2019-12-31"}, "BAD_INPUT"),  # before it was identified
    ]:
        assert posts.error_code(document, variables) == code, (variables, code)
    assert posts.head() == head
    posts.data(RETIRE, {"id": "RP-HEAD", "on": "2024-12-31"})
    assert posts.error_code(RETIRE, {"id": "RP-HEAD", "on": "2025-01-31"}) == "CONFLICT"


def test_scoped_tokens_see_their_units_risk_posts_only(posts):
    dep = posts.token("VIEWER", "viewer-dep", ["DEP"])
    found = posts.data(DUE, {"asOf": "2023-03-01"}, token=dep)["rotationDue"]
    assert [d["riskPost"]["id"] for d in found] == ["RP-HEAD"]
    assert posts.error_code('{ riskPost(id: "RP-CASH") { id } }', token=dep) == "FORBIDDEN"
