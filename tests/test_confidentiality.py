"""Confidentiality through HTTP on both stores: unit scope on every read path, personal case
data by role, the access log (and its chain), tokens, and no existence oracle.

The world: organ ORG with an affiliated unit AFF (branch ZB) and a department DEP. Case
K-AFF sits in AFF, case K-DEP in DEP; their subjects are S and T. Tokens limited to AFF see
AFF and ZB only.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from scenario import ASSUME_POST, REGISTER_PERSON, REGISTER_UNIT

REGISTER_CASE = """mutation($id: ID!, $unit: ID!, $subject: ID!) {
  registerCase(input: {id: $id, unitId: $unit, subjectId: $subject, category: INTEGRITY,
    discovery: PASSIVE, factsOn: "2024-03-01", registeredOn: "2024-04-01",
    summary: "违规收受礼金"}) { id position }
}"""
ISSUE = """mutation($id: ID!, $to: ID!) {
  issueTaskLetter(input: {id: $id, number: "浙函〔2024〕1号", title: "函告书", issuerId: "ORG", recipientId: $to,
    issuedOn: "2024-02-01", tasks: [{id: "T1", title: "教育", area: EDUCATION, deadline: "2024-12-31"}]})
  { id }
}"""
ACCESS = """query($entity: ID) { accessLog(entityId: $entity) {
  records { position actor role operation entityIds hash } last } }"""


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
    ]:
        gql.data(REGISTER_PERSON, {"id": pid, "name": f"姓名{pid}"})
        gql.data(ASSUME_POST, {"p": pid, "u": unit, "role": role, "from": "2020-01-01"})
    gql.data(REGISTER_CASE, {"id": "K-AFF", "unit": "AFF", "subject": "S"})
    gql.data(REGISTER_CASE, {"id": "K-DEP", "unit": "DEP", "subject": "T"})
    gql.data(ISSUE, {"id": "L-ZB", "to": "ZB"})
    gql.data(ISSUE, {"id": "L-DEP", "to": "DEP"})
    return gql


def as_(gql, role: str, units: list[str] | None = None, subject: str | None = None) -> str:
    return gql.token(role, subject or f"{role.lower()}-{'-'.join(units or ['all'])}", units)


def answer(gql, query: str, token: str, variables: dict | None = None) -> dict:
    return gql.post(query, variables, token=token)


def codes(body: dict) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors") or []]


# ---------------------------------------------------------------------- scope on every read


def test_lists_are_filtered_to_the_tokens_units(world):
    aff = as_(world, "RECORDER", ["AFF"])
    data = answer(
        world,
        "{ cases { id } units { id } taskLetters { edges { node { id } } totalCount } "
        'events(first: 500) { events { entityId } } unit(id: "AFF") { children { id } '
        "posts { person { id posts { unit { id } } } } } }",
        aff,
    )["data"]
    assert [c["id"] for c in data["cases"]] == ["K-AFF"]
    assert {u["id"] for u in data["units"]} == {"AFF", "ZB"}
    letters = data["taskLetters"]
    assert [e["node"]["id"] for e in letters["edges"]] == ["L-ZB"] and letters["totalCount"] == 1
    entities = {e["entityId"] for e in data["events"]["events"]}
    assert {"AFF", "ZB", "K-AFF", "L-ZB", "H", "S", "Z"} <= entities
    assert not entities & {"ORG", "DEP", "K-DEP", "L-DEP", "T"}
    assert data["unit"]["children"] == [{"id": "ZB"}]


def test_a_single_object_outside_the_scope_is_refused_like_one_that_does_not_exist(world):
    aff = as_(world, "INSPECTOR", ["AFF"])
    for query in (
        '{ case(id: "K-DEP") { id } }',
        '{ unit(id: "DEP") { id } }',
        '{ person(id: "T") { id } }',
        '{ taskLetter(id: "L-DEP") { id } }',
        '{ accountabilityChain(caseId: "K-DEP") { links { kind } } }',
        '{ caseStatistics(rootUnitId: "ORG") { total } }',
        '{ responsibilityList(personId: "T") { items { id } } }',
    ):
        outside = answer(world, query, aff)
        missing = answer(world, query.replace("DEP", "NOPE").replace('"T"', '"NOBODY"'), aff)
        assert codes(outside) == codes(missing) == ["FORBIDDEN"], (query, outside, missing)
        assert outside["errors"][0]["message"].replace("DEP", "X").replace("T ", "X ") == (
            missing["errors"][0]["message"].replace("NOPE", "X").replace("NOBODY ", "X ")
        ), "the refusal says nothing about what exists"
    # and for writes: an out-of-scope case and an unknown one are refused alike
    recorder = as_(world, "RECORDER", ["AFF"])
    conclude = 'mutation { concludeCase(input: {caseId: "%s", form: FIRST, decision: "谈话", on: "2024-05-01"}) { id } }'  # noqa: E501
    assert codes(answer(world, conclude % "K-DEP", recorder)) == ["FORBIDDEN"]
    assert codes(answer(world, conclude % "NOPE", recorder)) == ["FORBIDDEN"]


def test_a_token_with_no_units_sees_no_unit(world):
    nothing = as_(world, "INSPECTOR", [])
    data = answer(world, "{ cases { id } units { id } }", nothing)["data"]
    assert data == {"cases": [], "units": []}
    assert codes(answer(world, '{ case(id: "K-AFF") { id } }', nothing)) == ["FORBIDDEN"]


def test_whole_log_integrity_reads_need_an_unscoped_token(world):
    aff = as_(world, "INSPECTOR", ["AFF"])
    assert codes(answer(world, "{ verifyLedger { ok } }", aff)) == ["FORBIDDEN"]
    assert answer(world, "{ verifyLedger { ok } }", as_(world, "INSPECTOR"))["data"] == {
        "verifyLedger": {"ok": True}
    }


# ---------------------------------------------------------------------- personal case data


def test_a_dashboard_sees_counts_and_forms_but_not_who_or_what(world):
    viewer = as_(world, "VIEWER")
    body = answer(
        world,
        '{ case(id: "K-AFF") { id category discovery unit { id } subject { id } summary decision } '
        'caseStatistics(rootUnitId: "ORG") { total } }',
        viewer,
    )
    assert body["data"]["case"] == {
        "id": "K-AFF",
        "category": "INTEGRITY",
        "discovery": "PASSIVE",
        "unit": {"id": "AFF"},
        "subject": None,
        "summary": None,
        "decision": None,
    }
    assert body["data"]["caseStatistics"]["total"] == 2
    chain = answer(world, '{ accountabilityChain(caseId: "K-AFF") { links { kind } } }', viewer)
    assert codes(chain) == ["FORBIDDEN"]


def test_an_inspectors_read_is_in_the_access_log_and_a_viewers_is_not(world):
    admin = as_(world, "ADMIN", subject="auditor")
    before = world.data(ACCESS, {"entity": "K-AFF"}, token=admin)["accessLog"]["records"]
    assert before == []
    inspector = as_(world, "INSPECTOR", subject="inspector-wu")
    answer(world, 'query Check { case(id: "K-AFF") { subject { name } summary } }', inspector)
    answer(world, '{ case(id: "K-AFF") { id subject { id } } }', as_(world, "VIEWER"))
    records = world.data(ACCESS, {"entity": "K-AFF"}, token=admin)["accessLog"]["records"]
    assert [(r["actor"], r["role"], r["operation"], r["entityIds"]) for r in records] == [
        ("inspector-wu", "INSPECTOR", "Check", ["K-AFF"])
    ]
    assert len(records[0]["hash"]) == 64
    # raw case events are personal too; a read that carries none leaves no record
    answer(world, '{ history(entityId: "K-AFF") { type } }', inspector)
    answer(world, "{ units { id } }", inspector)
    records = world.data(ACCESS, {}, token=admin)["accessLog"]["records"]
    assert [r["operation"] for r in records] == ["Check", "history"]
    assert codes(answer(world, ACCESS, as_(world, "RECORDER"), {})) == ["FORBIDDEN"]


def test_the_cli_verifies_the_access_log_chain_and_finds_an_edit(world, settings):
    inspector = as_(world, "INSPECTOR", subject="inspector-wu")
    answer(world, '{ case(id: "K-AFF") { summary } }', inspector)
    answer(world, '{ case(id: "K-DEP") { summary } }', inspector)
    exe = Path(sys.executable).parent / "ledger"
    env = {"LEDGER_STORE": settings.store, "LEDGER_JWT_SECRET": settings.jwt_secret}

    def verify() -> tuple[int, dict]:
        done = subprocess.run(
            [str(exe), "verify"], capture_output=True, text=True, env={**env, **_path_env()}
        )
        return done.returncode, json.loads(done.stdout)

    code, report = verify()
    assert code == 0 and report["accessLog"] == {
        "ok": True,
        "checkedRecords": 2,
        "firstBadPosition": None,
    }
    recorder = world.ledger.app.recorder
    with recorder.chain_tx(commit=True) as tx:
        tx.execute("UPDATE {access} SET actor = ? WHERE position = 1", ("someone-else",))
    code, report = verify()
    assert code == 2 and report["accessLog"]["firstBadPosition"] == 1


def _path_env() -> dict:
    import os

    return {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}


# ---------------------------------------------------------------------- tokens and keys


def test_idempotency_keys_belong_to_their_subject(world):
    register = (
        'mutation { registerPerson(input: {id: "%s", name: "某某", idempotencyKey: "k-1"}) { id } }'  # noqa: E501
    )
    alice, bob = as_(world, "RECORDER", subject="alice"), as_(world, "RECORDER", subject="bob")
    assert answer(world, register % "P-A", alice)["data"] == {"registerPerson": {"id": "P-A"}}
    # bob's k-1 is his own key: his request runs, and never returns alice's result
    assert answer(world, register % "P-B", bob)["data"] == {"registerPerson": {"id": "P-B"}}
    assert answer(world, register % "P-A", alice)["data"] == {"registerPerson": {"id": "P-A"}}
