"""六必谈, 函询 and the four forms as rules, without a server, at the edges of time."""

from __future__ import annotations

import sqlite3
from dataclasses import replace

import pytest

from ledger.domain.errors import BadInput
from ledger.domain.rules.evaluation import CycleRules, TalkAtEnd, overdue_talk_deduction
from ledger.domain.rules.evaluation import derive as derive_results
from ledger.domain.rules.four_forms import counted_inquiry, counted_talk, four_forms
from ledger.domain.rules.inquiries import inquiry_status, reply_overdue
from ledger.domain.rules.talks import (
    HeldTalk,
    Obligation,
    Rating,
    TalkPolicy,
    Trigger,
    derive_obligations,
    person_of_obligation,
    post_obligations,
)
from ledger.domain.rules.workdays import Calendar
from projections.talk_obligations import STATUS_SQL
from projections.talks import INQUIRY_STATUS_SQL, REPLY_OVERDUE_SQL

POLICY = TalkPolicy()


def post(unit: str, role: str, start: str, end: str | None = None) -> dict:
    return {"unit_id": unit, "role": role, "valid_from": start, "valid_to": end}


def derive(posts=(), ratings=(), triggers=(), talks=(), policy=POLICY) -> list[Obligation]:
    return derive_obligations("P", list(posts), ratings, triggers, talks, policy)


def reasons(obligations: list[Obligation]) -> list[tuple[str, str, str]]:
    return [(o.reason, o.arose_on, o.unit_id) for o in obligations]


# ---------------------------------------------------------------------- from posts


def test_a_first_post_owes_a_new_cadre_talk_and_a_move_a_post_change_talk():
    posts = [post("U1", "STAFF", "2024-03-01", "2024-08-31"), post("U2", "UNIT_HEAD", "2024-09-01")]
    assert reasons(derive(posts)) == [
        ("NEW_CADRE", "2024-03-01", "U1"),
        ("POST_CHANGE", "2024-09-01", "U2"),
    ]


def test_a_renewed_term_of_the_same_post_is_no_change_but_a_return_after_a_gap_is():
    renewed = [post("U1", "STAFF", "2020-01-01", "2022-12-31"), post("U1", "STAFF", "2023-01-01")]
    assert [r for r, *_ in post_obligations(renewed)] == ["NEW_CADRE"]
    returned = [post("U1", "STAFF", "2020-01-01", "2022-12-30"), post("U1", "STAFF", "2023-01-01")]
    assert [r for r, *_ in post_obligations(returned)] == ["NEW_CADRE", "POST_CHANGE"]


def test_a_change_of_role_in_the_same_unit_is_a_change_and_posts_starting_together_owe_one():
    posts = [
        post("U1", "STAFF", "2021-01-01", "2023-12-31"),
        post("U1", "UNIT_HEAD", "2024-01-01"),
        post("U1-ZB", "BRANCH_SECRETARY", "2024-01-01"),
    ]
    assert reasons(derive(posts)) == [
        ("NEW_CADRE", "2021-01-01", "U1"),
        ("POST_CHANGE", "2024-01-01", "U1"),  # the higher role of the two
    ]


def test_leaving_a_post_owes_nothing():
    assert reasons(derive([post("U1", "STAFF", "2024-01-01", "2024-06-30")])) == [
        ("NEW_CADRE", "2024-01-01", "U1")
    ]


@pytest.mark.parametrize(
    ("since", "owed"),
    [("2024-03-01", ["NEW_CADRE"]), ("2024-03-02", []), (None, ["NEW_CADRE"])],
)
def test_obligations_that_arose_before_the_ledger_went_live_are_not_owed(since, owed):
    policy = TalkPolicy(since=since)
    assert [o.reason for o in derive([post("U1", "STAFF", "2024-03-01")], policy=policy)] == owed


# ---------------------------------------------------------------------- ratings, triggers


@pytest.mark.parametrize(
    ("rating", "owed"),
    [
        ("EXCELLENT", False),
        ("COMPETENT", False),
        ("BASICALLY_COMPETENT", True),
        ("INCOMPETENT", True),
    ],
)
def test_a_rating_of_basically_competent_or_below_owes_a_talk(rating, owed):
    found = derive(ratings=[Rating("P/R2024", 2024, rating, "U1", "2025-01-15")])
    assert reasons(found) == ([("LOW_RATING", "2025-01-15", "U1")] if owed else [])


def test_triggers_owe_a_talk_and_two_on_one_day_owe_one():
    triggers = [
        Trigger("P/T2", "FAMILY_CHANGE", "2024-05-01", "U1"),
        Trigger("P/T3", "FAMILY_CHANGE", "2024-05-01", "U1"),
        Trigger("P/T4", "WORK_ERROR", "2024-05-01", "U1"),
    ]
    assert [o.obligation_id for o in derive(triggers=triggers)] == [
        "P/FAMILY_CHANGE/2024-05-01",
        "P/WORK_ERROR/2024-05-01",
    ]
    assert person_of_obligation("P/FAMILY_CHANGE/2024-05-01") == "P"
    assert person_of_obligation("P/NOPE/2024-05-01") is None
    assert person_of_obligation("P/FAMILY_CHANGE/2024-13-01") is None


# ---------------------------------------------------------------------- due and met


def one(talks=(), due_days=30) -> Obligation:
    """A new cadre from 2024-03-01: due 30 days later, on 2024-03-31."""
    policy = TalkPolicy(due_days=due_days)
    return derive([post("U1", "STAFF", "2024-03-01")], talks=talks, policy=policy)[0]


@pytest.mark.parametrize(
    ("as_of", "status"),
    [("2024-03-01", "OPEN"), ("2024-03-31", "OPEN"), ("2024-04-01", "OVERDUE")],
)
def test_an_unmet_obligation_is_open_up_to_its_due_day_and_overdue_the_day_after(as_of, status):
    assert one().due_on == "2024-03-31"
    assert one().status(as_of) == status


def test_the_due_days_are_configurable():
    assert one(due_days=10).due_on == "2024-03-11"
    with pytest.raises(ValueError):
        TalkPolicy(due_days=0)


@pytest.mark.parametrize(
    ("held_on", "as_of", "status"),
    [
        ("2024-03-01", "2024-03-01", "DONE"),  # a talk on the first day meets it
        ("2024-03-31", "2024-03-30", "OPEN"),  # met later: not yet as of the day before
        ("2024-03-31", "2024-03-31", "DONE"),  # met on the due day
        ("2024-04-10", "2024-04-09", "OVERDUE"),  # late: overdue until the talk
        ("2024-04-10", "2024-04-10", "DONE"),
    ],
)
def test_a_talk_meets_an_obligation_from_the_day_it_is_held(held_on, as_of, status):
    assert one([HeldTalk("T1", held_on)]).status(as_of) == status


def test_a_talk_before_the_obligation_arose_does_not_meet_it():
    found = one([HeldTalk("T0", "2024-02-29")])
    assert found.met_on is None and found.status("2024-04-01") == "OVERDUE"


def test_a_named_talk_meets_only_its_obligation_and_an_unnamed_one_meets_all_arisen():
    posts = [post("U1", "STAFF", "2024-01-01")]
    triggers = [Trigger("P/T2", "MAJOR_SETBACK", "2024-02-01", "U1")]
    named = HeldTalk("T1", "2024-02-10", "P/MAJOR_SETBACK/2024-02-01")
    found = derive(posts, triggers=triggers, talks=[named])
    assert [(o.reason, o.met_by) for o in found] == [("NEW_CADRE", None), ("MAJOR_SETBACK", "T1")]
    unnamed = HeldTalk("T1", "2024-02-10")
    found = derive(posts, triggers=triggers, talks=[unnamed])
    assert [o.met_by for o in found] == ["T1", "T1"]


def test_a_talk_naming_an_obligation_that_is_not_owed_counts_as_unnamed():
    """E.g. the post it named was corrected away: the talk still happened with the person."""
    stale = HeldTalk("T1", "2024-03-05", "P/NEW_CADRE/2024-02-01")
    assert one([stale]).met_by == "T1"


# ---------------------------------------------------------------------- 函询


def test_fifteen_working_days_skip_weekends_holidays_and_count_make_up_days():
    plain = Calendar()
    assert plain.add_working_days("2024-06-03", 15) == "2024-06-24"  # Mon -> Mon, 3 weekends
    assert plain.add_working_days("2024-06-07", 1) == "2024-06-10"  # Fri -> Mon
    assert plain.add_working_days("2024-06-08", 1) == "2024-06-10"  # sent on a Saturday
    national_day = Calendar.parse("2024-10-01..2024-10-07", "2024-09-29,2024-10-12")
    # from Fri 27 Sep: Sun 29 Sep is worked, 1-7 Oct are not, Sat 12 Oct is worked
    assert national_day.add_working_days("2024-09-27", 3) == "2024-10-08"
    assert national_day.add_working_days("2024-09-27", 15) == "2024-10-23"
    with pytest.raises(ValueError):
        Calendar.parse("2024-10-07..2024-10-01")
    with pytest.raises(BadInput):
        plain.add_working_days("2024-06-03", 0)


@pytest.mark.parametrize(
    ("replied_on", "concluded_on", "as_of", "status"),
    [
        (None, None, "2024-06-03", "SENT"),
        ("2024-06-20", None, "2024-06-19", "SENT"),
        ("2024-06-20", None, "2024-06-20", "REPLIED"),
        ("2024-06-20", "2024-07-01", "2024-06-30", "REPLIED"),
        ("2024-06-20", "2024-07-01", "2024-07-01", "CONCLUDED"),
        (None, "2024-07-01", "2024-07-01", "CONCLUDED"),  # concluded without a reply
    ],
)
def test_where_an_inquiry_stands_on_a_day(replied_on, concluded_on, as_of, status):
    assert inquiry_status(replied_on, concluded_on, as_of) == status


@pytest.mark.parametrize(
    ("replied_on", "as_of", "overdue"),
    [
        (None, "2024-06-24", False),  # the due day itself
        (None, "2024-06-25", True),
        ("2024-06-24", "2024-12-31", False),  # in on the due day
        ("2024-06-25", "2024-06-26", True),  # in a day late: it stays late
    ],
)
def test_a_reply_is_overdue_after_its_due_day(replied_on, as_of, overdue):
    assert reply_overdue("2024-06-24", replied_on, as_of) is overdue


# ---------------------------------------------------------------------- the SQL says the same


DAYS = ["2024-03-30", "2024-03-31", "2024-04-01", "2024-04-02"]


def test_the_read_models_status_conditions_agree_with_the_rules():
    db = sqlite3.connect(":memory:")  # parameters go in text order: the condition's first
    for met_on in [None, *DAYS]:
        for as_of in DAYS:
            o = Obligation(
                "P/NEW_CADRE/2024-03-01",
                "P",
                "NEW_CADRE",
                "U",
                "2024-03-01",
                "2024-03-31",
                "U:STAFF",
                met_on,
            )
            stored = met_on or "9999-12-31"  # unmet: the open-date sentinel
            for status, condition in STATUS_SQL.items():
                sql = f"SELECT {condition} FROM (SELECT ? AS met_on, ? AS due_on) o"
                params = (*[as_of] * condition.count("?"), stored, o.due_on)
                got = db.execute(sql, params).fetchone()[0]
                assert bool(got) == (o.status(as_of) == status), (met_on, as_of, status)
    for replied_on in [None, *DAYS]:
        for concluded_on in [None, *DAYS]:
            if replied_on and concluded_on and concluded_on < replied_on:
                continue
            for as_of in DAYS:
                row = "(SELECT ? AS replied_on, ? AS concluded_on, '2024-03-31' AS reply_due) x"
                for status, condition in INQUIRY_STATUS_SQL.items():
                    params = (*[as_of] * condition.count("?"), replied_on, concluded_on)
                    got = db.execute(f"SELECT {condition} FROM {row}", params).fetchone()[0]
                    expected = inquiry_status(replied_on, concluded_on, as_of) == status
                    assert bool(got) == expected, (replied_on, concluded_on, as_of, status)
                got = db.execute(
                    f"SELECT {REPLY_OVERDUE_SQL} FROM {row}", (as_of, replied_on, concluded_on)
                ).fetchone()[0]
                assert bool(got) == reply_overdue("2024-03-31", replied_on, as_of)


# ---------------------------------------------------------------------- four forms


def test_four_forms_count_talks_and_inquiries_as_the_first_form_with_shares():
    total, forms = four_forms(6, 2, {"FIRST": 2, "SECOND": 1, "FOURTH": 1})
    assert total == 12
    assert [(f.form, f.count, f.share) for f in forms] == [
        ("FIRST", 10, 0.8333),
        ("SECOND", 1, 0.0833),
        ("THIRD", 0, 0.0),
        ("FOURTH", 1, 0.0833),
    ]
    assert four_forms(0, 0, {})[0] == 0 and all(f.share == 0.0 for f in four_forms(0, 0, {})[1])


def test_what_counts_once_in_the_first_form():
    assert counted_talk(None, None, False)
    assert not counted_talk("CASE-1", None, False), "counted with its case"
    assert not counted_talk(None, "INQ-1", False), "counted with its inquiry"
    assert not counted_talk(None, None, True), "retracted"
    assert counted_inquiry("CLOSED") and counted_inquiry("REMINDED")
    assert not counted_inquiry("TO_VERIFICATION") and not counted_inquiry(None)


# ---------------------------------------------------------------------- the evaluation's rule


RULES = CycleRules(
    "2024-01-01", "2024-12-31", {}, 2.0, (), {"EXCELLENT": 90, "GOOD": 80, "PASS": 60}
)


def at_end(first_post: str, talks=(), points: float = 1.5) -> list:
    """The OVERDUE_TALK lines of a unit whose one cadre started on `first_post`."""
    [o] = derive([post("U1", "STAFF", first_post)], talks=talks)
    end = TalkAtEnd(o.obligation_id, "张三", o.reason, o.arose_on, o.due_on, o.status("2024-12-31"))
    rules = replace(RULES, overdue_talk_deduction=points)
    [result] = derive_results(["U1"], rules, [], [], [], [], talks=[("U1", end)])
    return [(x.rule, x.points, x.obligation_id) for x in result.deductions]


@pytest.mark.parametrize(
    ("first_post", "talks", "lines"),
    [
        ("2024-12-01", (), 0),  # due on the period's last day: not yet late
        ("2024-11-30", (), 1),  # due the day before: overdue at the end
        ("2024-11-30", [HeldTalk("T1", "2024-12-31")], 0),  # met on the last day
        ("2024-11-30", [HeldTalk("T1", "2025-01-01")], 1),  # met after the period
    ],
)
def test_an_obligation_overdue_on_the_periods_last_day_costs_points(first_post, talks, lines):
    found = at_end(first_post, talks)
    assert len(found) == lines
    if lines:
        assert found == [("OVERDUE_TALK", -1.5, f"P/NEW_CADRE/{first_post}")]


def test_the_overdue_talk_rule_is_off_unless_chosen():
    assert at_end("2024-01-01", points=0.0) == []
    [o] = derive([post("U1", "STAFF", "2024-01-01")])
    end = TalkAtEnd(o.obligation_id, "张三", o.reason, o.arose_on, o.due_on, "OVERDUE")
    line = overdue_talk_deduction(end, replace(RULES, overdue_talk_deduction=1.0))
    assert line is not None
    assert line.reason == (
        "六必谈逾期：张三（新进干部必谈，2024-01-01起应谈，应于2024-01-31前谈话，截至2024-12-31未谈）"
    )
