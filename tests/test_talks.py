"""Talks, 六必谈 obligations, written inquiries (函询) and the four forms, through HTTP on both
stores.

The world: organ ORG with a department DEP and an affiliated unit AFF. K (纪委书记 of ORG since
2020) holds the talks. A is a new cadre in DEP from 2024-03-01; B has been STAFF in DEP since
2020 and moves to AFF as its head on 2024-07-01. Talks are due 30 days after they arise.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from conftest import TEST_SECRET, GraphQLClient, fresh_store
from scenario import ASSUME_POST, CORRECT_POST, LEAVE_POST, REGISTER_PERSON, REGISTER_UNIT
from starlette.testclient import TestClient

from ledger.api.app import create_app
from ledger.service import Ledger
from ledger.settings import Settings

RECORD_TALK = """mutation($id: ID!, $p: ID!, $u: ID!, $on: Date!, $kind: TalkKind = HEART_TO_HEART,
                   $ob: ID, $case: ID, $inq: ID, $talker: ID! = "K") {
  recordTalk(input: {id: $id, kind: $kind, talkerId: $talker, personId: $p, unitId: $u, heldOn: $on,
    topic: "任职谈话", record: "谈了廉洁自律要求，本人表示接受。", obligationId: $ob, caseId: $case,
    inquiryId: $inq}) { id position }
}"""
CORRECT_TALK = """mutation($id: ID!, $on: Date!, $ob: ID) {
  correctTalk(input: {talkId: $id, kind: REMINDER, talkerId: "K", heldOn: $on, topic: "提醒谈话",
    record: "更正后的记录", reason: "谈话日期录入有误", obligationId: $ob}) { id position }
}"""
RETRACT_TALK = """mutation($id: ID!) {
  retractTalk(input: {talkId: $id, reason: "误录"}) { id position }
}"""
OBLIGATIONS = """query($unit: ID, $p: ID, $status: TalkObligationStatus, $asOf: Date, $knownAt: DateTime,
                      $first: Int, $after: String) {
  talkObligations(unitId: $unit, personId: $p, status: $status, asOf: $asOf, knownAt: $knownAt,
                  first: $first, after: $after) {
    obligations { id reason status aroseOn dueOn metOn metBy person { id } unit { id } source }
    pageInfo { endCursor hasNextPage }
  }
}"""
RATING = """mutation($p: ID!, $year: Int!, $rating: PersonalRating!, $u: ID!, $on: Date!) {
  recordPersonalRating(input: {personId: $p, year: $year, rating: $rating, unitId: $u, ratedOn: $on})
  { id position }
}"""
CORRECT_RATING = """mutation($id: ID!, $rating: PersonalRating!) {
  correctPersonalRating(input: {ratingId: $id, rating: $rating, reason: "考核结果复核更正"}) { id position }
}"""
TRIGGER = """mutation($p: ID!, $kind: TalkTriggerKind!, $on: Date!, $u: ID!) {
  recordTalkTrigger(input: {personId: $p, kind: $kind, occurredOn: $on, unitId: $u, note: "家属重病住院"})
  { id position }
}"""
RETRACT_TRIGGER = """mutation($id: ID!) {
  retractTalkTrigger(input: {triggerId: $id, reason: "误录"}) { id position }
}"""
SEND = """mutation($id: ID!, $p: ID!, $u: ID!, $on: Date!, $due: Date) {
  sendWrittenInquiry(input: {id: $id, personId: $p, unitId: $u, about: "反映其违规接受宴请", sentOn: $on,
    replyDue: $due}) { id position }
}"""
REPLY = """mutation($id: ID!, $on: Date!) {
  recordInquiryReply(input: {inquiryId: $id, on: $on, summary: "本人说明情况，未参加宴请"}) { id position }
}"""
CONCLUDE = """mutation($id: ID!, $on: Date!, $outcome: InquiryOutcome = ACCEPTED) {
  concludeWrittenInquiry(input: {inquiryId: $id, outcome: $outcome, on: $on, note: "采信说明，予以了结"})
  { id position }
}"""
INQUIRIES = """query($status: WrittenInquiryStatus, $overdue: Boolean, $asOf: Date, $knownAt: DateTime) {
  writtenInquiries(status: $status, replyOverdue: $overdue, asOf: $asOf, knownAt: $knownAt) {
    inquiries { id status replyDue repliedOn replyOverdue outcome concludedOn person { id } }
  }
}"""
FOUR_FORMS = """query($root: ID!, $from: Date!, $to: Date!, $knownAt: DateTime) {
  fourForms(rootUnitId: $root, from: $from, to: $to, knownAt: $knownAt) {
    total forms { form count share talks inquiries cases } talksByKind { kind count }
  }
}"""
ACCESS = """query($entity: ID) { accessLog(entityId: $entity) { records { actor operation entityIds } } }"""


@pytest.fixture
def world(gql):
    for uid, kind, parent in [
        ("ORG", "ORGAN", None),
        ("DEP", "DEPARTMENT", "ORG"),
        ("AFF", "AFFILIATED_UNIT", "ORG"),
    ]:
        gql.data(REGISTER_UNIT, {"id": uid, "name": uid, "kind": kind, "parentId": parent})
    for pid, unit, role, start in [
        ("K", "ORG", "DISCIPLINE_SECRETARY", "2020-01-01"),
        ("A", "DEP", "STAFF", "2024-03-01"),
        ("B", "DEP", "STAFF", "2020-01-01"),
    ]:
        gql.data(REGISTER_PERSON, {"id": pid, "name": f"姓名{pid}"})
        gql.data(ASSUME_POST, {"p": pid, "u": unit, "role": role, "from": start})
    gql.data(LEAVE_POST, {"p": "B", "u": "DEP", "role": "STAFF", "to": "2024-06-30"})
    gql.data(ASSUME_POST, {"p": "B", "u": "AFF", "role": "UNIT_HEAD", "from": "2024-07-01"})
    return gql


def obligations(gql, **variables) -> list[dict]:
    return gql.data(OBLIGATIONS, variables)["talkObligations"]["obligations"]


def of(gql, person: str, as_of: str, known_at: str | None = None) -> list[tuple]:
    found = obligations(gql, p=person, asOf=as_of, knownAt=known_at)
    return [(o["reason"], o["aroseOn"], o["status"]) for o in found]


# ---------------------------------------------------------------------- 六必谈 from posts


def test_posts_owe_new_cadre_and_post_change_talks_due_thirty_days_later(world):
    assert of(world, "A", "2024-03-31") == [("NEW_CADRE", "2024-03-01", "OPEN")]
    assert of(world, "A", "2024-04-01") == [("NEW_CADRE", "2024-03-01", "OVERDUE")]
    assert of(world, "A", "2024-02-29") == [], "not owed before it arises"
    assert of(world, "B", "2024-12-31") == [
        ("NEW_CADRE", "2020-01-01", "OVERDUE"),
        ("POST_CHANGE", "2024-07-01", "OVERDUE"),
    ]
    [change] = obligations(world, p="B", asOf="2024-07-01", status="OPEN")
    assert change["id"] == "B/POST_CHANGE/2024-07-01" and change["unit"] == {"id": "AFF"}
    assert change["dueOn"] == "2024-07-31" and change["source"] == "AFF:UNIT_HEAD"


def test_a_talk_naming_the_obligation_meets_it_from_the_day_held(world):
    world.data(
        RECORD_TALK,
        {"id": "T1", "p": "A", "u": "DEP", "on": "2024-04-10", "ob": "A/NEW_CADRE/2024-03-01"},
    )
    assert of(world, "A", "2024-04-09") == [("NEW_CADRE", "2024-03-01", "OVERDUE")]
    [done] = obligations(world, p="A", asOf="2024-04-10")
    assert (done["status"], done["metOn"], done["metBy"]) == ("DONE", "2024-04-10", "T1")
    before = obligations(world, p="A", asOf="2024-04-09")[0]
    assert before["metOn"] is None and before["metBy"] is None, "not yet known as of the day before"


def test_any_talk_with_the_person_after_it_arose_meets_it(world):
    world.data(RECORD_TALK, {"id": "T1", "p": "B", "u": "AFF", "on": "2024-07-20"})
    assert of(world, "B", "2024-12-31") == [
        ("NEW_CADRE", "2020-01-01", "DONE"),
        ("POST_CHANGE", "2024-07-01", "DONE"),
    ]


def test_a_correction_of_a_post_that_removes_an_obligation_and_the_answer_known_before(
    world, record_clock
):
    """A's second post was recorded as starting in May (a change of post, a talk due); the
    correction says it began with the first one: no change, no talk owed for it."""
    world.data(ASSUME_POST, {"p": "A", "u": "AFF", "role": "STAFF", "from": "2024-05-01"})
    assert of(world, "A", "2024-06-15") == [
        ("NEW_CADRE", "2024-03-01", "OVERDUE"),
        ("POST_CHANGE", "2024-05-01", "OVERDUE"),
    ]
    before = record_clock.between()
    world.data(
        CORRECT_POST,
        {
            "p": "A",
            "u": "AFF",
            "role": "STAFF",
            "orig": "2024-05-01",
            "from": "2024-03-01",
            "to": None,
            "reason": "任职文件日期更正",
        },
    )
    assert of(world, "A", "2024-06-15") == [("NEW_CADRE", "2024-03-01", "OVERDUE")]
    assert of(world, "A", "2024-06-15", known_at=before) == [
        ("NEW_CADRE", "2024-03-01", "OVERDUE"),
        ("POST_CHANGE", "2024-05-01", "OVERDUE"),
    ]


def test_a_correction_that_moves_a_post_moves_its_obligation(world, record_clock):
    before = record_clock.between()
    world.data(
        CORRECT_POST,
        {
            "p": "B",
            "u": "AFF",
            "role": "UNIT_HEAD",
            "orig": "2024-07-01",
            "from": "2024-08-01",
            "to": None,
            "reason": "任职文件日期更正",
        },
    )
    assert [o["id"] for o in obligations(world, p="B", asOf="2024-12-31")] == [
        "B/NEW_CADRE/2020-01-01",
        "B/POST_CHANGE/2024-08-01",
    ]
    assert [o["dueOn"] for o in obligations(world, p="B", asOf="2024-12-31", knownAt=before)] == [
        "2020-01-31",
        "2024-07-31",
    ]


# ---------------------------------------------------------------------- ratings and triggers


def test_a_low_rating_owes_a_talk_until_it_is_corrected(world, record_clock):
    rating = world.data(
        RATING,
        {"p": "B", "year": 2024, "rating": "BASICALLY_COMPETENT", "u": "AFF", "on": "2025-01-15"},
    )["recordPersonalRating"]
    assert rating["id"] == "B/R2024"
    assert ("LOW_RATING", "2025-01-15", "OPEN") in of(world, "B", "2025-02-14")
    assert ("LOW_RATING", "2025-01-15", "OVERDUE") in of(world, "B", "2025-02-15")
    before = record_clock.between()
    world.data(CORRECT_RATING, {"id": "B/R2024", "rating": "COMPETENT"})
    assert [r for r, *_ in of(world, "B", "2025-03-01")] == ["NEW_CADRE", "POST_CHANGE"]
    assert "LOW_RATING" in [r for r, *_ in of(world, "B", "2025-03-01", known_at=before)]
    head = world.head()
    again = {"p": "B", "year": 2024, "rating": "COMPETENT", "u": "AFF", "on": "2025-01-15"}
    assert world.error_code(RATING, again) == "CONFLICT" and world.head() == head


def test_a_trigger_owes_a_talk_and_its_retraction_takes_it_back(world, record_clock):
    trigger = world.data(
        TRIGGER, {"p": "A", "kind": "FAMILY_CHANGE", "on": "2024-09-01", "u": "DEP"}
    )["recordTalkTrigger"]["id"]
    assert ("FAMILY_CHANGE", "2024-09-01", "OPEN") in of(world, "A", "2024-09-02")
    before = record_clock.between()
    world.data(RETRACT_TRIGGER, {"id": trigger})
    assert [r for r, *_ in of(world, "A", "2024-09-02")] == ["NEW_CADRE"]
    assert "FAMILY_CHANGE" in [r for r, *_ in of(world, "A", "2024-09-02", known_at=before)]
    assert world.error_code(RETRACT_TRIGGER, {"id": trigger}) == "CONFLICT"
    assert world.error_code(RETRACT_TRIGGER, {"id": "A/T999"}) == "NOT_FOUND"


# ---------------------------------------------------------------------- corrections of talks


def test_a_corrected_or_retracted_talk_moves_what_it_met(world, record_clock):
    world.data(RECORD_TALK, {"id": "T1", "p": "A", "u": "DEP", "on": "2024-03-20"})
    assert of(world, "A", "2024-04-15") == [("NEW_CADRE", "2024-03-01", "DONE")]
    world.data(CORRECT_TALK, {"id": "T1", "on": "2024-04-20"})
    assert of(world, "A", "2024-04-15") == [("NEW_CADRE", "2024-03-01", "OVERDUE")]
    talk = world.data('{ talk(id: "T1") { kind heldOn topic note retracted } }')["talk"]
    assert talk == {
        "kind": "REMINDER",
        "heldOn": "2024-04-20",
        "topic": "提醒谈话",
        "note": "谈话日期录入有误",
        "retracted": False,
    }
    before = record_clock.between()
    world.data(RETRACT_TALK, {"id": "T1"})
    assert of(world, "A", "2024-12-31") == [("NEW_CADRE", "2024-03-01", "OVERDUE")]
    assert of(world, "A", "2024-12-31", known_at=before) == [("NEW_CADRE", "2024-03-01", "DONE")]
    assert world.data('{ talk(id: "T1") { retracted } }')["talk"] == {"retracted": True}
    assert world.data("{ talks { talks { id } } }")["talks"]["talks"] == []
    head = world.head()
    assert world.error_code(CORRECT_TALK, {"id": "T1", "on": "2024-04-21"}) == "CONFLICT"
    assert world.error_code(RETRACT_TALK, {"id": "T1"}) == "CONFLICT"
    assert world.head() == head


# ---------------------------------------------------------------------- bad input


TALK_REFUSALS = [
    ("an unknown person", {"p": "NOBODY"}, "NOT_FOUND"),
    ("an unknown talker", {"talker": "NOBODY"}, "NOT_FOUND"),
    ("an unknown unit", {"u": "NOWHERE"}, "NOT_FOUND"),
    ("an unknown case", {"case": "NO-CASE"}, "NOT_FOUND"),
    ("an obligation not owed", {"ob": "A/POST_CHANGE/2024-03-01"}, "NOT_FOUND"),
    ("another person's obligation", {"ob": "B/NEW_CADRE/2020-01-01"}, "BAD_INPUT"),
    ("a day before the person's first post", {"on": "2024-02-29"}, "BAD_INPUT"),
    ("a day in the future", {"on": "2099-01-01"}, "BAD_INPUT"),
    ("a unit where they held no post then", {"u": "AFF"}, "BAD_INPUT"),
    ("a talk with oneself", {"talker": "A"}, "BAD_INPUT"),
    ("a malformed day", {"on": "2024-02-30"}, "BAD_INPUT"),
]


@pytest.mark.parametrize("why,change,code", TALK_REFUSALS, ids=[r[0] for r in TALK_REFUSALS])
def test_talk_refusals_append_nothing(world, why, change, code):
    head = world.head()
    talk = {"id": "T-BAD", "p": "A", "u": "DEP", "on": "2024-04-01", **change}
    assert world.error_code(RECORD_TALK, talk) == code
    assert world.head() == head


def test_a_talk_id_is_used_once(world):
    world.data(RECORD_TALK, {"id": "T1", "p": "A", "u": "DEP", "on": "2024-04-01"})
    head = world.head()
    assert (
        world.error_code(RECORD_TALK, {"id": "T1", "p": "A", "u": "DEP", "on": "2024-04-02"})
        == "CONFLICT"
    )
    assert world.head() == head


# ---------------------------------------------------------------------- 函询


def test_an_inquiry_is_due_in_fifteen_working_days_and_its_late_reply_shows(world):
    # sent on Monday 3 June 2024: due on Monday 24 June (three weekends skipped)
    world.data(SEND, {"id": "WI-1", "p": "A", "u": "DEP", "on": "2024-06-03"})
    [sent] = world.data(INQUIRIES, {"asOf": "2024-06-24"})["writtenInquiries"]["inquiries"]
    assert (sent["status"], sent["replyDue"], sent["replyOverdue"]) == ("SENT", "2024-06-24", False)
    overdue = world.data(INQUIRIES, {"asOf": "2024-06-25", "overdue": True})
    assert [i["id"] for i in overdue["writtenInquiries"]["inquiries"]] == ["WI-1"]
    world.data(REPLY, {"id": "WI-1", "on": "2024-06-26"})
    [late] = world.data(INQUIRIES, {"asOf": "2024-06-26"})["writtenInquiries"]["inquiries"]
    assert (late["status"], late["repliedOn"], late["replyOverdue"]) == (
        "REPLIED",
        "2024-06-26",
        True,
    )
    [then] = world.data(INQUIRIES, {"asOf": "2024-06-25"})["writtenInquiries"]["inquiries"]
    assert (then["status"], then["repliedOn"]) == ("SENT", None), "the reply is not in yet then"
    world.data(CONCLUDE, {"id": "WI-1", "on": "2024-07-05"})
    concluded = world.data(INQUIRIES, {"status": "CONCLUDED", "asOf": "2024-07-05"})
    [done] = concluded["writtenInquiries"]["inquiries"]
    assert (done["outcome"], done["concludedOn"]) == ("ACCEPTED", "2024-07-05")
    assert (
        world.data(INQUIRIES, {"status": "CONCLUDED", "asOf": "2024-07-04"})["writtenInquiries"][
            "inquiries"
        ]
        == []
    )


def test_an_inquiry_with_a_stated_due_day_and_its_refusals(world):
    head = world.head()
    assert (
        world.error_code(
            SEND, {"id": "WI-2", "p": "A", "u": "DEP", "on": "2024-06-03", "due": "2024-06-03"}
        )
        == "BAD_INPUT"
    )
    assert (
        world.error_code(SEND, {"id": "WI-2", "p": "NOBODY", "u": "DEP", "on": "2024-06-03"})
        == "NOT_FOUND"
    )
    assert world.head() == head
    world.data(SEND, {"id": "WI-2", "p": "A", "u": "DEP", "on": "2024-06-03", "due": "2024-06-10"})
    head = world.head()
    assert world.error_code(REPLY, {"id": "WI-2", "on": "2024-06-02"}) == "BAD_INPUT", "before it"
    assert world.error_code(CONCLUDE, {"id": "WI-2", "on": "2024-06-01"}) == "BAD_INPUT"
    assert world.error_code(REPLY, {"id": "NO-WI", "on": "2024-06-05"}) == "NOT_FOUND"
    assert world.head() == head
    world.data(REPLY, {"id": "WI-2", "on": "2024-06-05"})
    head = world.head()
    assert world.error_code(REPLY, {"id": "WI-2", "on": "2024-06-06"}) == "CONFLICT"
    assert world.error_code(CONCLUDE, {"id": "WI-2", "on": "2024-06-04"}) == "BAD_INPUT"
    world.data(CONCLUDE, {"id": "WI-2", "on": "2024-06-07"})
    head = world.head()
    assert world.error_code(CONCLUDE, {"id": "WI-2", "on": "2024-06-08"}) == "CONFLICT"
    assert world.head() == head


@contextmanager
def configured(monkeypatch, tmp_path, **env: str) -> Iterator[GraphQLClient]:
    """A server of its own, on SQLite, started with these LEDGER_* settings."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with fresh_store("sqlite", tmp_path) as url:
        settings = Settings()
        settings.store, settings.jwt_secret = url, TEST_SECRET
        ledger = Ledger.open(settings)
        try:
            with TestClient(create_app(ledger)) as http:
                yield GraphQLClient(http, settings, ledger)
        finally:
            ledger.close()


def test_holidays_and_make_up_days_are_configurable(monkeypatch, tmp_path):
    """LEDGER_HOLIDAYS / LEDGER_WORKDAYS reach the reply's due day."""
    calendar = {
        "LEDGER_HOLIDAYS": "2024-10-01..2024-10-07",
        "LEDGER_WORKDAYS": "2024-09-29,2024-10-12",
    }
    with configured(monkeypatch, tmp_path, **calendar) as gql:
        gql.data(REGISTER_UNIT, {"id": "ORG", "name": "ORG", "kind": "ORGAN"})
        gql.data(REGISTER_PERSON, {"id": "A", "name": "A"})
        gql.data(SEND, {"id": "WI-1", "p": "A", "u": "ORG", "on": "2024-09-27"})
        found = gql.data('{ writtenInquiry(id: "WI-1") { replyDue } }')
        assert found["writtenInquiry"]["replyDue"] == "2024-10-23"


def test_the_go_live_day_and_the_due_days_are_configurable(monkeypatch, tmp_path, record_clock):
    """LEDGER_TALKS_SINCE: posts taken up before the ledger went live owe no talk, and a
    correction that moves a post before it takes its obligation away; LEDGER_TALK_DUE_DAYS."""
    config = {"LEDGER_TALKS_SINCE": "2024-01-01", "LEDGER_TALK_DUE_DAYS": "10"}
    with configured(monkeypatch, tmp_path, **config) as gql:
        gql.data(REGISTER_UNIT, {"id": "ORG", "name": "ORG", "kind": "ORGAN"})
        gql.data(
            REGISTER_UNIT, {"id": "DEP", "name": "DEP", "kind": "DEPARTMENT", "parentId": "ORG"}
        )
        for pid, start in (("OLD", "2020-01-01"), ("NEW", "2024-03-01")):
            gql.data(REGISTER_PERSON, {"id": pid, "name": pid})
            gql.data(ASSUME_POST, {"p": pid, "u": "DEP", "role": "STAFF", "from": start})
        assert of(gql, "OLD", "2024-12-31") == []
        assert [o["dueOn"] for o in obligations(gql, p="NEW", asOf="2024-12-31")] == ["2024-03-11"]
        before = record_clock.between()
        gql.data(
            CORRECT_POST,
            {
                "p": "NEW",
                "u": "DEP",
                "role": "STAFF",
                "orig": "2024-03-01",
                "from": "2023-12-01",
                "to": None,
                "reason": "入职日期更正",
            },
        )
        assert of(gql, "NEW", "2024-12-31") == []
        assert of(gql, "NEW", "2024-12-31", known_at=before) == [
            ("NEW_CADRE", "2024-03-01", "OVERDUE")
        ]


# ---------------------------------------------------------------------- the four forms


def test_the_four_forms_count_talks_inquiries_and_cases_and_by_known_at(world, record_clock):
    from scenario import CONCLUDE_CASE, REGISTER_CASE

    world.data(RECORD_TALK, {"id": "T1", "p": "A", "u": "DEP", "on": "2024-04-01"})
    world.data(
        RECORD_TALK, {"id": "T2", "p": "B", "u": "AFF", "on": "2024-08-01", "kind": "SUMMONS"}
    )
    world.data(SEND, {"id": "WI-1", "p": "A", "u": "DEP", "on": "2024-06-03"})
    world.data(CONCLUDE, {"id": "WI-1", "on": "2024-07-01", "outcome": "REMINDED"})
    world.data(SEND, {"id": "WI-2", "p": "B", "u": "AFF", "on": "2024-08-03"})
    world.data(CONCLUDE, {"id": "WI-2", "on": "2024-09-01", "outcome": "TO_VERIFICATION"})
    for case_id, form in (("K1", "FIRST"), ("K2", "SECOND")):
        world.data(
            REGISTER_CASE,
            {
                "id": case_id,
                "unit": "AFF",
                "subject": "B",
                "cat": "INTEGRITY",
                "disc": "SELF_DISCOVERED",
                "facts": "2024-08-01",
                "until": None,
                "reg": "2024-09-01",
            },
        )
        world.data(CONCLUDE_CASE, {"id": case_id, "on": "2024-10-01", "form": form})
    # an 诫勉谈话 after case K2: counted with the case, not again
    world.data(
        RECORD_TALK,
        {"id": "T3", "p": "B", "u": "AFF", "on": "2024-10-10", "kind": "ADMONITION", "case": "K2"},
    )
    before = record_clock.between()
    world.data(RECORD_TALK, {"id": "T4", "p": "A", "u": "DEP", "on": "2024-11-01"})
    found = world.data(FOUR_FORMS, {"root": "ORG", "from": "2024-01-01", "to": "2024-12-31"})
    forms = {f["form"]: f for f in found["fourForms"]["forms"]}
    assert found["fourForms"]["total"] == 6
    assert forms["FIRST"] == {
        "form": "FIRST",
        "count": 5,
        "share": 0.8333,
        "talks": 3,
        "inquiries": 1,
        "cases": 1,
    }
    assert (forms["SECOND"]["count"], forms["THIRD"]["count"]) == (1, 0)
    kinds = {k["kind"]: k["count"] for k in found["fourForms"]["talksByKind"]}
    assert kinds == {"HEART_TO_HEART": 2, "REMINDER": 0, "SUMMONS": 1, "ADMONITION": 0}
    dep = world.data(FOUR_FORMS, {"root": "DEP", "from": "2024-01-01", "to": "2024-12-31"})
    assert dep["fourForms"]["total"] == 3
    earlier = world.data(
        FOUR_FORMS, {"root": "ORG", "from": "2024-01-01", "to": "2024-12-31", "knownAt": before}
    )
    assert earlier["fourForms"]["total"] == 5
    head = world.head()
    assert (
        world.error_code(FOUR_FORMS, {"root": "ORG", "from": "2024-12-31", "to": "2024-01-01"})
        == "BAD_INPUT"
    )
    assert (
        world.error_code(FOUR_FORMS, {"root": "NOWHERE", "from": "2024-01-01", "to": "2024-12-31"})
        == "NOT_FOUND"
    )
    assert world.head() == head


# ---------------------------------------------------------------------- confidentiality


def test_personal_talk_data_by_role_and_unit_and_the_access_log(world):
    world.data(RECORD_TALK, {"id": "T-DEP", "p": "A", "u": "DEP", "on": "2024-04-01"})
    world.data(RECORD_TALK, {"id": "T-AFF", "p": "B", "u": "AFF", "on": "2024-08-01"})
    for role in ("VIEWER", "BRANCH"):
        token = world.token(role, units=["AFF"] if role == "BRANCH" else None)
        for query in (
            "{ talks { talks { id } } }",
            '{ talk(id: "T-AFF") { id } }',
            "{ talkObligations { obligations { id } } }",
            '{ talkFile(personId: "B") { person { id } } }',
            "{ writtenInquiries { inquiries { id } } }",
        ):
            assert world.error_code(query, token=token) == "FORBIDDEN", (role, query)
        summary = world.post(
            '{ talkObligationSummary(rootUnitId: "AFF") { overdue } }', token=token
        )
        assert not summary.get("errors"), "counts are for every role"
    aff = world.token("RECORDER", "recorder-aff", ["AFF"])
    seen = world.data("{ talks { talks { id } } }", token=aff)["talks"]["talks"]
    assert seen == [{"id": "T-AFF"}]
    assert world.error_code('{ talk(id: "T-DEP") { id } }', token=aff) == "FORBIDDEN"
    assert world.error_code('{ talk(id: "NO-SUCH") { id } }', token=aff) == "FORBIDDEN"
    owed = world.data('{ talkObligations(asOf: "2024-12-31") { obligations { id } } }', token=aff)
    assert [o["id"] for o in owed["talkObligations"]["obligations"]] == ["B/POST_CHANGE/2024-07-01"]
    head = world.head()
    refused = {"id": "T-X", "p": "A", "u": "DEP", "on": "2024-04-02"}
    assert world.error_code(RECORD_TALK, refused, token=aff) == "FORBIDDEN"
    assert world.error_code(RETRACT_TALK, {"id": "T-DEP"}, token=aff) == "FORBIDDEN"
    from scenario import REGISTER_CASE

    world.data(
        REGISTER_CASE,
        {
            "id": "K-DEP",
            "unit": "DEP",
            "subject": "A",
            "cat": "INTEGRITY",
            "disc": "PASSIVE",
            "facts": "2024-04-01",
            "until": None,
            "reg": "2024-05-01",
        },
    )
    head = world.head()
    naming = {"id": "T-Y", "p": "B", "u": "AFF", "on": "2024-08-02", "case": "K-DEP"}
    assert world.error_code(RECORD_TALK, naming, token=aff) == "FORBIDDEN", "a case outside"
    unknown = {**naming, "case": "NO-SUCH-CASE"}
    assert world.error_code(RECORD_TALK, unknown, token=aff) == "FORBIDDEN", "as if unknown"
    assert world.head() == head
    records = world.data(ACCESS, {"entity": "T-AFF"})["accessLog"]["records"]
    assert [r["actor"] for r in records] == ["recorder-aff"]
    assert world.data(ACCESS, {"entity": "T-DEP"})["accessLog"]["records"] == []


def test_the_talk_file_of_a_person(world):
    world.data(
        RATING, {"p": "B", "year": 2024, "rating": "INCOMPETENT", "u": "AFF", "on": "2024-12-20"}
    )
    world.data(
        RECORD_TALK,
        {"id": "T1", "p": "B", "u": "AFF", "on": "2024-12-25", "ob": "B/LOW_RATING/2024-12-20"},
    )
    world.data(SEND, {"id": "WI-1", "p": "B", "u": "AFF", "on": "2024-12-26"})
    file = world.data(
        """{ talkFile(personId: "B", asOf: "2024-12-31") { person { id } ratings { id year rating }
             triggers { id } obligations { reason status metBy } talks { id } inquiries { id status } } }"""
    )["talkFile"]
    assert file["ratings"] == [{"id": "B/R2024", "year": 2024, "rating": "INCOMPETENT"}]
    assert file["obligations"] == [
        {"reason": "NEW_CADRE", "status": "OVERDUE", "metBy": None},
        {"reason": "POST_CHANGE", "status": "OVERDUE", "metBy": None},
        {"reason": "LOW_RATING", "status": "DONE", "metBy": "T1"},  # the one it names, only
    ]
    assert file["talks"] == [{"id": "T1"}] and file["inquiries"] == [
        {"id": "WI-1", "status": "SENT"}
    ]
    records = world.data(ACCESS, {"entity": "B/R2024"})["accessLog"]["records"]
    assert len(records) == 1 and "B" in records[0]["entityIds"]


def test_lists_page_with_a_cursor(world):
    for n in range(5):
        world.data(RECORD_TALK, {"id": f"T{n}", "p": "A", "u": "DEP", "on": f"2024-04-0{n + 1}"})
    seen, after = [], None
    while True:
        page = world.data(
            "query($after: String) { talks(first: 2, after: $after) { talks { id } "
            "pageInfo { endCursor hasNextPage } } }",
            {"after": after},
        )["talks"]
        seen += [t["id"] for t in page["talks"]]
        after = page["pageInfo"]["endCursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break
    assert seen == ["T0", "T1", "T2", "T3", "T4"]
    assert world.error_code("{ talks(first: 501) { talks { id } } }") == "BAD_INPUT"
    assert world.error_code('{ talks(after: "bogus") { talks { id } } }') == "BAD_INPUT"


def test_a_talks_raw_events_are_personal_data_in_the_access_log(world):
    world.data(RECORD_TALK, {"id": "T1", "p": "A", "u": "DEP", "on": "2024-04-01"})
    world.data(CORRECT_TALK, {"id": "T1", "on": "2024-04-02"})
    inspector = world.token("INSPECTOR", "inspector-raw")
    history = world.data('{ history(entityId: "T1") { type } }', token=inspector)["history"]
    assert [e["type"] for e in history] == ["TalkRecorded", "TalkCorrected"]
    records = world.data(ACCESS, {"entity": "T1"})["accessLog"]["records"]
    assert [r["actor"] for r in records] == ["inspector-raw"]
    viewer = world.token("VIEWER")
    assert world.error_code('{ history(entityId: "T1") { type } }', token=viewer) == "FORBIDDEN"


# ---------------------------------------------------------------------- the evaluation's rule


CHOOSE_TALK_RULE = """mutation($c: ID!, $pts: Float!) {
  chooseOverdueTalkRule(input: {cycleId: $c, points: $pts}) { id position }
}"""
TALK_LINES = """query($c: ID!, $u: ID!, $knownAt: DateTime) {
  evaluationResult(cycleId: $c, unitId: $u, knownAt: $knownAt) {
    total deductions { rule points reason }
  }
}"""


def talk_lines(gql, unit: str, known_at: str | None = None, role: str = "ADMIN") -> list:
    found = gql.data(TALK_LINES, {"c": "EV-2024", "u": unit, "knownAt": known_at}, role=role)
    return [
        (x["points"], x["reason"])
        for x in found["evaluationResult"]["deductions"]
        if x["rule"] == "OVERDUE_TALK"
    ]


def test_a_cycle_may_deduct_points_per_talk_overdue_at_the_periods_end(world, record_clock):
    from scenario import FINALIZE, OPEN_CYCLE

    world.data(OPEN_CYCLE, {"id": "EV-2024", "units": ["DEP", "AFF"]}, role="APPRAISER")
    assert talk_lines(world, "AFF") == [], "off by default"
    before = record_clock.between()
    world.data(CHOOSE_TALK_RULE, {"c": "EV-2024", "pts": 1.5}, role="APPRAISER")
    assert talk_lines(world, "AFF") == [
        (
            -1.5,
            "六必谈逾期：姓名B（岗位调整必谈，2024-07-01起应谈，应于2024-07-31前谈话，截至2024-12-31未谈）",
        )
    ]
    assert talk_lines(world, "AFF", known_at=before) == [], "the rule was not chosen yet then"
    # DEP: A (a new cadre of 2024) and B (a new cadre of 2020, in DEP then)
    assert [p for p, _ in talk_lines(world, "DEP")] == [-1.5, -1.5]
    world.data(RECORD_TALK, {"id": "T-LATE", "p": "A", "u": "DEP", "on": "2025-01-05"})
    assert len(talk_lines(world, "DEP")) == 2, "a talk after the period does not help"
    world.data(RECORD_TALK, {"id": "T-END", "p": "A", "u": "DEP", "on": "2024-12-31"})
    [left] = talk_lines(world, "DEP")
    assert "姓名B" in left[1], "A's was met on the period's last day"
    viewer = talk_lines(world, "AFF", role="VIEWER")
    assert viewer == [(-1.5, "六必谈逾期未谈扣分")], "the person and the reason are personal"
    records = world.data(ACCESS, {"entity": "B/POST_CHANGE/2024-07-01"})["accessLog"]["records"]
    assert records and records[-1]["actor"] == "admin-tester"
    world.data(FINALIZE, {"c": "EV-2024"}, role="APPRAISER")
    head = world.head()
    refused = world.error_code(CHOOSE_TALK_RULE, {"c": "EV-2024", "pts": 3}, role="APPRAISER")
    assert refused == "CONFLICT" and world.head() == head
    frozen = talk_lines(world, "AFF")
    world.data(RECORD_TALK, {"id": "T-B", "p": "B", "u": "AFF", "on": "2024-12-01"})
    assert talk_lines(world, "AFF") == frozen, "a finalized cycle does not move"
    cycle = world.data('{ evaluationCycle(id: "EV-2024") { overdueTalkDeduction } }')
    assert cycle["evaluationCycle"]["overdueTalkDeduction"] == 1.5
