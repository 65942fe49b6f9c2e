"""六必谈, working days, 定期轮岗 and 述责述廉 at the edges the first tests leave open: the
bounds of the configuration, what an obligation names, talks in the order held, a named talk
on the day its obligation arose, unbroken holdings at their last day, the calendar text."""

import pytest

from ledger.domain.errors import BadInput
from ledger.domain.rules.duty_reports import Owed, missing_reports
from ledger.domain.rules.rotation import tenure_since
from ledger.domain.rules.talks import (
    MAX_DUE_DAYS,
    HeldTalk,
    Obligation,
    Rating,
    TalkPolicy,
    Trigger,
    derive_obligations,
    person_of_obligation,
    post_obligations,
)
from ledger.domain.rules.workdays import MAX_WORKING_DAYS, Calendar


def post(unit: str, role: str, start: str, end: str | None = None) -> dict:
    return {"unit_id": unit, "role": role, "valid_from": start, "valid_to": end}


def derive(posts=(), ratings=(), triggers=(), talks=(), policy=TalkPolicy()) -> list[Obligation]:
    return derive_obligations("P", list(posts), ratings, triggers, talks, policy)


# ---------------------------------------------------------------- configuration bounds


@pytest.mark.parametrize(
    ("due_days", "accepted"),
    [(0, False), (1, True), (MAX_DUE_DAYS, True), (MAX_DUE_DAYS + 1, False)],
)
def test_a_talk_is_due_in_one_day_to_a_year(due_days, accepted):
    if accepted:
        assert TalkPolicy(due_days=due_days).due_days == due_days
    else:
        with pytest.raises(ValueError, match=f"between 1 and {MAX_DUE_DAYS}"):
            TalkPolicy(due_days=due_days)


@pytest.mark.parametrize(
    ("count", "accepted"),
    [(0, False), (1, True), (MAX_WORKING_DAYS, True), (MAX_WORKING_DAYS + 1, False)],
)
def test_a_reply_is_due_in_one_to_a_years_working_days(count, accepted):
    if accepted:
        assert Calendar().add_working_days("2024-01-01", count) > "2024-01-01"
    else:
        with pytest.raises(BadInput, match=f"between 1 and {MAX_WORKING_DAYS}"):
            Calendar().add_working_days("2024-01-01", count)


@pytest.mark.parametrize(
    ("holidays", "days"),
    [
        ("", set()),
        (" , 2024-10-01,,2024-10-03 ", {"2024-10-01", "2024-10-03"}),  # empty parts skipped
        ("2024-01-01..2025-01-01", None),  # the longest range: 366 days after its first
        ("2024-01-01 .. 2024-01-02", {"2024-01-01", "2024-01-02"}),
    ],
)
def test_calendar_text(holidays, days):
    calendar = Calendar.parse(holidays)
    if days is None:
        assert len(calendar.holidays) == 367
    else:
        assert calendar.holidays == days
    assert calendar.workdays == frozenset()


@pytest.mark.parametrize("text", ["2024-01-01..2025-01-02", "2024-10-07..2024-10-01"])
def test_a_range_longer_than_a_year_or_backwards_is_refused(text):
    with pytest.raises(ValueError, match="not a range of dates"):
        Calendar.parse(workdays=text)


def test_no_configuration_is_the_plain_calendar():
    assert Calendar.parse() == Calendar()
    assert Calendar.parse(holidays="2024-10-01") == Calendar(frozenset({"2024-10-01"}))
    assert Calendar.parse(workdays="2024-10-12") == Calendar(workdays=frozenset({"2024-10-12"}))


# ---------------------------------------------------------------- what an obligation names


@pytest.mark.parametrize(
    ("value", "person"),
    [
        ("P-1/NEW_CADRE/2024-05-01", "P-1"),
        ("/NEW_CADRE/2024-05-01", None),  # no person
        ("NEW_CADRE/2024-05-01", None),
        ("P-1/NEW_CADRE/", None),
    ],
)
def test_the_person_an_obligation_id_names(value, person):
    assert person_of_obligation(value) == person


def test_each_obligation_names_its_person_unit_and_source():
    found = derive(
        [post("U1", "STAFF", "2023-03-01", "2024-01-31"), post("U2", "UNIT_HEAD", "2024-02-01")],
        [Rating("P/R2024", 2024, "INCOMPETENT", "U2", "2025-01-15")],
        [Trigger("P/T1", "WORK_ERROR", "2024-05-01", "U9")],
    )
    assert [(o.person_id, o.reason, o.unit_id, o.source, o.due_on) for o in found] == [
        ("P", "NEW_CADRE", "U1", "U1:STAFF", "2023-03-31"),
        ("P", "POST_CHANGE", "U2", "U2:UNIT_HEAD", "2024-03-02"),
        ("P", "WORK_ERROR", "U9", "P/T1", "2024-05-31"),
        ("P", "LOW_RATING", "U2", "P/R2024", "2025-02-14"),
    ]


def test_posts_starting_together_sit_at_the_highest_role_whatever_the_units_names():
    posts = [post("A-UNIT", "STAFF", "2024-01-01"), post("B-UNIT", "UNIT_HEAD", "2024-01-01")]
    assert [(r, p["unit_id"]) for r, _, p in post_obligations(posts)] == [("NEW_CADRE", "B-UNIT")]


def test_two_low_ratings_on_one_day_owe_one_talk_from_the_first_recorded():
    ratings = [
        Rating("P/R2", 2024, "INCOMPETENT", "U2", "2025-01-15"),
        Rating("P/R1", 2024, "BASICALLY_COMPETENT", "U1", "2025-01-15"),
    ]
    (found,) = derive(ratings=ratings)
    assert (found.source, found.unit_id) == ("P/R1", "U1")


# ---------------------------------------------------------------- talks meet obligations


NEW_CADRE = [post("U1", "STAFF", "2024-01-01")]
SETBACK = [Trigger("P/T2", "MAJOR_SETBACK", "2024-02-01", "U1")]


def test_talks_meet_in_the_order_held_whatever_the_order_given():
    talks = [HeldTalk("T9", "2024-03-20"), HeldTalk("T1", "2024-01-05")]
    (found,) = derive(NEW_CADRE, talks=talks)
    assert (found.met_on, found.met_by) == ("2024-01-05", "T1")


def test_a_named_talk_on_the_day_its_obligation_arose_meets_only_that_one():
    talk = HeldTalk("T1", "2024-02-01", "P/MAJOR_SETBACK/2024-02-01")
    found = derive(NEW_CADRE, triggers=SETBACK, talks=[talk])
    assert [(o.reason, o.met_on, o.met_by) for o in found] == [
        ("NEW_CADRE", None, None),
        ("MAJOR_SETBACK", "2024-02-01", "T1"),
    ]


def test_a_later_unnamed_talk_meets_what_a_named_one_left():
    talks = [
        HeldTalk("T1", "2024-02-10", "P/MAJOR_SETBACK/2024-02-01"),
        HeldTalk("T2", "2024-02-20"),
    ]
    found = derive(NEW_CADRE, triggers=SETBACK, talks=talks)
    assert [(o.reason, o.met_on, o.met_by) for o in found] == [
        ("NEW_CADRE", "2024-02-20", "T2"),
        ("MAJOR_SETBACK", "2024-02-10", "T1"),
    ]


# ---------------------------------------------------------------- 定期轮岗, 述责述廉


@pytest.mark.parametrize(
    ("periods", "as_of", "since"),
    [
        # two records of a post from the same day, one still open
        ([("2019-01-01", None), ("2019-01-01", "2020-12-31")], "2024-06-30", "2019-01-01"),
        ([("2019-01-01", "2020-12-31"), ("2019-01-01", None)], "2024-06-30", "2019-01-01"),
        # an open holding with a shorter record inside it stays open
        ([("2019-01-01", None), ("2020-01-01", "2020-12-31")], "2024-06-30", "2019-01-01"),
        # a later term that starts after the day asked does not hide the one held
        ([("2019-01-01", None), ("2025-01-01", None)], "2024-06-30", "2019-01-01"),
        # two closed terms back to back: held to the last day of the second, not after
        ([("2019-01-01", "2020-12-31"), ("2021-01-01", "2023-12-31")], "2023-12-31", "2019-01-01"),
        ([("2019-01-01", "2020-12-31"), ("2021-01-01", "2023-12-31")], "2024-01-01", None),
        # an overlapping record that ends earlier does not shorten the holding
        ([("2019-01-01", "2023-12-31"), ("2021-01-01", "2022-12-31")], "2023-06-30", "2019-01-01"),
    ],
)
def test_tenure_at_the_edges_of_joined_records(periods, as_of, since):
    assert tenure_since(periods, as_of) == since


def test_a_committee_without_a_report_owes_one_for_the_committee():
    assert missing_reports([], ["ORG-JG", "ORG2-JG", "ORG-JG"], []) == [
        Owed("DISCIPLINE_COMMITTEE", "ORG-JG", None),
        Owed("DISCIPLINE_COMMITTEE", "ORG2-JG", None),
    ]
