"""一案双查 through the HTTP API: who was responsible for the violator's unit, when, as known when."""

from __future__ import annotations

import pytest
from scenario import (
    ASSIGN,
    ASSUME_POST,
    CONCLUDE_CASE,
    CORRECT_CASE,
    CORRECT_RESPONSIBILITY,
    DETERMINE,
    REGISTER_CASE,
    REGISTER_PERSON,
    REGISTER_UNIT,
    TRANSFER,
    chain,
    links,
)


@pytest.fixture
def organ(gql):
    """ORG with a department, an affiliated unit and its branch; A then (from 2024-07-01) B
    oversee the affiliated unit; P is PRINCIPAL, D the DISCIPLINE_SECRETARY, H heads AFF."""
    for uid, name, kind, parent in [
        ("ORG", "省直某厅", "ORGAN", None),
        ("DEP", "办公室", "DEPARTMENT", "ORG"),
        ("AFF", "信息中心", "AFFILIATED_UNIT", "ORG"),
        ("AFF-ZB", "信息中心党支部", "PARTY_BRANCH", "AFF"),
    ]:
        gql.data(REGISTER_UNIT, {"id": uid, "name": name, "kind": kind, "parentId": parent})
    for pid in ["P", "D", "A", "B", "C", "H", "S", "T"]:
        gql.data(REGISTER_PERSON, {"id": pid, "name": f"干部{pid}"})
    for pid, uid, role, start in [
        ("P", "ORG", "PRINCIPAL", "2020-01-01"),
        ("D", "ORG", "DISCIPLINE_SECRETARY", "2020-01-01"),
        ("A", "ORG", "TEAM_MEMBER", "2020-01-01"),
        ("B", "ORG", "TEAM_MEMBER", "2020-01-01"),
        ("C", "ORG", "TEAM_MEMBER", "2020-01-01"),
        ("H", "AFF", "UNIT_HEAD", "2020-01-01"),
        ("S", "AFF", "STAFF", "2020-01-01"),
        ("T", "AFF-ZB", "BRANCH_SECRETARY", "2020-01-01"),
    ]:
        gql.data(ASSUME_POST, {"p": pid, "u": uid, "role": role, "from": start})
    gql.data(
        ASSIGN,
        {
            "id": "R-PRIN",
            "holder": "P",
            "kind": "PRINCIPAL",
            "scope": ["ORG"],
            "from": "2020-01-01",
            "title": "主体责任",
        },
    )
    gql.data(
        ASSIGN,
        {
            "id": "R-AFF",
            "holder": "A",
            "kind": "IN_CHARGE",
            "scope": ["AFF"],
            "from": "2020-01-01",
            "title": "分管信息中心",
        },
    )
    gql.data(TRANSFER, {"item": "R-AFF", "to": "B", "eff": "2024-07-01"})
    return gql


def register(gql, case_id, unit, subject, facts, reg="2024-09-15", until=None, disc="PASSIVE"):
    return gql.data(
        REGISTER_CASE,
        {
            "id": case_id,
            "unit": unit,
            "subject": subject,
            "cat": "EIGHT_PROVISIONS",
            "disc": disc,
            "facts": facts,
            "until": until,
            "reg": reg,
        },
    )


def test_facts_before_a_rotation_chain_to_the_holder_at_the_time_not_todays(organ):
    register(organ, "CASE-1", "AFF", "S", "2024-05-10")
    assert links(organ, "CASE-1") == {
        ("DIRECT", "H"),
        ("IN_CHARGE", "A"),
        ("PRINCIPAL", "P"),
        ("SUPERVISORY", "D"),
    }
    answer = chain(organ, "CASE-1")
    in_charge = next(link for link in answer["links"] if link["kind"] == "IN_CHARGE")
    assert in_charge["basis"] == {"id": "R-AFF"}
    assert in_charge["post"]["role"] == "TEAM_MEMBER"
    assert (in_charge["heldFrom"], in_charge["heldTo"]) == ("2020-01-01", "2024-06-30")
    principal = next(link for link in answer["links"] if link["kind"] == "PRINCIPAL")
    assert principal["basis"] == {"id": "R-PRIN"}
    assert answer["gaps"] == []
    register(organ, "CASE-2", "AFF", "S", "2024-08-10", reg="2024-09-16")
    assert ("IN_CHARGE", "B") in links(organ, "CASE-2")
    assert ("IN_CHARGE", "A") not in links(organ, "CASE-2")


def test_a_correction_recorded_later_changes_the_chain_known_now_but_not_before(
    organ, record_clock
):
    register(organ, "CASE-1", "AFF", "S", "2024-05-10")
    september = record_clock.between()
    organ.data(
        CORRECT_RESPONSIBILITY,
        {
            "item": "R-AFF",
            "reason": "任免文件更正",
            "periods": [
                {"holderId": "A", "from": "2020-01-01", "to": "2024-04-30"},
                {"holderId": "C", "from": "2024-05-01", "to": "2024-06-30"},
                {"holderId": "B", "from": "2024-07-01"},
            ],
        },
    )
    assert ("IN_CHARGE", "A") in links(organ, "CASE-1", known_at=september)
    assert ("IN_CHARGE", "C") not in links(organ, "CASE-1", known_at=september)
    assert ("IN_CHARGE", "C") in links(organ, "CASE-1")
    assert ("IN_CHARGE", "A") not in links(organ, "CASE-1")


def test_a_case_correction_moves_the_chain_only_for_later_knowledge(organ, record_clock):
    register(organ, "CASE-1", "AFF", "S", "2024-05-10")
    before = record_clock.between()
    organ.data(CORRECT_CASE, {"id": "CASE-1", "unit": "AFF", "facts": "2024-08-01"})
    assert ("IN_CHARGE", "A") in links(organ, "CASE-1", known_at=before)
    assert ("IN_CHARGE", "B") in links(organ, "CASE-1")
    assert chain(organ, "CASE-1", known_at=before)["case"]["factsOn"] == "2024-05-10"


def test_a_case_in_a_branch_under_an_affiliated_unit_climbs_to_the_organs_principal(organ):
    organ.data(ASSUME_POST, {"p": "S", "u": "AFF-ZB", "role": "STAFF", "from": "2020-01-01"})
    register(organ, "CASE-1", "AFF-ZB", "S", "2024-05-10")
    assert links(organ, "CASE-1") == {
        ("DIRECT", "T"),
        ("IN_CHARGE", "A"),
        ("PRINCIPAL", "P"),
        ("SUPERVISORY", "D"),
    }


def test_a_head_who_is_the_subject_is_not_their_own_direct_link_but_a_named_gap(organ):
    register(organ, "CASE-1", "AFF", "H", "2024-05-10")
    assert not any(kind == "DIRECT" for kind, _ in links(organ, "CASE-1"))
    assert ("IN_CHARGE", "A") in links(organ, "CASE-1")
    gaps = [(g["kind"], g["unit"]["id"], g["reason"]) for g in chain(organ, "CASE-1")["gaps"]]
    assert gaps == [("DIRECT", "AFF", "HELD_BY_SUBJECT")], "the subject's own role is named"


def test_a_unit_nobody_had_in_charge_reports_the_gap(organ):
    organ.data(ASSUME_POST, {"p": "S", "u": "DEP", "role": "UNIT_HEAD", "from": "2020-01-01"})
    register(organ, "CASE-1", "DEP", "S", "2024-05-10")
    answer = chain(organ, "CASE-1")
    assert not any(link["kind"] == "IN_CHARGE" for link in answer["links"])
    assert answer["gaps"] == [
        # S heads DEP and is the subject: their own role, named as such
        {
            "kind": "DIRECT",
            "from": "2024-05-10",
            "to": "2024-05-10",
            "unit": {"id": "DEP"},
            "reason": "HELD_BY_SUBJECT",
        },
        {
            "kind": "IN_CHARGE",
            "from": "2024-05-10",
            "to": "2024-05-10",
            "unit": {"id": "DEP"},
            "reason": "VACANT",
        },
    ]


def test_a_facts_period_spanning_a_rotation_lists_both_holders_with_their_dates(organ):
    register(organ, "CASE-1", "AFF", "S", "2024-03-01", until="2024-09-01", reg="2024-09-15")
    in_charge = sorted(
        (link["person"]["id"], link["heldFrom"], link["heldTo"])
        for link in chain(organ, "CASE-1")["links"]
        if link["kind"] == "IN_CHARGE"
    )
    assert in_charge == [("A", "2020-01-01", "2024-06-30"), ("B", "2024-07-01", None)]


def test_a_facts_period_before_a_successor_never_names_the_successor(organ):
    organ.data(REGISTER_PERSON, {"id": "N", "name": "继任者"})
    register(organ, "CASE-1", "AFF", "S", "2023-01-01", until="2023-12-31", reg="2024-09-15")
    assert ("IN_CHARGE", "B") not in links(organ, "CASE-1")
    assert ("IN_CHARGE", "A") in links(organ, "CASE-1")


def test_a_measure_for_someone_outside_the_chain_is_refused_and_appends_nothing(organ):
    register(organ, "CASE-1", "AFF", "S", "2024-05-10")
    head = organ.head()
    assert (
        organ.error_code(DETERMINE, {"id": "CASE-1", "p": "B", "m": "ADMONISHMENT"}) == "CONFLICT"
    )
    assert organ.head() == head
    organ.data(DETERMINE, {"id": "CASE-1", "p": "A", "m": "ADMONISHMENT"})
    measures = {link["person"]["id"]: link["measure"] for link in chain(organ, "CASE-1")["links"]}
    assert measures["A"] == "ADMONISHMENT" and measures["P"] is None


REFUSALS = [
    ("unknown unit", {"unit": "NOPE"}, "NOT_FOUND"),
    ("unknown subject", {"subject": "NOPE"}, "NOT_FOUND"),
    ("facts after registration", {"facts": "2024-10-01"}, "BAD_INPUT"),
    ("registration in the future", {"reg": "2099-01-01", "facts": "2024-01-01"}, "BAD_INPUT"),
    ("facts period ending after registration", {"until": "2024-12-01"}, "BAD_INPUT"),
]


@pytest.mark.parametrize("why,change,code", REFUSALS, ids=[r[0] for r in REFUSALS])
def test_register_case_refusals_append_nothing(organ, why, change, code):
    variables = {
        "id": "CASE-X",
        "unit": "AFF",
        "subject": "S",
        "cat": "INTEGRITY",
        "disc": "PASSIVE",
        "facts": "2024-05-10",
        "until": None,
        "reg": "2024-09-15",
    }
    head = organ.head()
    assert organ.error_code(REGISTER_CASE, {**variables, **change}) == code
    assert organ.head() == head


def test_concluding_twice_is_a_conflict(organ):
    register(organ, "CASE-1", "AFF", "S", "2024-05-10")
    organ.data(CONCLUDE_CASE, {"id": "CASE-1", "on": "2024-10-01"})
    head = organ.head()
    assert organ.error_code(CONCLUDE_CASE, {"id": "CASE-1", "on": "2024-10-02"}) == "CONFLICT"
    assert organ.head() == head
    case = organ.data(
        '{ case(id: "CASE-1") { form decision concludedOn accountabilityChain { links { kind } } } }'
    )
    assert case["case"]["form"] == "SECOND"


def test_cases_and_statistics_cover_a_subtree_and_a_period(organ):
    register(organ, "C1", "AFF", "S", "2024-05-10", reg="2024-06-01")
    register(organ, "C2", "AFF-ZB", "T", "2024-05-10", reg="2024-07-01", disc="SELF_DISCOVERED")
    organ.data(ASSUME_POST, {"p": "S", "u": "DEP", "role": "STAFF", "from": "2020-01-01"})
    register(organ, "C3", "DEP", "S", "2024-05-10", reg="2024-08-01")
    register(organ, "C4", "DEP", "S", "2023-05-10", reg="2023-08-01")
    ids = lambda q: [c["id"] for c in organ.data(q)["cases"]]  # noqa: E731
    assert ids('{ cases(unitId: "AFF") { id } }') == ["C1", "C2"]
    assert ids('{ cases(unitId: "ORG", from: "2024-01-01", to: "2024-12-31") { id } }') == [
        "C1",
        "C2",
        "C3",
    ]
    stats = organ.data(
        '{ caseStatistics(rootUnitId: "ORG", from: "2024-01-01", to: "2024-12-31") '
        "{ total byUnitKind { key count share } byDiscovery { key count } } }"
    )["caseStatistics"]
    assert stats["total"] == 3
    assert {"key": "AFFILIATED_UNIT", "count": 2, "share": 0.6667} in stats["byUnitKind"]
    assert {"key": "SELF_DISCOVERED", "count": 1} in stats["byDiscovery"]
