"""Power controls at the edges the first tests leave open: periods that meet on a single day,
function periods restated back to back, what a finding names, and the team of a 三重一大
decision on the day (who is on it, who attended, the half that is enough)."""

import pytest

from ledger.domain.rules.power import (
    Charge,
    FunctionPeriod,
    PrincipalOversight,
    decision_check,
    intersect,
    principal_oversight,
    segments,
)
from ledger.domain.rules.rows import PostRow


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (("2024-01-01", None), ("2023-01-01", None), ("2024-01-01", None)),  # both still open
        (("2024-01-01", "2024-06-30"), ("2023-01-01", None), ("2024-01-01", "2024-06-30")),
        (("2024-01-01", "2024-06-30"), ("2024-06-30", None), ("2024-06-30", "2024-06-30")),
        (("2024-01-01", "2024-06-29"), ("2024-06-30", None), None),  # touch, no day shared
    ],
)
def test_two_periods_intersect_on_the_days_they_share(a, b, expected):
    assert intersect(*a, *b) == expected
    assert intersect(*b, *a) == expected


FINANCE = FunctionPeriod("FIN", "FINANCE", "2020-01-01", None)


@pytest.mark.parametrize(
    ("start", "end", "periods", "expected"),
    [
        # a function added on the last day of the span: that day is its own segment
        (
            "2024-01-01",
            "2024-06-30",
            [FINANCE, FunctionPeriod("FIN", "PROCUREMENT", "2024-06-30", None)],
            [
                ("2024-01-01", "2024-06-29", ("FINANCE",)),
                ("2024-06-30", "2024-06-30", ("FINANCE", "PROCUREMENT")),
            ],
        ),
        # a function given up on the first day of the span: that day is its own segment
        (
            "2024-01-01",
            None,
            [FINANCE, FunctionPeriod("FIN", "PROCUREMENT", "2020-01-01", "2024-01-01")],
            [
                ("2024-01-01", "2024-01-01", ("FINANCE", "PROCUREMENT")),
                ("2024-01-02", None, ("FINANCE",)),
            ],
        ),
        # a function given up on the last day of the span: nothing after the span
        (
            "2024-01-01",
            "2024-06-30",
            [FINANCE, FunctionPeriod("FIN", "PROCUREMENT", "2020-01-01", "2024-06-30")],
            [("2024-01-01", "2024-06-30", ("FINANCE", "PROCUREMENT"))],
        ),
        # the same function restated back to back joins into one segment
        (
            "2020-01-01",
            None,
            [
                FunctionPeriod("FIN", "FINANCE", "2020-01-01", "2022-06-30"),
                FunctionPeriod("FIN", "FINANCE", "2022-07-01", "2023-12-31"),
                FunctionPeriod("FIN", "FINANCE", "2024-01-01", None),
                FunctionPeriod("FIN", "PROCUREMENT", "2021-01-01", "2021-12-31"),
            ],
            [
                ("2020-01-01", "2020-12-31", ("FINANCE",)),
                ("2021-01-01", "2021-12-31", ("FINANCE", "PROCUREMENT")),
                ("2022-01-01", None, ("FINANCE",)),
            ],
        ),
        (
            "2020-01-01",
            "2024-12-31",
            [
                FunctionPeriod("FIN", "FINANCE", "2020-01-01", "2022-06-30"),
                FunctionPeriod("FIN", "FINANCE", "2022-07-01", None),
            ],
            [("2020-01-01", "2024-12-31", ("FINANCE",))],
        ),
    ],
)
def test_segments_cut_where_the_functions_change_and_only_there(start, end, periods, expected):
    assert segments(start, end, periods) == expected


PRINCIPAL = PostRow("P", "ORG", "PRINCIPAL", "2021-03-01", "2024-06-30")


def test_a_finding_names_the_item_the_unit_the_organ_and_the_post():
    found = principal_oversight(
        [Charge("IT", "P", "FIN", "2020-06-01", "2024-12-31")], [PRINCIPAL], [FINANCE],
        {"FIN": "ORG"},
    )  # fmt: skip
    assert found == [
        PrincipalOversight(
            "P", "IT", "FIN", "ORG", ("FINANCE",), "2021-03-01", "2024-06-30",
            "2021-03-01", "2024-06-30",
        )
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("charge_to", "found"),
    [
        ("2021-02-28", False),  # gave up the item the day before becoming principal
        ("2021-03-01", True),  # on that very day
    ],
)
def test_an_item_given_up_before_the_principal_post_began_is_no_finding(charge_to, found):
    charges = [Charge("IT", "P", "FIN", "2020-06-01", charge_to)]
    assert bool(principal_oversight(charges, [PRINCIPAL], [FINANCE], {"FIN": "ORG"})) is found


def test_charges_and_posts_that_do_not_count_do_not_hide_the_ones_that_do():
    charges = [
        Charge("IT-0", "P", "NOWHERE", "2020-01-01", None),  # a unit without an organ
        Charge("IT-1", "P", "PLAIN", "2020-01-01", None),  # a unit without the functions
        Charge("IT-2", "P", "FIN", "2020-01-01", None),
    ]
    posts = [
        PostRow("Q", "ORG", "PRINCIPAL", "2010-01-01", "2014-12-31"),  # someone else
        PostRow("P", "ORG", "PRINCIPAL", "2012-01-01", "2015-12-31"),  # before the item
        PostRow("P", "ORG", "PRINCIPAL", "2021-03-01", None),  # a second time, with it
    ]
    organs = {"NOWHERE": None, "PLAIN": "ORG", "FIN": "ORG"}
    found = principal_oversight(charges, posts, [FINANCE], organs)
    assert [(o.item_id, o.valid_from, o.post_from) for o in found] == [
        ("IT-2", "2021-03-01", "2021-03-01")
    ]


ORGAN_POSTS = [
    PostRow("PR", "ORG", "PRINCIPAL", "2020-01-01", None),
    PostRow("T1", "ORG", "TEAM_MEMBER", "2020-01-01", None),
    PostRow("DS", "ORG", "DISCIPLINE_SECRETARY", "2020-01-01", "2024-03-31"),
    PostRow("HEAD", "ORG", "UNIT_HEAD", "2020-01-01", None),  # an organ's office head
    PostRow("CLERK", "ORG", "STAFF", "2020-01-01", None),
]


@pytest.mark.parametrize(
    ("kind", "on", "team"),
    [
        ("ORGAN", "2024-03-31", ("DS", "PR", "T1")),  # the DS on their last day
        ("ORGAN", "2024-04-01", ("PR", "T1")),  # the day after they left
        # a unit other than an organ: its UNIT_HEAD is on the team too
        ("AFFILIATED_UNIT", "2024-04-01", ("HEAD", "PR", "T1")),
    ],
)
def test_the_team_of_the_day_by_role_and_post_dates(kind, on, team):
    check = decision_check(kind, on, ["PR", "CLERK"], ["PR"], [], ORGAN_POSTS)
    assert check.team == team
    assert check.present == ("PR",)  # the clerk attended but is not on the team
    assert check.principals == ("PR",)


@pytest.mark.parametrize(
    ("attendees", "low"),
    [
        (["PR"], True),  # 1 of 3
        (["PR", "T1"], False),  # 2 of 3
        ([], True),  # nobody of the team
    ],
)
def test_fewer_than_half_of_a_team_of_three_is_low_attendance(attendees, low):
    check = decision_check("ORGAN", "2024-03-31", attendees, attendees[-1:], [], ORGAN_POSTS)
    assert ("LOW_ATTENDANCE" in check.flags) is low
    assert check.present == tuple(sorted(attendees))
