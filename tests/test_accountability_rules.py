"""一案双查 and the veto by the rules, through HTTP on both stores: where a case sits, the
chain by level, posts that bound 分管 items, decisions as a process, review (复核), labels.

The organisation: organ ORG (PRINCIPAL P, DISCIPLINE_SECRETARY D, team members A and B),
its affiliated unit AFF with its own party secretary Q and discipline secretary R, headed by
H, and AFF's branch ZB; S is staff of AFF. A oversees AFF (分管) until 2024-06-30, then B.
"""

from __future__ import annotations

import pytest
from scenario import (
    ASSIGN,
    ASSUME_POST,
    CORRECT_POST,
    CORRECT_RESPONSIBILITY,
    LEAVE_POST,
    REGISTER_PERSON,
    REGISTER_UNIT,
    TRANSFER,
    chain,
    links,
)

REGISTER = """mutation($id: ID!, $unit: ID!, $subject: ID!, $facts: Date!, $reg: Date! = "2024-09-15",
                   $rank: CadreRank, $approval: Boolean) {
  registerCase(input: {id: $id, unitId: $unit, subjectId: $subject, category: EIGHT_PROVISIONS,
    discovery: PASSIVE, factsOn: $facts, registeredOn: $reg, summary: "违规收受礼品",
    subjectRank: $rank, submittedForApproval: $approval, source: PETITION}) { id position }
}"""
DECIDE = """mutation($case: ID!, $person: ID!, $measures: [AccountabilityMeasure!],
                   $degree: AccountabilityDegree, $on: Date! = "2024-10-01") {
  determineAccountability(input: {caseId: $case, personId: $person, measure: ADMONISHMENT,
    measures: $measures, degree: $degree, reason: "管理失职", on: $on}) { id position }
}"""
DECIDE_ORGANISATION = """mutation($case: ID!, $unit: ID!) {
  determineOrganisationAccountability(input: {caseId: $case, unitId: $unit,
    measure: CIRCULATED_CRITICISM, reason: "主体责任落实不力", on: "2024-10-01"}) { id position }
}"""
REVOKE = """mutation($id: ID!, $on: Date! = "2024-11-01") {
  revokeAccountability(input: {decisionId: $id, reason: "复查后撤销", on: $on}) { id position }
}"""
DECISIONS = """query($case: ID!, $knownAt: DateTime) {
  case(id: $case) { decisions(knownAt: $knownAt) {
    id person { id } unit { id } measures degree on revokedOn stale
    link { kind unit { id } person { id } }
  } }
}"""


def send(gql, document: str, variables: dict) -> dict:
    """The answer, and the log left as it was when it is refused."""
    head = gql.head()
    body = gql.post(document, variables)
    if body.get("errors"):
        assert gql.head() == head, "a refused command appended events"
    return body


def code(gql, document: str, variables: dict) -> str:
    body = send(gql, document, variables)
    assert body.get("errors"), f"expected a refusal, got {body}"
    return body["errors"][0]["extensions"]["code"]


@pytest.fixture
def organ(gql):
    for uid, kind, parent in [
        ("ORG", "ORGAN", None),
        ("DEP", "DEPARTMENT", "ORG"),
        ("AFF", "AFFILIATED_UNIT", "ORG"),
        ("ZB", "PARTY_BRANCH", "AFF"),
    ]:
        gql.data(REGISTER_UNIT, {"id": uid, "name": uid, "kind": kind, "parentId": parent})
    for pid, unit, role in [
        ("P", "ORG", "PRINCIPAL"),
        ("D", "ORG", "DISCIPLINE_SECRETARY"),
        ("A", "ORG", "TEAM_MEMBER"),
        ("B", "ORG", "TEAM_MEMBER"),
        ("C", "ORG", "TEAM_MEMBER"),
        ("Q", "AFF", "PRINCIPAL"),
        ("R", "AFF", "DISCIPLINE_SECRETARY"),
        ("H", "AFF", "UNIT_HEAD"),
        ("S", "AFF", "STAFF"),
        ("T", "DEP", "STAFF"),
    ]:
        gql.data(REGISTER_PERSON, {"id": pid, "name": f"干部{pid}"})
        gql.data(ASSUME_POST, {"p": pid, "u": unit, "role": role, "from": "2020-01-01"})
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


def level_links(gql, case_id: str, known_at: str | None = None) -> set[tuple[str, str, str]]:
    return {
        (x["unit"]["id"], x["kind"], x["person"]["id"])
        for x in chain(gql, case_id, known_at)["links"]
    }


# ---------------------------------------------------------------------- the chain by level


def test_an_affiliated_units_own_secretaries_are_in_its_chain_and_can_be_held_accountable(organ):
    organ.data(REGISTER, {"id": "K", "unit": "AFF", "subject": "S", "facts": "2024-05-10"})
    assert level_links(organ, "K") == {
        ("AFF", "DIRECT", "H"),
        ("AFF", "IN_CHARGE", "A"),
        ("AFF", "PRINCIPAL", "Q"),
        ("AFF", "SUPERVISORY", "R"),
        ("ORG", "PRINCIPAL", "P"),
        ("ORG", "SUPERVISORY", "D"),
    }
    assert chain(organ, "K")["gaps"] == []
    decided = organ.data(DECIDE, {"case": "K", "person": "Q"})["determineAccountability"]
    assert decided["id"].startswith("K/D")


def test_nobody_in_a_role_is_a_vacant_gap_at_its_level(organ):
    organ.data(REGISTER, {"id": "K", "unit": "DEP", "subject": "T", "facts": "2024-05-10"})
    gaps = [(g["unit"]["id"], g["kind"], g["reason"]) for g in chain(organ, "K")["gaps"]]
    assert gaps == [("DEP", "DIRECT", "VACANT"), ("DEP", "IN_CHARGE", "VACANT")]


# ---------------------------------------------------------------------- where a case sits


def test_a_case_sits_where_the_subject_held_a_post_during_the_facts(organ):
    organ.data(ASSUME_POST, {"p": "S", "u": "DEP", "role": "STAFF", "from": "2024-08-01"})
    body = send(organ, REGISTER, {"id": "K", "unit": "DEP", "subject": "S", "facts": "2024-05-10"})
    assert body["errors"][0]["extensions"]["code"] == "BAD_INPUT"
    assert "AFF" in body["errors"][0]["message"], "the refusal names where S held posts then"
    organ.data(REGISTER, {"id": "K", "unit": "AFF", "subject": "S", "facts": "2024-05-10"})
    moved = {"id": "K", "unit": "DEP", "facts": "2024-05-10", "reason": "更正"}
    assert code(organ, CORRECT_CASE_UNIT, moved) == "BAD_INPUT"
    organ.data(CORRECT_CASE_UNIT, {**moved, "facts": "2024-08-10"})  # by then S was in DEP too


CORRECT_CASE_UNIT = """mutation($id: ID!, $unit: ID!, $facts: Date!, $reason: String!) {
  correctCase(input: {caseId: $id, unitId: $unit, factsOn: $facts, reason: $reason}) { id }
}"""


def test_a_subject_without_a_recorded_post_is_accepted_and_marked(organ):
    organ.data(REGISTER_PERSON, {"id": "X", "name": "外聘人员"})
    organ.data(REGISTER, {"id": "K", "unit": "AFF", "subject": "X", "facts": "2024-05-10"})
    marked = organ.data('{ case(id: "K") { subjectPostRecorded source subjectRank } }')["case"]
    assert marked == {"subjectPostRecorded": False, "source": "PETITION", "subjectRank": None}
    organ.data(REGISTER, {"id": "K2", "unit": "AFF", "subject": "S", "facts": "2024-05-10"})
    assert organ.data('{ case(id: "K2") { subjectPostRecorded } }')["case"] == {
        "subjectPostRecorded": True
    }


# ---------------------------------------------------------------------- posts bound 分管 items


def test_only_an_organs_leaders_hold_in_charge_items_over_its_units(organ):
    staff_item = {
        "id": "R-X",
        "holder": "S",
        "kind": "IN_CHARGE",
        "scope": ["DEP"],
        "from": "2024-01-01",
        "title": "分管办公室",
    }
    assert code(organ, ASSIGN, staff_item) == "BAD_INPUT"
    assert code(organ, ASSIGN, {**staff_item, "holder": "A", "from": "2019-06-01"}) == "BAD_INPUT"
    organ.data(ASSIGN, {**staff_item, "holder": "A"})
    assert code(organ, TRANSFER, {"item": "R-X", "to": "S", "eff": "2024-08-01"}) == "BAD_INPUT"
    periods = [{"holderId": "A", "from": "2024-01-01", "to": "2024-03-31"},
               {"holderId": "H", "from": "2024-04-01"}]  # fmt: skip
    assert (
        code(organ, CORRECT_RESPONSIBILITY, {"item": "R-X", "periods": periods, "reason": "更正"})
        == "BAD_INPUT"
    )


ITEMS = "query($p: ID!, $d: Date) { responsibilityList(personId: $p, asOf: $d) { items { id } } }"


def items_of(gql, person: str, day: str) -> list[str]:
    return [
        i["id"] for i in gql.data(ITEMS, {"p": person, "d": day})["responsibilityList"]["items"]
    ]


def test_leaving_the_last_leadership_post_ends_the_items_that_day(organ):
    organ.data(
        ASSIGN,
        {
            "id": "R-DEP",
            "holder": "C",
            "kind": "IN_CHARGE",
            "scope": ["DEP"],
            "from": "2022-01-01",
            "title": "分管办公室",
        },
    )
    organ.data(LEAVE_POST, {"p": "C", "u": "ORG", "role": "TEAM_MEMBER", "to": "2024-03-31"})
    assert items_of(organ, "C", "2024-03-31") == ["R-DEP"]
    assert items_of(organ, "C", "2024-04-01") == []
    history = organ.data('{ history(entityId: "R-DEP") { type payload } }')["history"]
    assert history[-1]["type"] == "ResponsibilityLapsed"
    assert "离开ORG领导班子" in history[-1]["payload"]["reason"]
    # facts after C left: C is not named, the unit's 分管 is a gap
    organ.data(REGISTER, {"id": "K", "unit": "DEP", "subject": "T", "facts": "2024-05-10"})
    assert ("IN_CHARGE", "C") not in links(organ, "K")


def test_a_correction_that_shortens_a_leaders_post_ends_the_items_with_it(organ):
    organ.data(
        ASSIGN,
        {
            "id": "R-DEP",
            "holder": "C",
            "kind": "IN_CHARGE",
            "scope": ["DEP"],
            "from": "2022-01-01",
            "title": "分管办公室",
        },
    )
    organ.data(
        CORRECT_POST,
        {
            "p": "C",
            "u": "ORG",
            "role": "TEAM_MEMBER",
            "orig": "2020-01-01",
            "from": "2020-01-01",
            "to": "2023-12-31",
            "reason": "任免文件更正",
        },
    )
    assert items_of(organ, "C", "2023-12-31") == ["R-DEP"]
    assert items_of(organ, "C", "2024-01-01") == []


# ---------------------------------------------------------------------- decisions


def test_several_decisions_with_measures_degree_and_a_party_organisation(organ):
    organ.data(REGISTER, {"id": "K", "unit": "AFF", "subject": "S", "facts": "2024-05-10"})
    first = organ.data(
        DECIDE,
        {
            "case": "K",
            "person": "A",
            "measures": ["ORGANISATIONAL_ADJUSTMENT"],
            "degree": "IMPORTANT_LEADERSHIP",
        },
    )["determineAccountability"]["id"]
    second = organ.data(DECIDE, {"case": "K", "person": "A", "on": "2024-10-05"})[
        "determineAccountability"
    ]["id"]
    assert first != second, "a second decision is a new decision, not an overwrite"
    organisation = organ.data(DECIDE_ORGANISATION, {"case": "K", "unit": "AFF"})[
        "determineOrganisationAccountability"
    ]["id"]
    decisions = organ.data(DECISIONS, {"case": "K"})["case"]["decisions"]
    assert [d["id"] for d in decisions] == [first, second, organisation]
    assert decisions[0]["measures"] == ["ADMONISHMENT", "ORGANISATIONAL_ADJUSTMENT"]
    assert decisions[0]["degree"] == "IMPORTANT_LEADERSHIP"
    assert decisions[0]["link"] == {
        "kind": "IN_CHARGE",
        "unit": {"id": "AFF"},
        "person": {"id": "A"},
    }
    assert decisions[2]["unit"] == {"id": "AFF"} and decisions[2]["person"] is None
    # a party organisation off the chain's path, someone outside the chain, an unknown case
    assert code(organ, DECIDE_ORGANISATION, {"case": "K", "unit": "DEP"}) == "BAD_INPUT"
    assert code(organ, DECIDE, {"case": "K", "person": "T"}) == "CONFLICT"
    assert code(organ, DECIDE, {"case": "NOPE", "person": "A"}) == "NOT_FOUND"


def test_a_revocation_is_an_event_and_a_second_one_a_conflict(organ, record_clock):
    organ.data(REGISTER, {"id": "K", "unit": "AFF", "subject": "S", "facts": "2024-05-10"})
    decision = organ.data(DECIDE, {"case": "K", "person": "A"})["determineAccountability"]["id"]
    before = record_clock.between()
    organ.data(REVOKE, {"id": decision})
    assert organ.data(DECISIONS, {"case": "K"})["case"]["decisions"][0]["revokedOn"] == "2024-11-01"
    then = organ.data(DECISIONS, {"case": "K", "knownAt": before})["case"]["decisions"]
    assert then[0]["revokedOn"] is None, "an answer known before the revocation stays"
    assert code(organ, REVOKE, {"id": decision}) == "CONFLICT"
    assert code(organ, REVOKE, {"id": "K/D99"}) == "NOT_FOUND"
    assert code(organ, REVOKE, {"id": "nonsense"}) == "NOT_FOUND"
    other = organ.data(DECIDE, {"case": "K", "person": "A"})["determineAccountability"]["id"]
    assert code(organ, REVOKE, {"id": other, "on": "2024-09-01"}) == "BAD_INPUT"


def test_a_correction_that_moves_the_link_makes_the_decision_stale_known_now(organ, record_clock):
    """DESIGN's example: A oversees AFF until 2024-06-30; a decision against A for facts on
    2024-05-10; a correction says A's charge ended 04-30 and C held it in May."""
    organ.data(REGISTER, {"id": "K", "unit": "AFF", "subject": "S", "facts": "2024-05-10"})
    organ.data(DECIDE, {"case": "K", "person": "A"})
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
    assert organ.data(DECISIONS, {"case": "K"})["case"]["decisions"][0]["stale"] is True
    assert (
        organ.data(DECISIONS, {"case": "K", "knownAt": september})["case"]["decisions"][0]["stale"]
        is False
    )
    assert ("AFF", "IN_CHARGE", "C") in level_links(organ, "K")
    assert ("AFF", "IN_CHARGE", "A") in level_links(organ, "K", known_at=september)


# ---------------------------------------------------------------------- review (复核)

OPEN = """mutation { openEvaluationCycle(input: {id: "EV", year: 2024, title: "考核",
  periodFrom: "2024-01-01", periodTo: "2024-12-31", unitIds: ["AFF", "DEP"],
  criteria: [{code: "EDU", title: "宣传教育", maxPoints: 100}]}) { id } }"""
SCORE = """mutation($u: ID!, $p: Float!) { recordScore(input: {cycleId: "EV", unitId: $u,
  criterion: "EDU", points: $p}) { id } }"""
REVIEW = """mutation($u: ID!) { reviewEvaluationResult(input: {cycleId: "EV", unitId: $u,
  reason: "结案后复核"}) { id position } }"""
CONCLUDE = """mutation($on: Date!) { concludeCase(input: {caseId: "K", form: SECOND,
  decision: "党内严重警告", on: $on}) { id } }"""
RESULTS = """query($knownAt: DateTime) { evaluationCycle(id: "EV") {
  results(knownAt: $knownAt) { unit { id } vetoed rank reviewedAt pending { case { id } } } } }"""


def test_a_review_brings_a_case_concluded_after_finalization_into_one_unit(organ, record_clock):
    organ.data(OPEN, role="APPRAISER")
    organ.data(SCORE, {"u": "AFF", "p": 95}, role="APPRAISER")
    organ.data(SCORE, {"u": "DEP", "p": 90}, role="APPRAISER")
    organ.data(REGISTER, {"id": "K", "unit": "AFF", "subject": "H", "facts": "2024-05-10"})
    assert code(organ, REVIEW, {"u": "AFF"}) == "CONFLICT", "an open cycle has nothing to review"
    organ.data(
        'mutation { finalizeEvaluationCycle(input: {cycleId: "EV"}) { id } }', role="APPRAISER"
    )
    organ.data(CONCLUDE, {"on": "2024-12-20"})  # concluded in the period, recorded afterwards
    finalized = record_clock.between()
    frozen = organ.data(RESULTS)["evaluationCycle"]["results"]
    assert [(r["unit"]["id"], r["vetoed"], r["rank"]) for r in frozen] == [
        ("AFF", False, 1),
        ("DEP", False, 2),
    ]
    assert frozen[0]["pending"] == [{"case": {"id": "K"}}]
    organ.data(REVIEW, {"u": "AFF"}, role="APPRAISER")
    reviewed = organ.data(RESULTS)["evaluationCycle"]["results"]
    assert [(r["unit"]["id"], r["vetoed"], r["rank"]) for r in reviewed] == [
        ("DEP", False, 1),
        ("AFF", True, 2),
    ]
    assert reviewed[1]["reviewedAt"] is not None and reviewed[1]["pending"] == []
    assert organ.data(RESULTS, {"knownAt": finalized})["evaluationCycle"]["results"] == frozen
    assert code(organ, REVIEW, {"u": "ORG"}) == "NOT_FOUND", "ORG is not evaluated in EV"


# ---------------------------------------------------------------------- labels


def test_every_enum_value_has_a_chinese_and_an_english_label(organ):
    zh = organ.data("{ labels { enum value label } }", role="VIEWER")["labels"]
    en = organ.data('{ labels(lang: "en") { enum value label } }', role="VIEWER")["labels"]
    assert len(zh) == len(en) > 60
    for z, e in zip(zh, en, strict=True):
        assert (z["enum"], z["value"]) == (e["enum"], e["value"])
        assert z["label"] != z["value"] and e["label"] != e["value"], z
        assert any("\u4e00" <= ch <= "\u9fff" for ch in z["label"]), z
    assert {"enum": "UnitKind", "value": "AFFILIATED_UNIT", "label": "直属单位"} in zh
    assert code(organ, '{ labels(lang: "fr") { label } }', {}) == "BAD_INPUT"
