"""Power controls through the server on both stores: a principal who directly oversees a
unit carrying finance (主要负责人"五个不直接分管"), found with its dates and following
transfers by knownAt; 三重一大 decisions flagged for attendance, speaking order (末位表态) and
recusals (回避), corrections reproducible by knownAt; the reasons of recusals as personal data
in the access log; refusals that append nothing."""

from __future__ import annotations

import pytest
from scenario import ASSIGN, ASSUME_POST, REGISTER_PERSON, TRANSFER, build_organ

DECLARE = """mutation($u: ID!, $f: [UnitFunction!]!, $from: Date!) {
  declareUnitFunctions(input: {unitId: $u, functions: $f, from: $from}) { id position }
}"""
OVERSIGHT = """query($u: ID, $knownAt: DateTime, $from: Date, $to: Date) {
  principalOversight(unitId: $u, knownAt: $knownAt, from: $from, to: $to) {
    person { id } itemId unit { id } organ { id } functions from to postFrom
  }
}"""
DECIDE = """mutation($id: ID!, $att: [ID!]!, $sp: [ID!]!, $rec: [RecusalInput!] = [],
                   $on: Date! = "2024-05-10", $u: ID! = "ORG") {
  recordMajorDecision(input: {id: $id, unitId: $u, matter: LARGE_FUND, title: "信息化项目资金安排",
    decidedOn: $on, attendeeIds: $att, speakerIds: $sp, recusals: $rec}) { id position }
}"""
CORRECT = """mutation($id: ID!, $att: [ID!]!, $sp: [ID!]!) {
  correctMajorDecision(input: {majorDecisionId: $id, attendeeIds: $att, speakerIds: $sp,
                               reason: "据会议记录更正"}) { id position }
}"""
DECISIONS = """query($flagged: Boolean, $knownAt: DateTime) {
  majorDecisions(unitId: "ORG", flagged: $flagged, knownAt: $knownAt) {
    id flags teamSize membersPresent principals { id } speakingOrder { id }
  }
}"""


@pytest.fixture
def organ(gql):
    """ORG with DEP (财务) and AFF; A, B, C on the team since 2020, P its principal since
    2021-03-01, who holds an IN_CHARGE item over DEP from that day."""
    build_organ(gql)
    gql.data(REGISTER_PERSON, {"id": "P", "name": "周书记"})
    gql.data(ASSUME_POST, {"p": "P", "u": "ORG", "role": "PRINCIPAL", "from": "2021-03-01"})
    gql.data(DECLARE, {"u": "DEP", "f": ["FINANCE"], "from": "2020-01-01"})
    title = "分管办公室（财务）"
    gql.data(
        ASSIGN,
        {
            "id": "IT-FIN",
            "holder": "P",
            "kind": "IN_CHARGE",
            "scope": ["DEP"],
            "from": "2021-03-01",
            "title": title,
        },
    )
    gql.data(
        ASSIGN,
        {
            "id": "IT-AFF",
            "holder": "A",
            "kind": "IN_CHARGE",
            "scope": ["AFF"],
            "from": "2020-01-01",
            "title": "分管信息中心",
        },
    )
    return gql


def rows(gql, known_at: str | None = None, **window) -> list[tuple]:
    found = gql.data(OVERSIGHT, {"u": "ORG", "knownAt": known_at, **window})["principalOversight"]
    return [
        (o["person"]["id"], o["itemId"], o["unit"]["id"], tuple(o["functions"]), o["from"], o["to"])
        for o in found
    ]


def test_a_principal_overseeing_finance_is_found_with_its_dates(organ, record_clock):
    assert rows(organ) == [("P", "IT-FIN", "DEP", ("FINANCE",), "2021-03-01", None)]
    organ.data(DECLARE, {"u": "DEP", "f": ["FINANCE", "PROCUREMENT"], "from": "2023-01-01"})
    before = record_clock.between()
    organ.data(TRANSFER, {"item": "IT-FIN", "to": "A", "eff": "2024-07-01"})  # 调整分工
    assert rows(organ) == [
        ("P", "IT-FIN", "DEP", ("FINANCE",), "2021-03-01", "2022-12-31"),
        ("P", "IT-FIN", "DEP", ("FINANCE", "PROCUREMENT"), "2023-01-01", "2024-06-30"),
    ]
    assert rows(organ, before)[-1] == (
        "P",
        "IT-FIN",
        "DEP",
        ("FINANCE", "PROCUREMENT"),
        "2023-01-01",
        None,
    )
    assert rows(organ, **{"from": "2023-06-01"}) == rows(organ)[1:]
    functions = organ.data('{ unitFunctions(unitId: "DEP") { function from to } }')["unitFunctions"]
    assert functions == [
        {"function": "FINANCE", "from": "2020-01-01", "to": None},
        {"function": "PROCUREMENT", "from": "2023-01-01", "to": None},
    ]


def test_decisions_are_flagged_against_the_team_of_the_day(organ, record_clock):
    organ.data(DECIDE, {"id": "D-FIRST", "att": ["P", "A", "B"], "sp": ["P", "A", "B"]})
    organ.data(DECIDE, {"id": "D-FEW", "att": ["P"], "sp": ["P"]})
    recusal = [{"personId": "B", "reason": "项目承接方为其亲属所在企业"}]
    organ.data(
        DECIDE, {"id": "D-REC", "att": ["P", "A", "B"], "sp": ["A", "B", "P"], "rec": recusal}
    )
    organ.data(
        DECIDE,
        {
            "id": "D-OK",
            "att": ["P", "A", "B"],
            "sp": ["A", "B", "P"],
            "rec": [{"personId": "C", "reason": "回避"}],
        },
    )
    found = {d["id"]: d for d in organ.data(DECISIONS)["majorDecisions"]}
    assert {k: d["flags"] for k, d in found.items()} == {
        "D-FIRST": ["PRINCIPAL_NOT_LAST"],
        "D-FEW": ["LOW_ATTENDANCE"],  # 1 of 4
        "D-REC": ["RECUSED_SPOKE"],
        "D-OK": [],
    }
    assert (found["D-FIRST"]["teamSize"], found["D-FIRST"]["membersPresent"]) == (4, 3)
    assert found["D-FIRST"]["principals"] == [{"id": "P"}]
    flagged = organ.data(DECISIONS, {"flagged": True})["majorDecisions"]
    assert [d["id"] for d in flagged] == ["D-FEW", "D-FIRST", "D-REC"]

    before = record_clock.between()
    organ.data(CORRECT, {"id": "D-FIRST", "att": ["P", "A", "B"], "sp": ["A", "B", "P"]})
    assert organ.data('{ majorDecision(id: "D-FIRST") { flags } }')["majorDecision"]["flags"] == []
    earlier = organ.data(DECISIONS, {"knownAt": before})["majorDecisions"]
    assert next(d for d in earlier if d["id"] == "D-FIRST")["flags"] == ["PRINCIPAL_NOT_LAST"]


def test_why_someone_withdrew_is_personal_and_read_into_the_access_log(organ):
    recusal = [{"personId": "B", "reason": "项目承接方为其亲属所在企业"}]
    organ.data(DECIDE, {"id": "D-REC", "att": ["P", "A", "B"], "sp": ["A", "P"], "rec": recusal})
    document = '{ majorDecision(id: "D-REC") { recusals { person { id } reason } } }'
    viewer = organ.data(document, role="VIEWER")["majorDecision"]["recusals"]
    assert viewer == [{"person": {"id": "B"}, "reason": None}]
    inspector = organ.data(document, role="INSPECTOR")["majorDecision"]["recusals"]
    assert inspector == [{"person": {"id": "B"}, "reason": "项目承接方为其亲属所在企业"}]
    log = organ.data('{ accessLog(entityId: "D-REC") { records { role entityIds } } }')
    assert [r["role"] for r in log["accessLog"]["records"]] == ["INSPECTOR"]


def test_refusals_append_nothing(organ):
    head = organ.head()
    for document, variables, code in [
        (DECIDE, {"id": "D-9", "att": ["P", "A"], "sp": ["A", "B", "P"]}, "BAD_INPUT"),  # B absent
        (DECIDE, {"id": "D-9", "att": ["P", "P"], "sp": ["P"]}, "BAD_INPUT"),
        (DECIDE, {"id": "D-9", "att": [], "sp": []}, "BAD_INPUT"),
        (DECIDE, {"id": "D-9", "att": ["P", "NOBODY"], "sp": ["P"]}, "NOT_FOUND"),
        (DECIDE, {"id": "D-9", "att": ["P"], "sp": ["P"], "u": "NOWHERE"}, "NOT_FOUND"),
        (CORRECT, {"id": "D-404", "att": ["P"], "sp": ["P"]}, "NOT_FOUND"),
        (DECLARE, {"u": "NOWHERE", "f": ["FINANCE"], "from": "2020-01-01"}, "NOT_FOUND"),
        (DECLARE, {"u": "DEP", "f": ["FINANCE"], "from": "2020-01-01"}, "CONFLICT"),  # as is
    ]:
        assert organ.error_code(document, variables) == code, (variables, code)
    assert organ.head() == head
    organ.data(DECIDE, {"id": "D-1", "att": ["P"], "sp": ["P"]})
    assert organ.error_code(DECIDE, {"id": "D-1", "att": ["P"], "sp": ["P"]}) == "CONFLICT"
    assert organ.error_code(CORRECT, {"id": "D-1", "att": ["P"], "sp": ["P"]}) == "CONFLICT"
