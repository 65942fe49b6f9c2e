"""述责述廉 through the server on both stores: leaders' and the 机关纪委's yearly reports, who
has not reported for a year (by knownAt), what was reported as personal data; refusals that
append nothing."""

from __future__ import annotations

import hashlib

import pytest
from scenario import ASSUME_POST, LEAVE_POST, REGISTER_PERSON, REGISTER_UNIT

FILE = """mutation($id: ID!, $kind: DutyReportKind!, $u: ID!, $p: ID, $year: Int! = 2024,
                   $on: Date! = "2025-01-15", $summary: String, $hash: String) {
  fileDutyReport(input: {id: $id, kind: $kind, year: $year, unitId: $u, personId: $p,
                         reportedOn: $on, summary: $summary, documentHash: $hash}) { id position }
}"""
MISSING = """query($year: Int!, $knownAt: DateTime) {
  missingDutyReports(year: $year, unitId: "WC", knownAt: $knownAt) { kind unit { id } person { id } }
}"""
DIGEST = hashlib.sha256("2024年度机关纪委述职报告".encode()).hexdigest()


@pytest.fixture
def committee(gql):
    """A working committee WC over the organ ORG and its organ party committee JG; P its
    principal, A a team member, X a team member who left mid-2024."""
    for uid, kind, parent in [
        ("WC", "WORKING_COMMITTEE", None),
        ("ORG", "ORGAN", "WC"),
        ("JG", "ORGAN_PARTY_COMMITTEE", "ORG"),
    ]:
        gql.data(REGISTER_UNIT, {"id": uid, "name": uid, "kind": kind, "parentId": parent})
    for pid, role in (("P", "PRINCIPAL"), ("A", "TEAM_MEMBER"), ("X", "TEAM_MEMBER")):
        gql.data(REGISTER_PERSON, {"id": pid, "name": pid})
        gql.data(ASSUME_POST, {"p": pid, "u": "ORG", "role": role, "from": "2021-01-01"})
    gql.data(LEAVE_POST, {"p": "X", "u": "ORG", "role": "TEAM_MEMBER", "to": "2024-06-30"})
    return gql


def missing(gql, known_at: str | None = None) -> list[tuple]:
    found = gql.data(MISSING, {"year": 2024, "knownAt": known_at})["missingDutyReports"]
    return [(m["kind"], m["unit"]["id"], (m["person"] or {}).get("id")) for m in found]


def test_who_has_not_reported_for_a_year(committee, record_clock):
    assert missing(committee) == [
        ("LEADER", "ORG", "A"),
        ("LEADER", "ORG", "P"),  # X left mid-year: not owed at the year's end
        ("DISCIPLINE_COMMITTEE", "JG", None),
    ]
    before = record_clock.between()
    committee.data(
        FILE,
        {"id": "DR-P", "kind": "LEADER", "u": "ORG", "p": "P", "summary": "履行第一责任人职责情况"},
    )
    committee.data(FILE, {"id": "DR-JG", "kind": "DISCIPLINE_COMMITTEE", "u": "JG", "hash": DIGEST})
    assert missing(committee) == [("LEADER", "ORG", "A")]
    assert len(missing(committee, before)) == 3
    reports = committee.data(
        '{ dutyReports(unitId: "WC", year: 2024) { id kind person { id } recipient { id } documentHash } }'
    )["dutyReports"]
    assert {r["id"]: (r["kind"], r["recipient"]) for r in reports} == {
        "DR-P": ("LEADER", None),
        "DR-JG": ("DISCIPLINE_COMMITTEE", {"id": "WC"}),  # to the 纪工委 of the working committee
    }


def test_what_a_leader_reported_is_personal_data(committee):
    committee.data(
        FILE, {"id": "DR-A", "kind": "LEADER", "u": "ORG", "p": "A", "summary": "个人有关事项报告"}
    )
    document = "{ dutyReports(year: 2024) { id summary } }"
    assert committee.data(document, role="BRANCH", token=committee.token("BRANCH", units=["ORG"]))[
        "dutyReports"
    ] == [{"id": "DR-A", "summary": None}]
    assert committee.data(document, role="APPRAISER")["dutyReports"] == [
        {"id": "DR-A", "summary": "个人有关事项报告"}
    ]
    log = committee.data('{ accessLog(entityId: "DR-A") { records { role } } }')
    assert [r["role"] for r in log["accessLog"]["records"]] == ["APPRAISER"]


def test_refusals_append_nothing(committee):
    head = committee.head()
    for variables, code in [
        ({"id": "DR-9", "kind": "LEADER", "u": "ORG", "p": "NOBODY", "summary": "x"}, "NOT_FOUND"),
        ({"id": "DR-9", "kind": "LEADER", "u": "ORG", "summary": "x"}, "BAD_INPUT"),  # who?
        ({"id": "DR-9", "kind": "LEADER", "u": "ORG", "p": "A"}, "BAD_INPUT"),  # nothing reported
        ({"id": "DR-9", "kind": "LEADER", "u": "ORG", "p": "A", "hash": "abc"}, "BAD_INPUT"),
        (
            {
                "id": "DR-9",
                "kind": "LEADER",
                "u": "ORG",
                "p": "A",
                "summary": "x",
                "on": "2023-12-31",
            },
            "BAD_INPUT",
        ),
        (
            {"id": "DR-9", "kind": "LEADER", "u": "ORG", "p": "A", "summary": "x", "year": 2020},
            "BAD_INPUT",
        ),  # not on the team then
        ({"id": "DR-9", "kind": "LEADER", "u": "JG", "p": "A", "summary": "x"}, "BAD_INPUT"),
        ({"id": "DR-9", "kind": "DISCIPLINE_COMMITTEE", "u": "ORG", "hash": DIGEST}, "BAD_INPUT"),
        (
            {"id": "DR-9", "kind": "DISCIPLINE_COMMITTEE", "u": "NOWHERE", "hash": DIGEST},
            "NOT_FOUND",
        ),
    ]:
        assert committee.error_code(FILE, variables) == code, (variables, code)
    assert committee.head() == head
    committee.data(
        FILE, {"id": "DR-1", "kind": "LEADER", "u": "ORG", "p": "X", "summary": "离任前述职"}
    )
    assert (
        committee.error_code(
            FILE, {"id": "DR-1", "kind": "LEADER", "u": "ORG", "p": "X", "summary": "x"}
        )
        == "CONFLICT"
    )
