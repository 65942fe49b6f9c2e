"""The demo organisation: loads once, shows the source text's statistics and the rotation."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ledger import demo


def test_the_demo_loads_once_and_shows_the_source_texts_statistics(gql):
    steps, appended = demo.load(gql.ledger)
    assert appended > 0
    assert demo.load(gql.ledger) == (steps, 0), "a second load appends nothing"

    stats = gql.data(
        '{ caseStatistics(rootUnitId: "ZJ-FGW", from: "2023-01-01", to: "2024-12-31") '
        "{ total byUnitKind { key share } byCategory { key count share } } }",
        role="VIEWER",
    )["caseStatistics"]
    assert stats["total"] == 25
    assert {"key": "AFFILIATED_UNIT", "share": 0.8} in stats["byUnitKind"]
    assert {"key": "EIGHT_PROVISIONS", "count": 14, "share": 0.56} in stats["byCategory"]


def test_the_demo_rotation_and_the_case_that_predates_it(gql):
    demo.load(gql.ledger)
    q = "query($p: ID!, $d: Date) { responsibilityList(personId: $p, asOf: $d) { items { id } } }"

    def ids(p, d):
        return [i["id"] for i in gql.data(q, {"p": p, "d": d})["responsibilityList"]["items"]]

    assert "R-IC-XXZX" in ids("P-0004", "2024-06-30")
    assert "R-IC-XXZX" not in ids("P-0004", "2024-07-01")
    assert "R-IC-XXZX" in ids("P-0006", "2024-07-01")
    chain = gql.data(
        '{ accountabilityChain(caseId: "CASE-2024-ROT") { links { kind person { id } measure } } }'
    )
    in_charge = [
        link for link in chain["accountabilityChain"]["links"] if link["kind"] == "IN_CHARGE"
    ]
    assert in_charge == [
        {"kind": "IN_CHARGE", "person": {"id": "P-0004"}, "measure": "ADMONISHMENT"}
    ]


def test_the_demo_cycle_vetoes_the_unit_that_scored_95(gql):
    demo.load(gql.ledger)
    r = gql.data(
        '{ evaluationResult(cycleId: "EV-2024", unitId: "ZJ-FGW-JJS") '
        "{ baseScore vetoed grade eligibleForAwards vetoReasons { case { id } } } }"
    )
    assert r["evaluationResult"] == {
        "baseScore": 95.0,
        "vetoed": True,
        "grade": "FAIL",
        "eligibleForAwards": False,
        "vetoReasons": [{"case": {"id": "CASE-2024-010"}}],
    }
    levels = gql.data(
        '{ responsibilityTransmission(rootUnitId: "ZJ-FGW", asOf: "2024-10-01") '
        "{ depth acknowledgedRate overdueTasks } }"
    )["responsibilityTransmission"]
    assert levels[1]["acknowledgedRate"] > levels[2]["acknowledgedRate"], "上热下冷"
    assert levels[2]["overdueTasks"] > 0


def test_ledger_demo_load_shows_its_progress_and_a_summary_not_a_line_per_command(tmp_path):
    """`make demo` runs this first: a newcomer sees a bar and what happened, twice over
    (the second run appends nothing), not 181 log lines."""
    env = {**os.environ, "LEDGER_STORE": f"sqlite:///{tmp_path}/demo.sqlite3"}
    exe = Path(sys.executable).parent / "ledger"
    outputs = []
    for _ in range(2):
        done = subprocess.run(
            [str(exe), "demo", "load"], capture_output=True, text=True, env=env, timeout=120
        )
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout + done.stderr)
    assert "events appended (loaded)" in outputs[0]
    assert "0 events appended (already loaded)" in outputs[1]
    for output in outputs:
        assert "command=" not in output and '"command"' not in output
        assert len(output.splitlines()) < 10


def test_the_working_committee_shows_the_source_texts_2017_statistic(gql):
    """25 报批 cases against 处级 cadres across the provincial organs in 2017: 20 (80%) in
    affiliated units, 14 (56%) under the eight provisions."""
    demo.load(gql.ledger)
    stats = gql.data(
        '{ caseStatistics(rootUnitId: "ZJ-SZJG", from: "2017-01-01", to: "2017-12-31", '
        "rank: DIVISION, submittedForApproval: true) "
        "{ total byUnitKind { key count share } byCategory { key count share } "
        "byRank { key count } } }",
        role="VIEWER",
    )["caseStatistics"]
    assert stats["total"] == 25
    assert {"key": "AFFILIATED_UNIT", "count": 20, "share": 0.8} in stats["byUnitKind"]
    assert {"key": "EIGHT_PROVISIONS", "count": 14, "share": 0.56} in stats["byCategory"]
    assert stats["byRank"] == [{"key": "DIVISION", "count": 25}]
    organs = gql.data('{ unit(id: "ZJ-SZJG") { kind children { id kind } } }')["unit"]
    assert organs["kind"] == "WORKING_COMMITTEE"
    assert {c["id"] for c in organs["children"]} == {"ZJ-FGW", "ZJ-CZT", "ZJ-JTT"}


def test_the_demo_chain_names_the_affiliated_units_own_secretaries_and_its_decisions(gql):
    demo.load(gql.ledger)
    answer = gql.data(
        '{ case(id: "CASE-2024-ROT") { accountabilityChain { links { kind unit { id } person { id } } } '
        "decisions { person { id } unit { id } measures degree stale link { kind unit { id } } } } }"
    )["case"]
    links = {
        (x["unit"]["id"], x["kind"], x["person"]["id"])
        for x in answer["accountabilityChain"]["links"]
    }
    assert {
        ("ZJ-FGW-XXZX", "DIRECT", "P-0011"),
        ("ZJ-FGW-XXZX", "IN_CHARGE", "P-0004"),
        ("ZJ-FGW-XXZX", "PRINCIPAL", "P-0017"),
        ("ZJ-FGW-XXZX", "SUPERVISORY", "P-0018"),
        ("ZJ-FGW", "PRINCIPAL", "P-0001"),
        ("ZJ-FGW", "SUPERVISORY", "P-0002"),
    } <= links
    person, organisation = answer["decisions"]
    assert person == {
        "person": {"id": "P-0004"},
        "unit": None,
        "measures": ["ADMONISHMENT", "CIRCULATED_CRITICISM"],
        "degree": "IMPORTANT_LEADERSHIP",
        "stale": False,
        "link": {"kind": "IN_CHARGE", "unit": {"id": "ZJ-FGW-XXZX"}},
    }
    assert organisation["unit"] == {"id": "ZJ-FGW-XXZX"} and not organisation["stale"]


def test_the_demo_year_of_talks_inquiries_and_six_must_talks(gql):
    """2024 in ZJ-FGW: 六必谈 met, overdue and open at the year's end; 函询 answered, late and
    unanswered; the first form counted from talks and inquiries (counts for every role)."""
    demo.load(gql.ledger)
    summary = gql.data(
        '{ talkObligationSummary(rootUnitId: "ZJ-FGW", asOf: "2024-12-31") '
        "{ open done overdue byReason { reason open done overdue } } }",
        role="VIEWER",
    )["talkObligationSummary"]
    assert (summary["open"], summary["overdue"]) == (1, 3)
    assert summary["done"] > 40
    reasons = {r["reason"]: r for r in summary["byReason"]}
    assert reasons["POST_CHANGE"]["done"] == 1 and reasons["POST_CHANGE"]["overdue"] == 1
    assert reasons["LOW_RATING"]["done"] == 1 and reasons["LOW_RATING"]["overdue"] == 1
    forms = gql.data(
        '{ fourForms(rootUnitId: "ZJ-FGW", from: "2024-01-01", to: "2024-12-31") '
        "{ total forms { form talks inquiries cases } talksByKind { kind count } } }",
        role="VIEWER",
    )["fourForms"]
    first = forms["forms"][0]
    assert first["form"] == "FIRST" and first["inquiries"] == 2 and first["talks"] >= 7
    assert {"kind": "SUMMONS", "count": 1} in forms["talksByKind"]
    overdue = gql.data(
        '{ writtenInquiries(asOf: "2024-12-31", replyOverdue: true) { inquiries { id status } } }'
    )["writtenInquiries"]["inquiries"]
    assert overdue == [
        {"id": "WI-2024-02", "status": "CONCLUDED"},  # replied late, then concluded
        {"id": "WI-2024-03", "status": "CONCLUDED"},  # never replied: passed to verification
        {"id": "WI-2024-04", "status": "SENT"},  # still waiting
    ]


def test_the_demo_shows_the_oversight_instruments(gql):
    """Findings with overdue orders (one reopened), the cycle's overdue rule, risk posts past
    their limit, the principal overseeing the office's finance, flagged 三重一大 decisions and
    two leaders without a 2024 report."""
    demo.load(gql.ledger)
    overdue = gql.data(
        '{ rectifications(unitId: "ZJ-FGW", asOf: "2024-12-31", status: OVERDUE) { id review } }'
    )["rectifications"]
    assert overdue == [
        {"id": "RECT-2024-02", "review": None},
        {"id": "RECT-2024-03", "review": "REOPENED"},
    ]
    result = gql.data(
        '{ evaluationResult(cycleId: "EV-2024", unitId: "ZJ-FGW-XXZX") { deductions { rule points } } }'
    )["evaluationResult"]
    assert {"rule": "OVERDUE_RECTIFICATION", "points": -1.0} in result["deductions"]

    due = gql.data(
        '{ rotationDue(unitId: "ZJ-FGW", asOf: "2024-12-31") { riskPost { id } person { id } } }'
    )["rotationDue"]
    assert {(d["riskPost"]["id"], d["person"]["id"]) for d in due} == {
        ("RP-FGW-NYJ", "P-0013"),
        ("RP-FGW-TZC", "P-0009"),
        ("RP-XXZX-CASH", "P-0102"),
    }

    oversight = gql.data(
        '{ principalOversight(unitId: "ZJ-FGW") { person { id } unit { id } functions from to } }'
    )["principalOversight"]
    assert oversight == [
        {
            "person": {"id": "P-0001"},
            "unit": {"id": "ZJ-FGW-BGS"},
            "functions": ["FINANCE", "PROCUREMENT"],
            "from": "2023-01-01",
            "to": None,
        }
    ]

    flagged = gql.data('{ majorDecisions(unitId: "ZJ-FGW", flagged: true) { id flags } }')[
        "majorDecisions"
    ]
    assert flagged == [
        {"id": "MD-2024-02", "flags": ["PRINCIPAL_NOT_LAST"]},
        {"id": "MD-2024-03", "flags": ["LOW_ATTENDANCE"]},
        {"id": "MD-2024-04", "flags": ["RECUSED_SPOKE"]},
    ]

    missing = gql.data(
        '{ missingDutyReports(year: 2024, unitId: "ZJ-FGW") { kind unit { id } person { id } } }'
    )["missingDutyReports"]
    owed = {(m["unit"]["id"], (m["person"] or {}).get("id")) for m in missing}
    assert {("ZJ-FGW", "P-0005"), ("ZJ-FGW", "P-0006")} <= owed
    assert not {("ZJ-FGW", p) for p in ("P-0001", "P-0002", "P-0003", "P-0004")} & owed
    assert ("ZJ-FGW-JGDW", None) not in owed  # the 机关纪委 reported
