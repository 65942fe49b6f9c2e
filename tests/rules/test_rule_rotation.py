"""定期轮岗: tenure across joined periods, and rotation due at the anniversary's edge."""

import pytest

from ledger.domain.rules.rotation import anniversary, full_years, rotation_due, tenure_since


@pytest.mark.parametrize(
    ("periods", "as_of", "since"),
    [
        ([("2019-01-01", None)], "2018-12-31", None),  # not yet held
        ([("2019-01-01", None)], "2019-01-01", "2019-01-01"),
        ([("2019-01-01", "2020-12-31")], "2021-01-01", None),  # left the day before
        # a new term the day after the last: one unbroken holding
        ([("2019-01-01", "2020-12-31"), ("2021-01-01", None)], "2024-06-30", "2019-01-01"),
        # a day between: the tenure starts again
        ([("2019-01-01", "2020-12-30"), ("2021-01-01", None)], "2024-06-30", "2021-01-01"),
        # overlapping records (a correction not yet made) join too
        ([("2019-01-01", "2021-06-30"), ("2021-01-01", None)], "2024-06-30", "2019-01-01"),
        # a later term after asOf does not count
        ([("2019-01-01", "2020-12-31"), ("2022-01-01", None)], "2021-06-30", None),
    ],
)
def test_tenure_is_the_unbroken_holding_that_covers_the_day(periods, as_of, since):
    assert tenure_since(periods, as_of) == since


@pytest.mark.parametrize(
    ("as_of", "due"),
    [("2023-12-31", False), ("2024-01-01", True)],  # five full years end on 2023-12-31
)
def test_rotation_falls_due_on_the_anniversary(as_of, due):
    found = rotation_due({"P": [("2019-01-01", None)]}, 5, as_of)
    assert bool(found) == due
    if due:
        assert (found[0].since, found[0].due_on, found[0].years) == ("2019-01-01", "2024-01-01", 5)


def test_a_29_february_start_reaches_its_anniversary_on_1_march():
    assert anniversary("2020-02-29", 4) == "2024-02-29"
    assert anniversary("2020-02-29", 5) == "2025-03-01"
    assert full_years("2020-02-29", "2025-02-28") == 4
    assert full_years("2020-02-29", "2025-03-01") == 5


def test_only_holders_on_the_day_and_past_the_limit_are_listed():
    holdings = {
        "LONG": [("2015-03-01", None)],
        "SHORT": [("2022-03-01", None)],
        "GONE": [("2010-01-01", "2020-12-31")],
    }
    found = rotation_due(holdings, 5, "2024-06-30")
    assert [(d.person_id, d.since, d.years) for d in found] == [("LONG", "2015-03-01", 9)]
