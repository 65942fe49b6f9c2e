"""Yearly evaluation: explained scores, rules derived from cases, the one-vote veto, freezing."""

from __future__ import annotations

import pytest
from scenario import (
    ASSUME_POST,
    CONCLUDE_CASE,
    FINALIZE,
    OPEN_CYCLE,
    RECORD_SCORE,
    REGISTER_CASE,
    REGISTER_PERSON,
    REGISTER_UNIT,
    result,
    score,
)


@pytest.fixture
def cycle(gql):
    """ORG with three affiliated units U1..U3; U1's head is H, M joins U2's team in July."""
    gql.data(REGISTER_UNIT, {"id": "ORG", "name": "厅", "kind": "ORGAN"})
    for uid in ("U1", "U2", "U3"):
        gql.data(
            REGISTER_UNIT, {"id": uid, "name": uid, "kind": "AFFILIATED_UNIT", "parentId": "ORG"}
        )
    for pid in ("H", "M", "S"):
        gql.data(REGISTER_PERSON, {"id": pid, "name": pid})
    gql.data(ASSUME_POST, {"p": "H", "u": "U1", "role": "UNIT_HEAD", "from": "2020-01-01"})
    gql.data(ASSUME_POST, {"p": "M", "u": "U2", "role": "TEAM_MEMBER", "from": "2024-07-01"})
    gql.data(ASSUME_POST, {"p": "S", "u": "U3", "role": "STAFF", "from": "2020-01-01"})
    gql.data(
        OPEN_CYCLE, {"id": "EV-2024", "units": ["U1", "U2", "U3"], "ded": 2.5}, role="APPRAISER"
    )
    return gql


def case(gql, case_id, unit, subject, disc="SELF_DISCOVERED", facts="2024-03-01", reg="2024-04-01"):
    gql.data(
        REGISTER_CASE,
        {
            "id": case_id,
            "unit": unit,
            "subject": subject,
            "cat": "EIGHT_PROVISIONS",
            "disc": disc,
            "facts": facts,
            "until": None,
            "reg": reg,
        },
    )


def test_a_leadership_case_vetoes_a_unit_scoring_95_once_the_violation_is_established(cycle):
    score(cycle, "EV-2024", "U1", 28, 38, 29)
    case(cycle, "CASE-H", "U1", "H")
    r = result(cycle, "EV-2024", "U1")
    assert not r["vetoed"] and r["grade"] == "EXCELLENT", "registered, not yet established"
    assert [(x["rule"], x["points"], x["case"]) for x in r["pending"]] == [
        ("PENDING_CASE_VETO", 0.0, {"id": "CASE-H"})
    ]
    cycle.data(CONCLUDE_CASE, {"id": "CASE-H", "on": "2024-06-01"})  # 党内警告: second form
    r = result(cycle, "EV-2024", "U1")
    assert r["baseScore"] == 95 and r["total"] == 95 and r["pending"] == []
    assert r["vetoed"] and r["grade"] == "FAIL" and not r["eligibleForAwards"]
    assert r["vetoReasons"] == [
        {
            "rule": "LEADERSHIP_CASE_VETO",
            "case": {"id": "CASE-H"},
            "reason": "一票否决：H（处室（单位）负责人）违纪违法，2024-06-01结案（第二种形态（轻处分、组织调整））",
        }
    ]


def test_a_case_closed_with_a_talk_does_not_veto(cycle):
    score(cycle, "EV-2024", "U1", 28, 38, 29)
    case(cycle, "CASE-H", "U1", "H")
    cycle.data(CONCLUDE_CASE, {"id": "CASE-H", "on": "2024-06-01", "form": "FIRST"})
    r = result(cycle, "EV-2024", "U1")
    assert not r["vetoed"] and r["pending"] == [] and r["grade"] == "EXCELLENT"


def test_a_case_concluded_after_the_period_vetoes_the_next_cycle_not_this_one(cycle):
    case(cycle, "CASE-H", "U1", "H", facts="2024-10-01", reg="2024-11-01")
    cycle.data(CONCLUDE_CASE, {"id": "CASE-H", "on": "2025-01-10"})
    assert not result(cycle, "EV-2024", "U1")["vetoed"]
    cycle.data(
        OPEN_CYCLE,
        {"id": "EV-2025", "units": ["U1"], "ded": 2.0, "from": "2025-01-01", "to": "2025-12-31"},
        role="APPRAISER",
    )
    assert result(cycle, "EV-2025", "U1")["vetoed"]


def test_a_passive_case_deducts_and_a_self_discovered_one_does_not(cycle):
    score(cycle, "EV-2024", "U3", 28, 38, 29)
    case(cycle, "CASE-P", "U3", "S", disc="PASSIVE")
    case(cycle, "CASE-S", "U3", "S", disc="SELF_DISCOVERED")
    r = result(cycle, "EV-2024", "U3")
    assert r["deductions"] == [
        {
            "rule": "PASSIVE_CASE",
            "points": -2.5,
            "case": {"id": "CASE-P"},
            "reason": r["deductions"][0]["reason"],
        }
    ]
    assert r["total"] == 92.5 and r["grade"] == "EXCELLENT" and not r["vetoed"]


def test_a_case_outside_the_period_counts_in_no_cycle(cycle):
    score(cycle, "EV-2024", "U3", 28, 38, 29)
    case(cycle, "CASE-OLD", "U3", "S", disc="PASSIVE", facts="2023-03-01", reg="2023-05-01")
    assert result(cycle, "EV-2024", "U3")["deductions"] == []


def test_a_team_member_vetoes_only_if_they_held_the_post_on_the_facts_date(cycle):
    score(cycle, "EV-2024", "U2", 28, 38, 29)
    case(cycle, "CASE-M1", "U2", "M", facts="2024-05-01", reg="2024-08-01")
    cycle.data(CONCLUDE_CASE, {"id": "CASE-M1", "on": "2024-08-20"})
    assert not result(cycle, "EV-2024", "U2")["vetoed"], "M rotated in after the facts"
    case(cycle, "CASE-M2", "U2", "M", facts="2024-08-01", reg="2024-09-01")
    cycle.data(CONCLUDE_CASE, {"id": "CASE-M2", "on": "2024-09-20"})
    assert result(cycle, "EV-2024", "U2")["vetoed"]


def test_finalized_results_do_not_move_when_a_later_case_arrives(cycle):
    score(cycle, "EV-2024", "U3", 28, 38, 29)
    before = result(cycle, "EV-2024", "U3")
    cycle.data(FINALIZE, {"c": "EV-2024"}, role="APPRAISER")
    case(cycle, "CASE-LATE", "U3", "S", disc="PASSIVE", facts="2024-10-01", reg="2024-11-01")
    assert result(cycle, "EV-2024", "U3") == before
    head = cycle.head()
    code = cycle.error_code(
        RECORD_SCORE, {"c": "EV-2024", "u": "U3", "k": "EDU", "pts": 30}, role="APPRAISER"
    )
    assert code == "CONFLICT" and cycle.head() == head
    status = cycle.data('{ evaluationCycle(id: "EV-2024") { status } }')
    assert status["evaluationCycle"]["status"] == "FINALIZED"


def test_results_known_at_an_earlier_instant_are_reproduced(cycle, record_clock):
    score(cycle, "EV-2024", "U3", 28, 38, 29)
    then = record_clock.between()
    before = result(cycle, "EV-2024", "U3", known_at=then)
    case(cycle, "CASE-P", "U3", "S", disc="PASSIVE")
    assert result(cycle, "EV-2024", "U3", known_at=then) == before
    assert result(cycle, "EV-2024", "U3")["total"] == 92.5


def test_ties_share_a_rank_and_vetoed_units_rank_last(cycle):
    score(cycle, "EV-2024", "U1", 30, 40, 30)
    score(cycle, "EV-2024", "U2", 28, 38, 29)
    score(cycle, "EV-2024", "U3", 28, 38, 29)
    ranks = {
        r["unit"]["id"]: r["rank"]
        for r in cycle.data('{ evaluationCycle(id: "EV-2024") { results { unit { id } rank } } }')[
            "evaluationCycle"
        ]["results"]
    }
    assert ranks == {"U1": 1, "U2": 2, "U3": 2}
    case(cycle, "CASE-H", "U1", "H")
    cycle.data(CONCLUDE_CASE, {"id": "CASE-H", "on": "2024-06-01"})
    ranks = {
        r["unit"]["id"]: r["rank"]
        for r in cycle.data('{ evaluationCycle(id: "EV-2024") { results { unit { id } rank } } }')[
            "evaluationCycle"
        ]["results"]
    }
    assert ranks == {"U2": 1, "U3": 1, "U1": 3}


SCORE_REFUSALS = [
    ("points above the criterion's maximum", {"k": "EDU", "pts": 31}, "BAD_INPUT"),
    ("negative points", {"k": "EDU", "pts": -1}, "BAD_INPUT"),
    ("an unknown criterion", {"k": "NOPE", "pts": 1}, "BAD_INPUT"),
    ("a unit outside the cycle", {"u": "ORG", "k": "EDU", "pts": 1}, "NOT_FOUND"),
    ("an unknown cycle", {"c": "NOPE", "k": "EDU", "pts": 1}, "NOT_FOUND"),
]


@pytest.mark.parametrize("why,change,code", SCORE_REFUSALS, ids=[r[0] for r in SCORE_REFUSALS])
def test_score_refusals_append_nothing(cycle, why, change, code):
    head = cycle.head()
    assert (
        cycle.error_code(RECORD_SCORE, {"c": "EV-2024", "u": "U1", **change}, role="APPRAISER")
        == code
    )
    assert cycle.head() == head


def test_a_recorder_may_not_score(cycle):
    head = cycle.head()
    assert (
        cycle.error_code(
            RECORD_SCORE, {"c": "EV-2024", "u": "U1", "k": "EDU", "pts": 1}, role="RECORDER"
        )
        == "FORBIDDEN"
    )
    assert cycle.head() == head


VETO_THIRD_AND_FOURTH = """mutation {
  openEvaluationCycle(input: {id: "EV-STRICT", year: 2024, title: "严格口径", periodFrom: "2024-01-01",
    periodTo: "2024-12-31", unitIds: ["U1"], vetoForms: [THIRD, FOURTH],
    criteria: [{code: "EDU", title: "宣传教育", maxPoints: 100}]}) { id }
}"""


def test_the_veto_forms_a_cycle_is_opened_with_are_the_ones_it_applies(cycle):
    """openEvaluationCycle once dropped `vetoForms`: every cycle vetoed by the default."""
    cycle.data(VETO_THIRD_AND_FOURTH, role="APPRAISER")
    forms = cycle.data('{ evaluationCycle(id: "EV-STRICT") { vetoForms } }')
    assert forms["evaluationCycle"]["vetoForms"] == ["THIRD", "FOURTH"]
    case(cycle, "CASE-H", "U1", "H")
    cycle.data(CONCLUDE_CASE, {"id": "CASE-H", "on": "2024-06-01"})  # SECOND: 党内警告
    assert not result(cycle, "EV-STRICT", "U1")["vetoed"], "SECOND is not a veto form here"
    assert result(cycle, "EV-2024", "U1")["vetoed"], "the default cycle vetoes on SECOND"
