"""Valid-time periods at their first and last days: holding, uncovered days, and `split` into
the days some span covers and the days none does (how a chain tells HELD_BY_SUBJECT from
VACANT)."""

import pytest

from ledger.domain.rules.periods import day_after, holds_on, split, uncovered


@pytest.mark.parametrize(
    ("valid_from", "valid_to", "day", "expected"),
    [
        ("2024-01-01", "2024-06-30", "2024-01-01", True),  # the first day counts
        ("2024-01-01", "2024-06-30", "2023-12-31", False),
        ("2024-01-01", None, "2024-01-01", True),
        ("2024-05-10", "2024-05-10", "2024-05-10", True),  # a one-day period
        ("2024-05-10", "2024-05-10", "2024-05-11", False),
    ],
)
def test_a_period_holds_from_its_first_day(valid_from, valid_to, day, expected):
    assert holds_on(valid_from, valid_to, day) is expected


@pytest.mark.parametrize(
    ("spans", "gaps"),
    [
        # two spans from the same day, one still open, in either order
        ([("2024-05-01", None), ("2024-05-01", "2024-05-10")], []),
        ([("2024-05-01", "2024-05-10"), ("2024-05-01", None)], []),
        ([("2024-05-05", "2024-05-10"), ("2024-05-05", None)], [("2024-05-01", "2024-05-04")]),
        # a span ends the day before the last, the next begins on the last day
        ([("2024-05-01", "2024-05-30"), ("2024-05-31", None)], []),
        ([("2024-05-01", "2024-05-30"), ("2024-05-31", "2024-05-31")], []),
        # only the last day left
        ([("2024-05-01", "2024-05-30")], [("2024-05-31", "2024-05-31")]),
        # spans that start exactly where the previous one left off
        (
            [("2024-05-01", "2024-05-10"), ("2024-05-11", "2024-05-20")],
            [("2024-05-21", "2024-05-31")],
        ),
    ],
)
def test_uncovered_in_may(spans, gaps):
    assert uncovered("2024-05-01", "2024-05-31", spans) == gaps


@pytest.mark.parametrize(
    ("spans", "covered", "free"),
    [
        ([], [], [("2024-05-01", "2024-05-31")]),
        ([("2024-01-01", None)], [("2024-05-01", "2024-05-31")], []),
        # covered up to a day, free after it
        (
            [("2024-01-01", "2024-05-15")],
            [("2024-05-01", "2024-05-15")],
            [("2024-05-16", "2024-05-31")],
        ),
        # free until a day, covered from it
        ([("2024-05-16", None)], [("2024-05-16", "2024-05-31")], [("2024-05-01", "2024-05-15")]),
        # covered on the last day only, and on the first day only
        ([("2024-05-31", None)], [("2024-05-31", "2024-05-31")], [("2024-05-01", "2024-05-30")]),
        (
            [("2024-04-01", "2024-05-01")],
            [("2024-05-01", "2024-05-01")],
            [("2024-05-02", "2024-05-31")],
        ),
        # a hole in the middle, across the end of a month
        (
            [("2024-05-01", "2024-05-09"), ("2024-05-21", "2024-06-30")],
            [("2024-05-01", "2024-05-09"), ("2024-05-21", "2024-05-31")],
            [("2024-05-10", "2024-05-20")],
        ),
        # covered in the middle only
        (
            [("2024-05-10", "2024-05-20")],
            [("2024-05-10", "2024-05-20")],
            [("2024-05-01", "2024-05-09"), ("2024-05-21", "2024-05-31")],
        ),
    ],
)
def test_split_tells_the_covered_days_from_the_free_ones(spans, covered, free):
    assert split("2024-05-01", "2024-05-31", spans) == (covered, free)


def test_split_a_single_day():
    assert split("2024-02-29", "2024-02-29", [("2024-02-29", None)]) == (
        [("2024-02-29", "2024-02-29")],
        [],
    )
    assert split("2024-02-29", "2024-02-29", []) == ([], [("2024-02-29", "2024-02-29")])


def test_the_day_after_crosses_months_years_and_leap_days():
    assert day_after("2024-02-28") == "2024-02-29"
    assert day_after("2024-02-29") == "2024-03-01"
    assert day_after("2024-12-31") == "2025-01-01"
