"""An attacker's review of confidentiality (issue 12): what a token limited to one unit, or a
dashboard's, could still read or infer, through reads and through the refusals of writes.

The world: organ ORG with an affiliated unit AFF (branch ZB) and a department DEP. Case
K-AFF sits in AFF, case K-DEP in DEP; their subjects are S and T. Cycle C-ALL evaluates AFF
and DEP, cycle C-DEP only DEP. The attacker's tokens are limited to AFF (or ZB).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from scenario import ASSUME_POST, REGISTER_PERSON, REGISTER_UNIT

REGISTER_CASE = """mutation($id: ID!, $unit: ID!, $subject: ID!, $discovery: Discovery! = PASSIVE) {
  registerCase(input: {id: $id, unitId: $unit, subjectId: $subject, category: INTEGRITY,
    discovery: $discovery, factsOn: "2024-03-01", registeredOn: "2024-04-01",
    summary: "违规收受礼金"}) { id position }
}"""
ISSUE = """mutation($id: ID!, $from: ID!, $to: ID!) {
  issueTaskLetter(input: {id: $id, number: "浙函〔2024〕1号", title: "函告书", issuerId: $from,
    recipientId: $to, issuedOn: "2024-02-01",
    tasks: [{id: "T1", title: "教育", area: EDUCATION, deadline: "2024-12-31"}]}) { id }
}"""
OPEN = """mutation($id: ID!, $units: [ID!]!) {
  openEvaluationCycle(input: {id: $id, year: 2024, title: "考核", periodFrom: "2024-01-01",
    periodTo: "2024-12-31", unitIds: $units, passiveCaseDeduction: 2,
    criteria: [{code: "EDU", title: "宣传教育", maxPoints: 100}]}) { id }
}"""
DEDUCT = """mutation($c: ID!, $u: ID!, $case: ID, $reason: String! = "扣分") {
  deductScore(input: {cycleId: $c, unitId: $u, points: 1, reason: $reason, caseId: $case}) { id }
}"""
ACCESS = """query($entity: ID) { accessLog(entityId: $entity) {
  records { actor role operation entityIds } } }"""


@pytest.fixture
def world(gql):
    for uid, kind, parent in [
        ("ORG", "ORGAN", None),
        ("AFF", "AFFILIATED_UNIT", "ORG"),
        ("ZB", "PARTY_BRANCH", "AFF"),
        ("DEP", "DEPARTMENT", "ORG"),
    ]:
        gql.data(REGISTER_UNIT, {"id": uid, "name": uid, "kind": kind, "parentId": parent})
    for pid, unit, role in [
        ("H", "AFF", "UNIT_HEAD"),
        ("S", "AFF", "STAFF"),
        ("T", "DEP", "STAFF"),
        ("Z", "ZB", "BRANCH_SECRETARY"),
        ("D", "DEP", "UNIT_HEAD"),
    ]:
        gql.data(REGISTER_PERSON, {"id": pid, "name": f"姓名{pid}"})
        gql.data(ASSUME_POST, {"p": pid, "u": unit, "role": role, "from": "2020-01-01"})
    gql.data(REGISTER_CASE, {"id": "K-AFF", "unit": "AFF", "subject": "S"})
    gql.data(REGISTER_CASE, {"id": "K-DEP", "unit": "DEP", "subject": "T"})
    # found by the unit itself: no rule takes points off for it, only a hand-written line can
    gql.data(
        REGISTER_CASE,
        {"id": "K-SELF", "unit": "AFF", "subject": "S", "discovery": "SELF_DISCOVERED"},
    )
    gql.data(ISSUE, {"id": "L-ZB", "from": "ORG", "to": "ZB"})
    gql.data(ISSUE, {"id": "L-DEP", "from": "ORG", "to": "DEP"})
    gql.data(OPEN, {"id": "C-ALL", "units": ["AFF", "DEP"]})
    gql.data(OPEN, {"id": "C-DEP", "units": ["DEP"]})
    return gql


def as_(gql, role: str, units: list[str] | None = None, subject: str | None = None) -> str:
    return gql.token(role, subject or f"{role.lower()}-{'-'.join(units or ['all'])}", units)


def codes(body: dict) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors") or []]


def refusal(gql, query: str, token: str, variables: dict | None = None) -> tuple[str, str]:
    body = gql.post(query, variables, token=token)
    assert body.get("errors"), body
    error = body["errors"][0]
    return error["extensions"]["code"], error["message"]


def same_refusal(gql, token: str, query: str, outside: dict, unknown: dict) -> None:
    """What a token is told about an id outside its units is, word for word, what it is told
    about an id that does not exist (the differing ids aside)."""
    told_outside = refusal(gql, query, token, outside)
    told_unknown = refusal(gql, query, token, unknown)
    swap = {str(a): str(b) for a, b in zip(outside.values(), unknown.values(), strict=True)}
    masked = told_outside[1]
    for a, b in swap.items():
        if a != b:
            masked = masked.replace(a, b)
    assert (told_outside[0], masked) == told_unknown, (told_outside, told_unknown)


def access_records(gql, entity: str | None = None) -> list[dict]:
    admin = as_(gql, "ADMIN", subject="auditor")
    return gql.data(ACCESS, {"entity": entity}, token=admin)["accessLog"]["records"]


# ---------------------------------------------------------------------- the access log


def test_the_root_accountability_chain_is_in_the_access_log(world):
    inspector = as_(world, "INSPECTOR", subject="inspector-wu")
    world.data(
        'query Chain { accountabilityChain(caseId: "K-AFF") { links { person { name } } } }',
        token=inspector,
    )
    assert [(r["actor"], r["operation"]) for r in access_records(world, "K-AFF")] == [
        ("inspector-wu", "Chain")
    ]


def test_the_access_log_needs_a_token_not_limited_to_units(world):
    world.data('{ case(id: "K-DEP") { summary } }', token=as_(world, "INSPECTOR"))
    scoped = as_(world, "INSPECTOR", ["AFF"])
    body = world.post(ACCESS, {"entity": "K-DEP"}, token=scoped)
    assert codes(body) == ["FORBIDDEN"] and not (body.get("data") or {}).get("accessLog")
    assert codes(world.post(ACCESS, {}, token=as_(world, "ADMIN", []))) == ["FORBIDDEN"]


# ---------------------------------------------------------------------- writes as oracles


CONCLUDE = """mutation($id: ID!) {
  concludeCase(input: {caseId: $id, form: FIRST, decision: "谈话", on: "2024-05-01"}) { id } }"""
WITHDRAW = """mutation($id: ID!) {
  withdrawTaskLetter(input: {letterId: $id, on: "2024-03-01", reason: "撤回"}) { id } }"""
ACKNOWLEDGE = """mutation($id: ID!) {
  acknowledgeTaskLetter(input: {letterId: $id, personId: "Z", on: "2024-03-01"}) { id } }"""


def test_a_write_on_an_entity_outside_scope_is_refused_word_for_word_like_an_unknown_id(world):
    recorder = as_(world, "RECORDER", ["AFF"])
    same_refusal(world, recorder, CONCLUDE, {"id": "K-DEP"}, {"id": "K-NOPE"})
    # the refusal must not say in which unit the case sits
    assert "DEP" not in refusal(world, CONCLUDE, recorder, {"id": "K-DEP"})[1].replace("K-DEP", "")
    same_refusal(world, recorder, WITHDRAW, {"id": "L-DEP"}, {"id": "L-NOPE"})
    branch = as_(world, "BRANCH", ["ZB"])
    same_refusal(world, branch, ACKNOWLEDGE, {"id": "L-DEP"}, {"id": "L-NOPE"})


def test_a_score_line_cannot_name_a_case_outside_scope(world):
    appraiser = as_(world, "APPRAISER", ["AFF"])
    same_refusal(
        world,
        appraiser,
        DEDUCT,
        {"c": "C-ALL", "u": "AFF", "case": "K-DEP"},
        {"c": "C-ALL", "u": "AFF", "case": "K-NOPE"},
    )
    veto = """mutation($case: ID) { applyVeto(input: {cycleId: "C-ALL", unitId: "AFF",
      reason: "否决", caseId: $case}) { id } }"""
    same_refusal(world, appraiser, veto, {"case": "K-DEP"}, {"case": "K-NOPE"})
    head = world.head()
    assert world.post(DEDUCT, {"c": "C-ALL", "u": "AFF", "case": "K-AFF"}, token=appraiser)[
        "data"
    ] == {"deductScore": {"id": "C-ALL"}}
    assert world.head() > head


def test_a_letter_to_a_recipient_outside_scope_is_refused_like_one_to_an_unknown_unit(world):
    recorder = as_(world, "RECORDER", ["AFF"])
    same_refusal(
        world,
        recorder,
        ISSUE,
        {"id": "L-X", "from": "AFF", "to": "DEP"},
        {"id": "L-X", "from": "AFF", "to": "NOPE"},
    )
    head = world.head()
    assert codes(world.post(ISSUE, {"id": "L-X", "from": "AFF", "to": "DEP"}, token=recorder))
    assert world.head() == head


RECORD = """mutation($c: ID!) {
  recordScore(input: {cycleId: $c, unitId: "AFF", criterion: "EDU", points: 10}) { id } }"""
REVIEW = """mutation($c: ID!) {
  reviewEvaluationResult(input: {cycleId: $c, unitId: "AFF", reason: "复核"}) { id } }"""
FINALIZE = """mutation($c: ID!) { finalizeEvaluationCycle(input: {cycleId: $c}) { id } }"""


def test_a_cycle_that_evaluates_none_of_the_tokens_units_is_refused_like_an_unknown_one(world):
    appraiser = as_(world, "APPRAISER", ["AFF"])
    for query in (RECORD, REVIEW, FINALIZE, DEDUCT.replace("$u: ID!", '$u: ID = "AFF"')):
        same_refusal(world, appraiser, query, {"c": "C-DEP"}, {"c": "C-NOPE"})
    # finalized or not, it tells nothing
    world.data(FINALIZE, {"c": "C-DEP"}, token=as_(world, "APPRAISER"))
    for query in (RECORD, REVIEW, FINALIZE):
        same_refusal(world, appraiser, query, {"c": "C-DEP"}, {"c": "C-NOPE"})
    # a cycle that evaluates one of its units stays the token's to score
    assert world.post(RECORD, {"c": "C-ALL"}, token=appraiser)["data"] == {
        "recordScore": {"id": "C-ALL"}
    }


# ---------------------------------------------------------------------- score lines about cases

RESULT = """query Result($c: ID!, $u: ID!) { evaluationResult(cycleId: $c, unitId: $u) {
  deductions { rule reason case { id subject { name } summary } } } }"""


def manual_line(gql, token: str) -> dict:
    body = gql.post(RESULT, {"c": "C-ALL", "u": "AFF"}, token=token)
    lines = body["data"]["evaluationResult"]["deductions"]
    return next(x for x in lines if x["rule"] == "MANUAL_DEDUCTION")


def test_a_hand_written_score_line_about_a_case_is_personal_case_data(world):
    appraiser = as_(world, "APPRAISER")
    world.data(
        DEDUCT,
        {"c": "C-ALL", "u": "AFF", "case": "K-SELF", "reason": "姓名S收受礼金"},
        token=appraiser,
    )
    viewer = as_(world, "VIEWER")
    line = manual_line(world, viewer)
    assert "姓名S" not in line["reason"] and "K-SELF" in line["reason"]
    assert line["case"] == {"id": "K-SELF", "subject": None, "summary": None}
    assert access_records(world, "K-SELF") == []
    inspector = as_(world, "INSPECTOR", subject="inspector-wu")
    line = manual_line(world, inspector)
    assert line["reason"] == "姓名S收受礼金"
    assert [r["actor"] for r in access_records(world, "K-SELF")] == ["inspector-wu"]


def test_a_score_line_about_a_case_outside_the_readers_scope_hides_the_case(world):
    # an unscoped appraiser takes points off AFF for a case that sits in DEP
    world.data(
        DEDUCT,
        {"c": "C-ALL", "u": "AFF", "case": "K-DEP", "reason": "姓名T收受礼金"},
        token=as_(world, "APPRAISER"),
    )
    aff = as_(world, "INSPECTOR", ["AFF"], subject="inspector-aff")
    line = manual_line(world, aff)
    assert line["case"] is None and "姓名T" not in line["reason"], line
    assert access_records(world, "K-DEP") == []


def run_cli(gql, *args: str) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).parent / "ledger"
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    env.update(LEDGER_STORE=gql.settings.store, LEDGER_JWT_SECRET=gql.settings.jwt_secret)
    return subprocess.run([str(exe), *args], capture_output=True, text=True, env=env)


def test_the_cli_export_logs_hand_written_lines_about_cases(world, tmp_path):
    world.data(
        DEDUCT,
        {"c": "C-ALL", "u": "AFF", "case": "K-SELF", "reason": "姓名S收受礼金"},
        token=as_(world, "APPRAISER"),
    )
    out = tmp_path / "c.csv"
    done = run_cli(world, "evaluation", "export", "C-ALL", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "姓名S收受礼金" in out.read_text(encoding="utf-8-sig")
    assert [r["operation"] for r in access_records(world, "K-SELF")] == ["ledger evaluation export"]


def test_the_cli_export_of_the_log_is_in_the_access_log(world, tmp_path):
    """The raw log's export carries every case's raw events."""
    done = run_cli(world, "export", "--to", str(tmp_path / "log.jsonl"))
    assert done.returncode == 0, done.stderr
    records = access_records(world)
    assert records[-1]["operation"] == "ledger export"
    assert set(records[-1]["entityIds"]) == {"K-AFF", "K-DEP", "K-SELF"}


# ---------------------------------------------------------------------- events follow the case


CORRECT = """mutation { correctCase(input: {caseId: "K-M", unitId: "DEP", factsOn: "2024-03-01",
  reason: "实际发生在办公室"}) { id } }"""


def test_a_case_moved_to_another_unit_takes_its_later_events_with_it(world):
    world.data(ASSUME_POST, {"p": "S", "u": "DEP", "role": "STAFF", "from": "2020-01-01"})
    world.data(REGISTER_CASE, {"id": "K-M", "unit": "AFF", "subject": "S"})
    world.data(CORRECT)
    world.data(CONCLUDE, {"id": "K-M"})
    aff = as_(world, "INSPECTOR", ["AFF"])
    types = [
        e["type"] for e in world.data('{ history(entityId: "K-M") { type } }', token=aff)["history"]
    ]
    assert "CaseConcluded" not in types and types, types
    dep = as_(world, "INSPECTOR", ["DEP"])
    types = [
        e["type"] for e in world.data('{ history(entityId: "K-M") { type } }', token=dep)["history"]
    ]
    assert "CaseConcluded" in types


def test_a_refused_case_names_no_unit_outside_the_tokens_scope(world):
    recorder = as_(world, "RECORDER", ["AFF"])
    code, message = refusal(
        world, REGISTER_CASE, recorder, {"id": "K-X", "unit": "AFF", "subject": "T"}
    )
    assert code == "BAD_INPUT" and "DEP" not in message, message
    # a token that sees the unit is told where the subject was
    message = refusal(
        world, REGISTER_CASE, as_(world, "RECORDER"), {"id": "K-X", "unit": "AFF", "subject": "T"}
    )[1]
    assert message.endswith("where they held posts then: DEP"), message


def test_a_decision_on_a_party_organisation_belongs_to_the_cases_unit(world):
    world.data(
        """mutation { determineOrganisationAccountability(input: {caseId: "K-AFF", unitId: "ORG",
        measure: CIRCULATED_CRITICISM, reason: "主体责任落实不力", on: "2024-06-01"}) { id } }"""
    )
    aff = as_(world, "INSPECTOR", ["AFF"])
    history = world.data('{ history(entityId: "K-AFF") { type } }', token=aff)["history"]
    assert [e["type"] for e in history] == ["CaseRegistered", "AccountabilityDetermined"]
    # and a unit beside it does not see the case's events because of the organisation named
    assert (
        world.data(
            '{ history(entityId: "K-AFF") { type } }', token=as_(world, "INSPECTOR", ["DEP"])
        )["history"]
        == []
    )


# ---------------------------------------------------------------------- what else tells who


def test_a_dashboard_does_not_see_the_subjects_rank(world):
    """The rank of a case's subject, with its unit and dates, tells who it is (a unit has one
    or two cadres of a rank): personal case data, like the subject."""
    world.data(
        """mutation { registerCase(input: {id: "K-RANK", unitId: "AFF", subjectId: "H",
        category: INTEGRITY, discovery: PASSIVE, factsOn: "2024-03-01", registeredOn: "2024-04-01",
        summary: "违规收受礼金", subjectRank: DIVISION}) { id } }"""
    )
    query = '{ case(id: "K-RANK") { id subjectRank } cases { id subjectRank } }'
    for role in ("VIEWER", "BRANCH"):
        data = world.data(query, token=as_(world, role, ["AFF"] if role == "BRANCH" else None))
        assert data["case"] == {"id": "K-RANK", "subjectRank": None}
        assert {c["subjectRank"] for c in data["cases"]} == {None}
    assert access_records(world, "K-RANK") == []
    inspector = as_(world, "INSPECTOR", subject="inspector-wu")
    data = world.data('query Rank { case(id: "K-RANK") { subjectRank } }', token=inspector)
    assert data["case"] == {"subjectRank": "DIVISION"}
    assert [(r["actor"], r["operation"]) for r in access_records(world, "K-RANK")] == [
        ("inspector-wu", "Rank")
    ]


def test_raw_events_of_a_hand_written_line_about_a_case_are_in_the_access_log(world):
    world.data(
        DEDUCT,
        {"c": "C-ALL", "u": "AFF", "case": "K-SELF", "reason": "姓名S收受礼金"},
        token=as_(world, "APPRAISER"),
    )
    inspector = as_(world, "INSPECTOR", subject="inspector-wu")
    world.data('query Raw { history(entityId: "C-ALL") { type payload } }', token=inspector)
    world.data(
        'query Log { events(type: "ScoreDeducted") { events { payload } } }', token=inspector
    )
    assert [r["operation"] for r in access_records(world, "K-SELF")] == ["Raw", "Log"]


# ---------------------------------------------------------------------- nested paths

NESTED = [  # one root each: the cost budget keeps a scoped reader's documents small
    "{ units { id children { id } parent { id children { id } } organ { id children { id } } } }",
    '{ unit(id: "AFF") { posts { person { id name posts { unit { id } } } } } }',
    '{ unit(id: "AFF") { parent { posts { person { id } } } organ { posts { person { name } } } } }',
    "{ cases { id unit { id parent { children { id } } } subject { id name } } }",
    '{ case(id: "K-AFF") { subject { posts { unit { id } } } decisions { id person { id } } } }',
    """{ case(id: "K-AFF") { accountabilityChain { links { person { id name posts { unit { id } } }
       unit { id children { id } } } gaps { unit { id } } } } }""",
    """{ taskLetters { edges { node { id issuer { id children { id } } recipient { id }
       acknowledgedBy { id } } } } }""",
    '{ taskLetter(id: "L-ZB") { issuer { posts { person { id } } } } }',
    "{ evaluationCycles { id units { id } } }",
    """{ evaluationCycle(id: "C-ALL") { results { unit { id } deductions { reason case { id } }
       vetoReasons { reason } pending { reason } } } }""",
    """{ person(id: "H") { posts { unit { id } } }
       responsibilityList(personId: "H") { items { scope { id } holder { id } } } }""",
]


def test_nested_paths_carry_nothing_of_another_unit(world):
    """From every root a token limited to AFF may start at, however deep it goes, nothing of
    DEP comes back: not its id, its people, its case, its letter or its cycle."""
    for unit in ("DEP", "AFF"):  # the second: AFF's points, for a case that sits in DEP
        world.data(
            DEDUCT,
            {"c": "C-ALL", "u": unit, "case": "K-DEP", "reason": "姓名T收受礼金"},
            token=as_(world, "APPRAISER"),
        )
    aff = as_(world, "INSPECTOR", ["AFF"])
    text = json.dumps([world.data(query, token=aff) for query in NESTED], ensure_ascii=False)
    for secret in ('"DEP"', "K-DEP", '"T"', '"D"', "姓名T", "姓名D", "L-DEP", "C-DEP"):
        assert secret not in text, (secret, text)
    assert "K-AFF" in text and "姓名S" in text  # the probe reaches what is in scope


def test_the_web_export_gives_score_lines_about_cases_as_the_api_does(world):
    appraiser = as_(world, "APPRAISER")
    world.data(
        DEDUCT,
        {"c": "C-ALL", "u": "AFF", "case": "K-SELF", "reason": "姓名S收受礼金"},
        token=appraiser,
    )
    world.data(
        DEDUCT,
        {"c": "C-ALL", "u": "AFF", "case": "K-DEP", "reason": "姓名T收受礼金"},
        token=appraiser,
    )

    def export(token: str) -> str:
        response = world.http.get(
            "/web/export/evaluation",
            params={"cycle": "C-ALL", "format": "csv", "lang": "zh"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 200, response.text
        return response.content.decode("utf-8-sig")

    viewer = export(as_(world, "VIEWER"))
    assert "姓名S" not in viewer and "K-SELF" in viewer
    assert access_records(world, "K-SELF") == []
    scoped = export(as_(world, "INSPECTOR", ["AFF"], subject="inspector-aff"))
    assert "姓名S收受礼金" in scoped and "姓名T" not in scoped and "K-DEP" not in scoped
    assert [r["actor"] for r in access_records(world, "K-SELF")] == ["inspector-aff"]
    assert access_records(world, "K-DEP") == []


RECORD_TALK = """mutation($ob: ID) { recordTalk(input: {id: "TK-1", kind: HEART_TO_HEART,
  talkerId: "H", personId: "S", unitId: "AFF", heldOn: "2024-06-01", topic: "谈心",
  record: "谈话记录", obligationId: $ob}) { id } }"""


def test_a_talk_cannot_meet_another_units_obligation(world):
    """六必谈: a talk that names an obligation owed in another unit (by someone else) is
    refused word for word like one naming an obligation that does not exist."""
    page = world.data('{ talkObligations(personId: "T") { obligations { id unit { id } } } }')
    owed = [o["id"] for o in page["talkObligations"]["obligations"] if o["unit"]["id"] == "DEP"]
    assert owed, page
    recorder = as_(world, "RECORDER", ["AFF"])
    same_refusal(world, recorder, RECORD_TALK, {"ob": owed[0]}, {"ob": "OB-NOPE"})
