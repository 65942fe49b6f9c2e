"""Valid-time periods: overlap and what a set of spans leaves uncovered, at their edges."""

import pytest

from ledger.domain.rules.periods import day_before, holds_on, overlaps, uncovered


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (("2024-01-01", "2024-01-31"), ("2024-01-31", "2024-02-10"), True),  # share the last day
        (("2024-01-01", "2024-01-30"), ("2024-01-31", "2024-02-10"), False),  # touch, no day shared
        (("2024-01-01", None), ("2030-01-01", "2030-01-02"), True),  # open to the right
        (("2024-05-01", "2024-05-01"), ("2024-05-01", "2024-05-01"), True),  # one day each
        (("2024-05-02", None), ("2024-01-01", "2024-05-01"), False),  # starts the day after
    ],
)
def test_two_periods_overlap_when_they_share_a_day(a, b, expected):
    assert overlaps(*a, *b) is expected
    assert overlaps(*b, *a) is expected


@pytest.mark.parametrize(
    ("valid_from", "valid_to", "day", "expected"),
    [
        ("2024-01-01", "2024-06-30", "2024-06-30", True),  # the last day counts
        ("2024-01-01", "2024-06-30", "2024-07-01", False),
        ("2024-01-01", None, "2099-01-01", True),
        ("2024-01-01", None, "2023-12-31", False),
    ],
)
def test_a_period_holds_on_its_first_and_last_day(valid_from, valid_to, day, expected):
    assert holds_on(valid_from, valid_to, day) is expected


def test_the_day_before_crosses_months_and_leap_days():
    assert day_before("2024-03-01") == "2024-02-29"
    assert day_before("2025-01-01") == "2024-12-31"


@pytest.mark.parametrize(
    ("start", "end", "spans", "gaps"),
    [
        # covered exactly, edges included
        ("2024-05-01", "2024-05-31", [("2024-05-01", "2024-05-31")], []),
        # a span ending the day before the period: the whole period is a gap
        (
            "2024-05-01",
            "2024-05-31",
            [("2024-01-01", "2024-04-30")],
            [("2024-05-01", "2024-05-31")],
        ),
        # ends exactly on the first day: only that day is covered
        (
            "2024-05-01",
            "2024-05-31",
            [("2024-01-01", "2024-05-01")],
            [("2024-05-02", "2024-05-31")],
        ),
        # a hole of one day between two spans
        (
            "2024-05-01",
            "2024-05-31",
            [("2024-05-01", "2024-05-10"), ("2024-05-12", None)],
            [("2024-05-11", "2024-05-11")],
        ),
        # starts the day after the period began
        ("2024-05-01", "2024-05-31", [("2024-05-02", None)], [("2024-05-01", "2024-05-01")]),
        # overlapping and unordered spans
        (
            "2024-01-01",
            "2024-12-31",
            [("2024-06-01", "2024-12-31"), ("2024-01-01", "2024-07-01")],
            [],
        ),
        # no span at all; a single-day period
        ("2024-05-10", "2024-05-10", [], [("2024-05-10", "2024-05-10")]),
    ],
)
def test_uncovered_names_each_day_nobody_covered(start, end, spans, gaps):
    assert uncovered(start, end, spans) == gaps
