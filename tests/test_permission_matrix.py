"""The permission matrix, generated from the schema: every mutation x every role x token scope.

For each mutation field of the live schema there must be an entry here that builds a valid
input in a small fixture world (an organ, an affiliated unit with a branch, a department,
people with posts, an item, a case, a letter, a cycle). Each input is first offered to every
caller that must be refused, then to every caller that must succeed, so a refusal can never
be blamed on the input. Asserted for every case: the code, that the log moved only on
success, and that the actor of every appended event is the token's subject.

A mutation added to the schema without an entry here (or without a row in
`ledger.permissions.WRITES`) fails the test, as does a query field without a read entry.

The world is built once per module and store (SQLite; PostgreSQL when LEDGER_TEST_POSTGRES is
set), not per case.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import TEST_SECRET, GraphQLClient, fresh_store
from graphql import GraphQLNonNull, get_named_type
from starlette.testclient import TestClient

from ledger import metrics
from ledger.api.app import create_app
from ledger.api.schema import schema
from ledger.permissions import WRITES
from ledger.service import Ledger
from ledger.settings import Settings

# ---------------------------------------------------------------------- the policy, from DESIGN.md
# Stated here independently of `ledger.permissions`, which must agree with it.
ROLES = ("ADMIN", "RECORDER", "APPRAISER", "BRANCH", "INSPECTOR", "VIEWER")
UNIT_BOUND_ROLES = frozenset({"BRANCH"})  # a BRANCH token without units acts for nobody
RAW_READERS = frozenset({"ADMIN", "INSPECTOR", "RECORDER", "APPRAISER"})
MUTATION_ROLES = {command.mutation(): rule.roles for command, rule in WRITES.items()}
RECORDING = frozenset({"ADMIN", "RECORDER"})
APPRAISING = frozenset({"ADMIN", "APPRAISER"})
BRANCH_WORK = frozenset({"ADMIN", "RECORDER", "BRANCH"})
# Reads of raw events, history and verification: not for VIEWER or BRANCH.

IN_SCOPE = ["AFF"]  # the affiliated unit, its branch ZB below it
OUT_OF_SCOPE = ["DEP"]  # a sibling department: nothing the entries touch lies below it
TOKEN_KINDS = ("unscoped", "in-scope", "out-of-scope")


# ---------------------------------------------------------------------- a module-scoped store


@contextlib.contextmanager
def served_ledger(kind: str, tmp: Path) -> Iterator[GraphQLClient]:
    """The real app over a fresh module-scoped store, as a GraphQL client.

    The metrics module keeps the operation labels it has seen process-wide (capped); the
    thousands of documents these modules send would use the cap up for later tests, so the
    set is put back as it was."""
    seen = getattr(metrics, "_seen_operations", None)
    saved = set(seen) if seen is not None else None
    with fresh_store(kind, tmp) as url:
        settings = Settings()
        settings.store = url
        settings.jwt_secret = TEST_SECRET
        settings.poll_interval = 0.02
        ledger = Ledger.open(settings)
        try:
            with TestClient(create_app(ledger), raise_server_exceptions=False) as http:
                yield GraphQLClient(http, settings, ledger)
        finally:
            ledger.close()
            if seen is not None and saved is not None:
                seen.clear()
                seen.update(saved)


# ---------------------------------------------------------------------- documents from the schema


def mutation_fields() -> dict[str, Any]:
    return dict(schema._schema.mutation_type.fields)


def query_fields() -> dict[str, Any]:
    return dict(schema._schema.query_type.fields)


def mutation_document(name: str) -> str:
    """`mutation($input: XInput!) { name(input: $input) { id position } }`, from the schema."""
    field_ = mutation_fields()[name]
    args = ", ".join(f"${a}: {t.type}" for a, t in field_.args.items())
    passed = ", ".join(f"{a}: ${a}" for a in field_.args)
    return f"mutation Matrix({args}) {{ {name}({passed}) {{ id position }} }}"


# ---------------------------------------------------------------------- the fixture world


@dataclass
class World:
    """A small organisation, built with the ADMIN token, and a counter for fresh ids."""

    gql: GraphQLClient
    counter: itertools.count = field(default_factory=lambda: itertools.count(1))
    scoring: str | None = None
    decided: str | None = None

    def admin(self, mutation: str, input_: dict[str, Any]) -> dict[str, Any]:
        return self.gql.data(mutation_document(mutation), {"input": input_})[mutation]

    def fresh(self, prefix: str) -> str:
        return f"{prefix}-N{next(self.counter)}"

    def build(self) -> World:
        for uid, name, kind, parent in [
            ("ORG", "省直某厅", "ORGAN", None),
            ("AFF", "信息中心", "AFFILIATED_UNIT", "ORG"),
            ("ZB", "信息中心党支部", "PARTY_BRANCH", "AFF"),
            ("DEP", "办公室", "DEPARTMENT", "ORG"),
        ]:
            self.admin("registerUnit", {"id": uid, "name": name, "kind": kind, "parentId": parent})
        for pid, name, unit, role in [
            ("P-PRIN", "周书记", "ORG", "PRINCIPAL"),
            ("P-LEAD", "王建国", "ORG", "TEAM_MEMBER"),
            ("P-AFFHEAD", "钱主任", "AFF", "UNIT_HEAD"),
            ("P-HEAD", "李支书", "ZB", "BRANCH_SECRETARY"),
            ("P-STAFF", "赵六", "AFF", "STAFF"),
        ]:
            self.admin("registerPerson", {"id": pid, "name": name})
            self.admin(
                "assumePost", {"personId": pid, "unitId": unit, "role": role, "from": "2020-01-01"}
            )
        self.admin("assignResponsibility", self.item_input("IT-1"))
        self.admin("registerCase", self.case_input("C-1"))
        self.admin("issueTaskLetter", self.letter_input("L-1"))
        self.admin("openEvaluationCycle", self.cycle_input("EV-1"))
        self.admin("recordFinding", self.finding_input("F-1"))
        self.admin("orderRectification", self.rectification_input("R-1"))
        self.admin("registerRiskPost", self.risk_post_input("RP-1"))
        self.admin("recordMajorDecision", self.decision_input("MD-1"))
        self.admin("recordTalk", self.talk_input("TK-1"))
        self.admin("sendWrittenInquiry", self.inquiry_input("WI-1"))
        return self

    # inputs that the entries reuse for their setup
    @staticmethod
    def item_input(item_id: str) -> dict[str, Any]:
        return {
            "id": item_id,
            "holderId": "P-LEAD",
            "kind": "IN_CHARGE",
            "area": "MANAGEMENT",
            "title": "分管信息中心党风廉政建设",
            "scopeUnitIds": ["AFF"],
            "validFrom": "2020-01-01",
        }

    @staticmethod
    def case_input(case_id: str) -> dict[str, Any]:
        return {
            "id": case_id,
            "unitId": "AFF",
            "subjectId": "P-STAFF",
            "category": "INTEGRITY",
            "discovery": "PASSIVE",
            "factsOn": "2024-03-01",
            "registeredOn": "2024-04-01",
            "summary": "违规收受礼品",
        }

    @staticmethod
    def letter_input(letter_id: str) -> dict[str, Any]:
        return {
            "id": letter_id,
            "number": f"函-{letter_id}",
            "title": "2024年党风廉政建设主要工作任务函告书",
            "issuerId": "AFF",
            "recipientId": "ZB",
            "issuedOn": "2024-02-01",
            "tasks": [
                {
                    "id": "T1",
                    "title": "开展廉政教育",
                    "area": "EDUCATION",
                    "deadline": "2024-12-31",
                },
                {
                    "id": "T2",
                    "title": "落实监督检查",
                    "area": "SUPERVISION",
                    "deadline": "2024-12-31",
                },
            ],
        }

    @staticmethod
    def finding_input(finding_id: str) -> dict[str, Any]:
        return {
            "id": finding_id,
            "unitId": "AFF",
            "source": "INSPECTION_TOUR",
            "foundOn": "2024-03-01",
            "description": "廉政风险防控台账不全",
        }

    @staticmethod
    def rectification_input(rectification_id: str) -> dict[str, Any]:
        return {
            "id": rectification_id,
            "findingId": "F-1",
            "ownerId": "P-AFFHEAD",
            "requirement": "补齐廉政风险防控台账",
            "orderedOn": "2024-03-10",
            "dueOn": "2024-06-30",
        }

    @staticmethod
    def risk_post_input(risk_post_id: str, **named: str) -> dict[str, Any]:
        return {
            "id": risk_post_id,
            "unitId": "AFF",
            "level": "HIGH",
            "maxYears": 5,
            "risks": "经手资金",
            "identifiedOn": "2024-01-01",
            **(named or {"role": "STAFF"}),
        }

    @staticmethod
    def decision_input(decision_id: str) -> dict[str, Any]:
        return {
            "id": decision_id,
            "unitId": "AFF",
            "matter": "LARGE_FUND",
            "title": "大额资金使用",
            "decidedOn": "2024-05-10",
            "attendeeIds": ["P-AFFHEAD", "P-STAFF"],
            "speakerIds": ["P-STAFF", "P-AFFHEAD"],
        }

    @staticmethod
    def talk_input(talk_id: str) -> dict[str, Any]:
        return {
            "id": talk_id,
            "kind": "HEART_TO_HEART",
            "talkerId": "P-AFFHEAD",
            "personId": "P-STAFF",
            "unitId": "AFF",
            "heldOn": "2024-05-01",
            "topic": "谈心谈话",
            "record": "了解思想动态，提醒廉洁自律。",
        }

    @staticmethod
    def inquiry_input(inquiry_id: str) -> dict[str, Any]:
        return {
            "id": inquiry_id,
            "personId": "P-STAFF",
            "unitId": "AFF",
            "about": "反映其违规接受宴请",
            "sentOn": "2024-06-03",
        }

    @staticmethod
    def cycle_input(cycle_id: str) -> dict[str, Any]:
        return {
            "id": cycle_id,
            "year": 2024,
            "title": "2024年度党风廉政建设责任制考核",
            "periodFrom": "2024-01-01",
            "periodTo": "2024-12-31",
            "unitIds": ["AFF"],
            "criteria": [{"code": "EDU", "title": "宣传教育", "maxPoints": 30}],
        }


# ---------------------------------------------------------------------- one entry per mutation


@dataclass(frozen=True)
class Entry:
    roles: frozenset[str]
    prepare: Callable[[World], dict[str, Any]]  # a valid input; may set things up as ADMIN
    unit_free: bool = False  # acts on no unit: a unit-scoped token is no narrower than any other


def _new_person(w: World, post: str | None = None) -> str:
    pid = w.fresh("P")
    w.admin("registerPerson", {"id": pid, "name": "孙七"})
    if post:
        w.admin(
            "assumePost", {"personId": pid, "unitId": "AFF", "role": post, "from": "2024-01-01"}
        )
    return pid


def _new_item(w: World) -> str:
    item = w.fresh("IT")
    w.admin("assignResponsibility", w.item_input(item))
    return item


def _new_case(w: World) -> str:
    case = w.fresh("C")
    w.admin("registerCase", w.case_input(case))
    return case


def _new_letter(w: World) -> str:
    letter = w.fresh("L")
    w.admin("issueTaskLetter", w.letter_input(letter))
    return letter


def _new_cycle(w: World) -> str:
    cycle = w.fresh("EV")
    w.admin("openEvaluationCycle", w.cycle_input(cycle))
    return cycle


def _decided_case(w: World) -> str:
    """A case in AFF, concluded, with a decision on it (made once per world)."""
    if not w.decided:
        w.decided = _new_case(w)
        conclusion = {
            "caseId": w.decided,
            "form": "SECOND",
            "decision": "党内警告",
            "on": "2024-05-01",
        }
        w.admin("concludeCase", conclusion)
        decision = {"caseId": w.decided, "personId": "P-LEAD", "measure": "ADMONISHMENT"}
        w.admin("determineAccountability", {**decision, "reason": "失职", "on": "2024-05-02"})
    return w.decided


def _new_rectification(w: World, completed: bool = False) -> str:
    rectification = w.fresh("R")
    w.admin("orderRectification", w.rectification_input(rectification))
    if completed:
        done = {"rectificationId": rectification, "on": "2024-06-01", "evidence": "台账"}
        w.admin("completeRectification", done)
    return rectification


def _new_risk_post(w: World, **named: str) -> str:
    risk_post = w.fresh("RP")
    w.admin("registerRiskPost", w.risk_post_input(risk_post, **named))
    return risk_post


def _new_decision_minutes(w: World) -> str:
    decision = w.fresh("MD")
    w.admin("recordMajorDecision", w.decision_input(decision))
    return decision


def _some_day(w: World) -> str:
    """A different day each call (declarations from the same day restate each other)."""
    return (date(2000, 1, 1) + timedelta(days=next(w.counter))).isoformat()


def _new_talk(w: World) -> str:
    return w.admin("recordTalk", w.talk_input(w.fresh("TK")))["id"]


def _new_inquiry(w: World) -> str:
    return w.admin("sendWrittenInquiry", w.inquiry_input(w.fresh("WI")))["id"]


def _rating_input(person: str) -> dict[str, Any]:
    return {
        "personId": person,
        "year": 2024,
        "rating": "BASICALLY_COMPETENT",
        "unitId": "AFF",
        "ratedOn": "2024-12-20",
    }


def _trigger_input() -> dict[str, Any]:
    return {
        "personId": "P-STAFF",
        "kind": "MAJOR_SETBACK",
        "occurredOn": "2024-05-01",
        "unitId": "AFF",
        "note": "竞聘未成功，情绪低落",
    }


def _finalized_cycle(w: World) -> str:
    cycle = _new_cycle(w)
    w.admin("finalizeEvaluationCycle", {"cycleId": cycle})
    return cycle


def _new_decision(w: World) -> str:
    return w.admin(
        "determineAccountability",
        {
            "caseId": _new_case(w),
            "personId": "P-LEAD",
            "measure": "WRITTEN_REVIEW",
            "reason": "分管领导管理失职",
            "on": "2024-06-01",
        },
    )["id"]


def _scoring_cycle(w: World) -> str:
    """An open cycle for the score mutations, made on first use: its id is not one the
    fuzz draws from, so a fuzzed finalizeEvaluationCycle cannot freeze it."""
    if not w.scoring:
        w.scoring = _new_cycle(w)
    return w.scoring


ENTRIES: dict[str, Entry] = {
    # oversight: findings and their rectification
    "recordFinding": Entry(RECORDING, lambda w: w.finding_input(w.fresh("F"))),
    "orderRectification": Entry(RECORDING, lambda w: w.rectification_input(w.fresh("R"))),
    "reportRectificationProgress": Entry(
        BRANCH_WORK,
        lambda w: {
            "rectificationId": _new_rectification(w),
            "percent": 50,
            "note": "已制定整改方案",
            "on": "2024-04-01",
        },
    ),
    "completeRectification": Entry(
        BRANCH_WORK,
        lambda w: {
            "rectificationId": _new_rectification(w),
            "on": "2024-06-01",
            "evidence": "台账",
        },
    ),
    "reviewRectification": Entry(
        RECORDING,
        lambda w: {
            "rectificationId": _new_rectification(w, completed=True),
            "verdict": "ACCEPT",
            "on": "2024-06-10",
            "opinion": "整改到位",
        },
    ),
    "correctRectification": Entry(
        RECORDING,
        lambda w: {
            "rectificationId": _new_rectification(w),
            "dueOn": "2024-07-31",
            "reason": "期限录入有误",
        },
    ),
    "chooseOverdueRectificationRule": Entry(
        APPRAISING, lambda w: {"cycleId": _scoring_cycle(w), "points": 1.0}
    ),
    "chooseOverdueTalkRule": Entry(
        APPRAISING, lambda w: {"cycleId": _scoring_cycle(w), "points": 0.5}
    ),
    # oversight: risk posts, power controls, 述责述廉
    "registerRiskPost": Entry(RECORDING, lambda w: w.risk_post_input(w.fresh("RP"))),
    "reviseRiskPost": Entry(
        RECORDING,
        lambda w: {
            "riskPostId": _new_risk_post(w),
            "level": "MEDIUM",
            "maxYears": 5,
            "reason": "年度风险评估",
        },
    ),
    "retireRiskPost": Entry(
        RECORDING,
        lambda w: {"riskPostId": _new_risk_post(w), "on": "2024-12-31", "reason": "岗位撤并"},
    ),
    "recordRiskPostHolders": Entry(
        RECORDING,
        lambda w: {
            "riskPostId": _new_risk_post(w, position="出纳"),
            "periods": [{"holderId": "P-STAFF", "from": "2020-01-01"}],
            "reason": "岗位人员台账",
        },
    ),
    "declareUnitFunctions": Entry(
        RECORDING,
        lambda w: {"unitId": "AFF", "functions": ["FINANCE"], "from": _some_day(w)},
    ),
    "recordMajorDecision": Entry(RECORDING, lambda w: w.decision_input(w.fresh("MD"))),
    "correctMajorDecision": Entry(
        RECORDING,
        lambda w: {
            "majorDecisionId": _new_decision_minutes(w),
            "attendeeIds": ["P-AFFHEAD", "P-STAFF"],
            "speakerIds": ["P-AFFHEAD", "P-STAFF"],
            "reason": "据会议记录更正",
        },
    ),
    "fileDutyReport": Entry(
        RECORDING,
        lambda w: {
            "id": w.fresh("DR"),
            "kind": "LEADER",
            "year": 2024,
            "unitId": "AFF",
            "personId": _new_person(w, "TEAM_MEMBER"),
            "reportedOn": "2025-01-15",
            "summary": "述责述廉报告",
        },
    ),
    "registerUnit": Entry(
        RECORDING,
        lambda w: {"id": w.fresh("U"), "name": "纪检室", "kind": "DEPARTMENT", "parentId": "AFF"},
    ),
    "registerPerson": Entry(
        RECORDING, lambda w: {"id": w.fresh("P"), "name": "欧阳娜娜"}, unit_free=True
    ),
    "assumePost": Entry(
        RECORDING,
        lambda w: {
            "personId": _new_person(w),
            "unitId": "AFF",
            "role": "STAFF",
            "from": "2024-01-01",
        },
    ),
    "leavePost": Entry(
        RECORDING,
        lambda w: {
            "personId": _new_person(w, "STAFF"),
            "unitId": "AFF",
            "role": "STAFF",
            "to": "2024-06-30",
        },
    ),
    "correctPost": Entry(
        RECORDING,
        lambda w: {
            "personId": _new_person(w, "STAFF"),
            "unitId": "AFF",
            "role": "STAFF",
            "originalFrom": "2024-01-01",
            "from": "2024-02-01",
            "reason": "任职文件日期更正",
        },
    ),
    "assignResponsibility": Entry(RECORDING, lambda w: w.item_input(w.fresh("IT"))),
    "transferResponsibility": Entry(
        RECORDING,
        lambda w: {"itemId": _new_item(w), "toHolderId": "P-PRIN", "effective": "2024-07-01"},
    ),
    "endResponsibility": Entry(
        RECORDING, lambda w: {"itemId": _new_item(w), "validTo": "2024-12-31"}
    ),
    "correctResponsibility": Entry(
        RECORDING,
        lambda w: {
            "itemId": _new_item(w),
            "periods": [{"holderId": "P-LEAD", "from": "2021-01-01"}],
            "reason": "分工文件更正",
        },
    ),
    "issueTaskLetter": Entry(RECORDING, lambda w: w.letter_input(w.fresh("L"))),
    "withdrawTaskLetter": Entry(
        RECORDING,
        lambda w: {"letterId": _new_letter(w), "on": "2024-03-01", "reason": "重复发文"},
    ),
    "acknowledgeTaskLetter": Entry(
        BRANCH_WORK,
        lambda w: {"letterId": _new_letter(w), "personId": "P-HEAD", "on": "2024-02-10"},
    ),
    "reportTaskProgress": Entry(
        BRANCH_WORK,
        lambda w: {
            "letterId": "L-1",
            "taskId": "T1",
            "percent": min(next(w.counter), 99),
            "note": "已召开专题会",
            "on": "2024-05-01",
        },
    ),
    "correctTaskProgress": Entry(
        BRANCH_WORK,
        lambda w: {
            "letterId": "L-1",
            "taskId": "T2",
            "percent": next(w.counter) % 90 + 1,
            "reason": "进度填报有误",
        },
    ),
    "completeTask": Entry(
        BRANCH_WORK,
        lambda w: {
            "letterId": _new_letter(w),
            "taskId": "T1",
            "on": "2024-06-01",
            "evidence": "会议纪要",
        },
    ),
    "openEvaluationCycle": Entry(APPRAISING, lambda w: w.cycle_input(w.fresh("EV"))),
    "recordScore": Entry(
        APPRAISING,
        lambda w: {
            "cycleId": _scoring_cycle(w),
            "unitId": "AFF",
            "criterion": "EDU",
            "points": float(next(w.counter) % 30),
        },
    ),
    "deductScore": Entry(
        APPRAISING,
        lambda w: {
            "cycleId": _scoring_cycle(w),
            "unitId": "AFF",
            "points": 1.5,
            "reason": "台账不全",
        },
    ),
    "addBonus": Entry(
        APPRAISING,
        lambda w: {
            "cycleId": _scoring_cycle(w),
            "unitId": "AFF",
            "points": 1.0,
            "reason": "经验做法被推广",
        },
    ),
    "applyVeto": Entry(
        APPRAISING,
        lambda w: {
            "cycleId": _scoring_cycle(w),
            "unitId": "AFF",
            "reason": "班子成员违纪",
            "caseId": "C-1",
        },
    ),
    "finalizeEvaluationCycle": Entry(APPRAISING, lambda w: {"cycleId": _new_cycle(w)}),
    "registerCase": Entry(RECORDING, lambda w: w.case_input(w.fresh("C"))),
    "concludeCase": Entry(
        RECORDING,
        lambda w: {
            "caseId": _new_case(w),
            "form": "SECOND",
            "decision": "党内警告",
            "on": "2024-06-01",
        },
    ),
    "correctCase": Entry(
        RECORDING,
        lambda w: {
            "caseId": _new_case(w),
            "unitId": "AFF",
            "factsOn": "2024-02-01",
            "reason": "违纪事实发生时间更正",
        },
    ),
    "determineOrganisationAccountability": Entry(
        RECORDING,
        lambda w: {
            "caseId": _new_case(w),
            "unitId": "AFF",
            "measure": "CIRCULATED_CRITICISM",
            "reason": "党组织履行主体责任不力",
            "on": "2024-06-01",
        },
    ),
    "revokeAccountability": Entry(
        RECORDING,
        lambda w: {"decisionId": _new_decision(w), "reason": "复查后撤销", "on": "2024-07-01"},
    ),
    "reviewEvaluationResult": Entry(
        APPRAISING,
        lambda w: {"cycleId": _finalized_cycle(w), "unitId": "AFF", "reason": "结案后复核"},
    ),
    "determineAccountability": Entry(
        RECORDING,
        lambda w: {
            "caseId": "C-1",
            "personId": "P-LEAD",
            "measure": "WRITTEN_REVIEW",
            "reason": "分管领导管理失职",
            "on": "2024-06-01",
        },
    ),
    # talks, written inquiries, 六必谈
    "recordTalk": Entry(RECORDING, lambda w: w.talk_input(w.fresh("TK"))),
    "correctTalk": Entry(
        RECORDING,
        lambda w: {
            "talkId": _new_talk(w),
            "kind": "REMINDER",
            "talkerId": "P-AFFHEAD",
            "heldOn": "2024-05-02",
            "topic": "提醒谈话",
            "record": "更正谈话记录",
            "reason": "谈话日期录入有误",
        },
    ),
    "retractTalk": Entry(RECORDING, lambda w: {"talkId": _new_talk(w), "reason": "误录"}),
    "recordPersonalRating": Entry(RECORDING, lambda w: _rating_input(_new_person(w, "STAFF"))),
    "correctPersonalRating": Entry(
        RECORDING,
        lambda w: {
            "ratingId": w.admin("recordPersonalRating", _rating_input(_new_person(w, "STAFF")))[
                "id"
            ],
            "rating": "COMPETENT",
            "reason": "考核结果复核更正",
        },
    ),
    "recordTalkTrigger": Entry(RECORDING, lambda w: _trigger_input()),
    "retractTalkTrigger": Entry(
        RECORDING,
        lambda w: {
            "triggerId": w.admin("recordTalkTrigger", _trigger_input())["id"],
            "reason": "误录",
        },
    ),
    "sendWrittenInquiry": Entry(RECORDING, lambda w: w.inquiry_input(w.fresh("WI"))),
    "recordInquiryReply": Entry(
        RECORDING,
        lambda w: {"inquiryId": _new_inquiry(w), "on": "2024-06-10", "summary": "本人说明情况"},
    ),
    "concludeWrittenInquiry": Entry(
        RECORDING,
        lambda w: {
            "inquiryId": _new_inquiry(w),
            "outcome": "CLOSED",
            "on": "2024-06-30",
            "note": "予以了结",
        },
    ),
}


def expected_code(entry: Entry, role: str, kind: str) -> str | None:
    """None: the call must succeed; else the code it must be refused with."""
    if role not in entry.roles:
        return "FORBIDDEN"
    if kind == "unscoped":
        return "FORBIDDEN" if role in UNIT_BOUND_ROLES else None
    if kind == "out-of-scope" and not entry.unit_free:
        return "FORBIDDEN"
    return None


def token_for(gql: GraphQLClient, role: str, kind: str) -> tuple[str, str]:
    subject = f"{role.lower()}-{kind}"
    units = {"unscoped": None, "in-scope": IN_SCOPE, "out-of-scope": OUT_OF_SCOPE}[kind]
    return gql.token(role, subject, units), subject


# ---------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def world(request, tmp_path_factory) -> Iterator[World]:
    with served_ledger(request.param, tmp_path_factory.mktemp(request.param)) as gql:
        yield World(gql).build()


# ---------------------------------------------------------------------- the table itself


def test_every_mutation_in_the_schema_has_a_matrix_entry_and_a_permission_row():
    in_schema = set(mutation_fields())
    assert in_schema == set(ENTRIES), (
        f"without a matrix entry: {sorted(in_schema - set(ENTRIES))}; "
        f"entries for no mutation: {sorted(set(ENTRIES) - in_schema)}"
    )
    assert in_schema == set(MUTATION_ROLES), (
        f"not in MUTATION_ROLES: {sorted(in_schema - set(MUTATION_ROLES))}; "
        f"rows for no mutation: {sorted(set(MUTATION_ROLES) - in_schema)}"
    )
    for name, entry in ENTRIES.items():
        assert MUTATION_ROLES[name] == entry.roles, name


def test_the_permission_table_keeps_the_design_rules():
    writers = set().union(*MUTATION_ROLES.values())
    assert writers <= set(ROLES)
    assert "INSPECTOR" not in writers and "VIEWER" not in writers  # they write nothing
    branch = {m for m, roles in MUTATION_ROLES.items() if "BRANCH" in roles}
    assert branch == {
        "acknowledgeTaskLetter",
        "reportTaskProgress",
        "completeTask",
        "correctTaskProgress",
        "reportRectificationProgress",
        "completeRectification",
    }


def test_every_mutation_takes_one_input_object():
    for name, f in mutation_fields().items():
        assert list(f.args) == ["input"], name
        assert isinstance(f.args["input"].type, GraphQLNonNull), name


# ---------------------------------------------------------------------- reads
# For each query: its arguments in the fixture world, the roles that may read it, and what
# a token limited to units gets. "single": one object that belongs to a unit (refused
# outside the token's units); "list": filtered to the token's units; "whole": about the
# whole log (tokens limited to units are refused). The world: AFF holds the affiliated
# unit, its branch ZB, the case C-1, the letter L-1 (to ZB), the cycle EV-1.

EVERYONE = frozenset(ROLES)
PERSONAL = frozenset({"ADMIN", "INSPECTOR", "RECORDER", "APPRAISER"})
ACCESS_LOG = frozenset({"ADMIN", "INSPECTOR"})


@dataclass(frozen=True)
class Read:
    arguments: str
    roles: frozenset[str]
    scoping: str  # single | list | whole


READS_EXPECTED: dict[str, Read] = {
    "verifyLedger": Read("", RAW_READERS, "whole"),
    "treeHead": Read("", RAW_READERS, "whole"),
    "consistencyProof": Read("(firstSize: 1)", RAW_READERS, "whole"),
    "inclusionProof": Read("(position: 2)", RAW_READERS, "single"),  # AFF's registration
    "unit": Read('(id: "AFF")', EVERYONE, "single"),
    "units": Read("", EVERYONE, "list"),
    "person": Read('(id: "P-AFFHEAD")', EVERYONE, "single"),
    "responsibilityList": Read('(personId: "P-AFFHEAD")', EVERYONE, "single"),
    "taskLetter": Read('(id: "L-1")', EVERYONE, "single"),
    "taskLetters": Read("", EVERYONE, "list"),
    "responsibilityTransmission": Read('(rootUnitId: "AFF")', EVERYONE, "single"),
    "evaluationCycle": Read('(id: "EV-1")', EVERYONE, "single"),
    "evaluationCycles": Read("", EVERYONE, "list"),
    "evaluationResult": Read('(cycleId: "EV-1", unitId: "AFF")', EVERYONE, "single"),
    "case": Read('(id: "C-1")', EVERYONE, "single"),
    "cases": Read("", EVERYONE, "list"),
    "accountabilityChain": Read('(caseId: "C-1")', PERSONAL, "single"),
    "caseStatistics": Read('(rootUnitId: "AFF")', EVERYONE, "single"),
    "history": Read('(entityId: "AFF")', RAW_READERS, "list"),
    "events": Read("", RAW_READERS, "list"),
    "labels": Read("", EVERYONE, "list"),
    "accessLog": Read("", ACCESS_LOG, "whole"),  # every unit's reads: unscoped tokens only
    # oversight: F-1 is a finding at AFF, R-1 its order
    "finding": Read('(id: "F-1")', EVERYONE, "single"),
    "findings": Read('(unitId: "AFF")', EVERYONE, "list"),
    "rectifications": Read('(unitId: "AFF")', EVERYONE, "list"),
    # RP-1 a risk post at AFF, MD-1 a decision at AFF
    "riskPost": Read('(id: "RP-1")', EVERYONE, "single"),
    "riskPosts": Read('(unitId: "AFF")', EVERYONE, "list"),
    "rotationDue": Read('(unitId: "AFF")', EVERYONE, "list"),
    "unitFunctions": Read('(unitId: "AFF")', EVERYONE, "single"),
    "principalOversight": Read('(unitId: "AFF")', EVERYONE, "list"),
    "majorDecision": Read('(id: "MD-1")', EVERYONE, "single"),
    "majorDecisions": Read('(unitId: "AFF")', EVERYONE, "list"),
    "dutyReports": Read('(unitId: "AFF")', EVERYONE, "list"),
    "missingDutyReports": Read('(year: 2024, unitId: "AFF")', EVERYONE, "list"),
    "talk": Read('(id: "TK-1")', PERSONAL, "single"),
    "talks": Read("", PERSONAL, "list"),
    "talkObligations": Read("", PERSONAL, "list"),
    "talkFile": Read('(personId: "P-STAFF")', PERSONAL, "single"),
    "writtenInquiry": Read('(id: "WI-1")', PERSONAL, "single"),
    "writtenInquiries": Read("", PERSONAL, "list"),
    "talkObligationSummary": Read('(rootUnitId: "AFF")', EVERYONE, "single"),
    "fourForms": Read(
        '(rootUnitId: "AFF", from: "2024-01-01", to: "2024-12-31")', EVERYONE, "single"
    ),
}


def read_document(name: str) -> str:
    f = query_fields()[name]
    selection = "" if not hasattr(get_named_type(f.type), "fields") else " { __typename }"
    return f"query Reads {{ {name}{READS_EXPECTED[name].arguments}{selection} }}"


def expected_read(read: Read, role: str, kind: str) -> str:
    """ "data" or the code the read must be refused with."""
    if role not in read.roles:
        return "FORBIDDEN"
    if kind != "unscoped" and read.scoping == "whole":
        return "FORBIDDEN"
    if kind == "out-of-scope" and read.scoping == "single":
        return "FORBIDDEN"
    return "data"


def test_every_query_in_the_schema_has_a_read_entry():
    in_schema = set(query_fields())
    assert in_schema == set(READS_EXPECTED), (
        f"without a read entry: {sorted(in_schema - set(READS_EXPECTED))}; "
        f"entries for no query: {sorted(set(READS_EXPECTED) - in_schema)}"
    )


@pytest.mark.parametrize("query", sorted(query_fields()))
def test_read_matrix(world: World, query: str):
    """Every query × every role × unscoped, in-scope and out-of-scope tokens.

    Runs before the mutation matrix, on the world as built."""
    read = READS_EXPECTED.get(query)
    assert read is not None, f"{query} has no read entry: add one to READS_EXPECTED"
    gql, problems = world.gql, []
    head = gql.head()
    for role, kind in itertools.product(ROLES, TOKEN_KINDS):
        token, _ = token_for(gql, role, kind)
        body = gql.post(read_document(query), token=token)
        codes = [e.get("extensions", {}).get("code") for e in body.get("errors") or []]
        expected = expected_read(read, role, kind)
        if expected == "data" and codes:
            problems.append(f"{role}/{kind}: expected data, got {body['errors']}")
        if expected != "data" and codes != [expected]:
            problems.append(f"{role}/{kind}: expected {expected}, got {codes or body.get('data')}")
    assert gql.head() == head, "a read appended events"
    assert not problems, f"{query}:\n  " + "\n  ".join(problems)


# Fields that carry personal case data: who may see them, what the others get.
PERSONAL_FIELDS = {
    "subject { id }": "null",
    "summary": "null",
    "decision": "null",
    "accountabilityChain { links { kind } }": "FORBIDDEN",
    "decisions { id }": "FORBIDDEN",
}


def test_the_permission_table_marks_exactly_these_fields_personal():
    from ledger.permissions import READS

    marked = {c for c, rule in READS.items() if rule.personal}
    assert marked == {
        "Case.subject",
        "Case.summary",
        "Case.decision",
        "Case.subjectRank",
        "Case.accountabilityChain",
        "Case.decisions",
        "Query.accountabilityChain",
        "Recusal.reason",
        "DutyReport.summary",
        "Query.talk",
        "Query.talks",
        "Query.talkObligations",
        "Query.talkFile",
        "Query.writtenInquiry",
        "Query.writtenInquiries",
    }


@pytest.mark.parametrize("field_", sorted(PERSONAL_FIELDS))
def test_personal_case_data_by_role(world: World, field_: str):
    """A case's subject, summary, decision, chain and decisions: ADMIN, INSPECTOR, RECORDER
    and APPRAISER see them (within their units), VIEWER and BRANCH never."""
    gql, problems = world.gql, []
    case_id = _decided_case(world)
    document = f'query Personal {{ case(id: "{case_id}") {{ id {field_} }} }}'
    for role, kind in itertools.product(ROLES, ("unscoped", "in-scope")):
        token, _ = token_for(gql, role, kind)
        body = gql.post(document, token=token)
        codes = [e.get("extensions", {}).get("code") for e in body.get("errors") or []]
        value = ((body.get("data") or {}).get("case") or {}).get(field_.split()[0])
        if role in PERSONAL:
            if codes or value is None:
                problems.append(f"{role}/{kind}: expected the data, got {body}")
        elif PERSONAL_FIELDS[field_] == "null":
            if codes or value is not None or body["data"]["case"]["id"] != case_id:
                problems.append(f"{role}/{kind}: expected null, got {body}")
        elif codes != ["FORBIDDEN"]:
            problems.append(f"{role}/{kind}: expected FORBIDDEN, got {body}")
    assert not problems, f"{field_}:\n  " + "\n  ".join(problems)


# ---------------------------------------------------------------------- the matrix


@pytest.mark.parametrize("mutation", sorted(mutation_fields()))
def test_permission_matrix(world: World, mutation: str):
    gql = world.gql
    entry = ENTRIES.get(mutation)
    assert entry is not None, f"{mutation} has no matrix entry: add one to ENTRIES"
    document = mutation_document(mutation)
    cases = [
        (role, kind, expected_code(entry, role, kind)) for role in ROLES for kind in TOKEN_KINDS
    ]
    assert any(code is None for *_, code in cases), f"nobody may call {mutation}"
    refusals = [c for c in cases if c[2] is not None]
    successes = [c for c in cases if c[2] is None]
    problems: list[str] = []

    input_ = entry.prepare(world)
    for role, kind, code in refusals:
        token, _ = token_for(gql, role, kind)
        head = gql.head()
        body = gql.post(document, {"input": input_}, token=token)
        got = [e.get("extensions", {}).get("code") for e in body.get("errors") or []]
        if got != [code] or body.get("data") is not None:
            problems.append(f"{role}/{kind}: expected {code}, got {got or body.get('data')}")
        if gql.head() != head:
            problems.append(f"{role}/{kind}: refused, yet the log moved {head} -> {gql.head()}")

    for n, (role, kind, _) in enumerate(successes):
        if n:
            input_ = entry.prepare(world)  # the previous success used the input up
        token, subject = token_for(gql, role, kind)
        head = gql.head()
        body = gql.post(document, {"input": input_}, token=token)
        if body.get("errors"):
            problems.append(f"{role}/{kind}: expected success, got {body['errors']}")
            if gql.head() != head:
                problems.append(f"{role}/{kind}: refused, yet the log moved")
            continue
        position = body["data"][mutation]["position"]
        if not head < position <= gql.head():
            problems.append(f"{role}/{kind}: succeeded at {position}, log {head} -> {gql.head()}")
        events = gql.data(
            "query($after: Int!) { events(after: $after, first: 500) { events { position actor } } }",
            {"after": head},
        )["events"]["events"]
        actors = {e["actor"] for e in events}
        if not events or actors != {subject}:
            problems.append(f"{role}/{kind}: events {head}.. recorded by {actors}, not {subject}")

    assert not problems, f"{mutation}:\n  " + "\n  ".join(problems)


def test_two_items_of_one_kind_starting_the_same_day_do_not_break_the_chain(world: World):
    """Found by the read matrix run after the mutation matrix: the chain sorted (from, to)
    spans and compared a date with None."""
    a, b = world.fresh("IT"), world.fresh("IT")
    case = world.fresh("C")
    world.admin("assignResponsibility", {**world.item_input(a), "validFrom": "2020-05-05"})
    world.admin(
        "assignResponsibility",
        {**world.item_input(b), "validFrom": "2020-05-05", "validTo": "2030-12-31"},
    )
    world.admin("registerCase", world.case_input(case))
    body = world.gql.post(
        "query($c: ID!) { accountabilityChain(caseId: $c) { links { kind } } }", {"c": case}
    )
    assert not body.get("errors"), body["errors"]
