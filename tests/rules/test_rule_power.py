"""Power controls: a principal overseeing units that carry the five functions, period by
period; a 三重一大 decision's attendance, speaking order and recusals against the team."""

import pytest

from ledger.domain.rules.power import (
    Charge,
    FunctionPeriod,
    decision_check,
    principal_oversight,
    segments,
)
from ledger.domain.rules.rows import PostRow

PRINCIPAL = PostRow("P", "ORG", "PRINCIPAL", "2021-03-01", "2024-06-30")
FUNCTIONS = [
    FunctionPeriod("FIN", "FINANCE", "2020-01-01", None),
    FunctionPeriod("FIN", "PROCUREMENT", "2022-01-01", "2022-12-31"),
]


def test_the_principal_overseeing_a_finance_unit_is_found_for_the_overlap_only():
    charges = [Charge("IT", "P", "FIN", "2020-06-01", None)]
    found = principal_oversight(charges, [PRINCIPAL], FUNCTIONS, {"FIN": "ORG"})
    assert [(o.valid_from, o.valid_to, o.functions) for o in found] == [
        ("2021-03-01", "2021-12-31", ("FINANCE",)),  # from the day they became principal
        ("2022-01-01", "2022-12-31", ("FINANCE", "PROCUREMENT")),
        ("2023-01-01", "2024-06-30", ("FINANCE",)),  # until the day they left the post
    ]
    assert {(o.person_id, o.item_id, o.organ_id, o.post_to) for o in found} == {
        ("P", "IT", "ORG", "2024-06-30")
    }


@pytest.mark.parametrize(
    ("charge", "posts", "expected"),
    [
        (Charge("IT", "P", "FIN", "2024-07-01", None), [PRINCIPAL], 0),  # took it the day after
        (Charge("IT", "P", "FIN", "2024-06-30", None), [PRINCIPAL], 1),  # one day overlaps
        (Charge("IT", "Q", "FIN", "2020-01-01", None), [PRINCIPAL], 0),  # not the principal
        (Charge("IT", "P", "OTHER", "2020-01-01", None), [PRINCIPAL], 0),  # no functions
        (
            Charge("IT", "P", "FIN", "2020-01-01", None),
            [PostRow("P", "ORG", "TEAM_MEMBER", "2020-01-01", None)],
            0,  # a team member may oversee finance
        ),
    ],
)
def test_edges_of_principal_oversight(charge, posts, expected):
    organs = {"FIN": "ORG", "OTHER": "ORG"}
    assert len(principal_oversight([charge], posts, FUNCTIONS, organs)) == expected


def test_segments_drop_parts_without_functions():
    periods = [FunctionPeriod("U", "FINANCE", "2022-01-01", "2022-06-30")]
    assert segments("2021-01-01", None, periods) == [("2022-01-01", "2022-06-30", ("FINANCE",))]


TEAM = [
    PostRow("PR", "ORG", "PRINCIPAL", "2020-01-01", None),
    PostRow("T1", "ORG", "TEAM_MEMBER", "2020-01-01", None),
    PostRow("T2", "ORG", "TEAM_MEMBER", "2020-01-01", None),
    PostRow("DS", "ORG", "DISCIPLINE_SECRETARY", "2020-01-01", "2024-03-31"),
]


@pytest.mark.parametrize(
    ("on", "attendees", "speakers", "recused", "flags"),
    [
        ("2024-03-31", ["PR", "T1"], ["T1", "PR"], [], ()),  # 2 of 4: exactly half is enough
        ("2024-03-31", ["PR"], ["PR"], [], ("LOW_ATTENDANCE",)),  # 1 of 4
        ("2024-04-01", ["PR", "T1"], ["T1", "PR"], [], ()),  # DS left: 2 of 3
        ("2024-04-01", ["PR", "T1", "T2"], ["PR", "T1", "T2"], [], ("PRINCIPAL_NOT_LAST",)),
        ("2024-04-01", ["PR", "T1", "T2"], ["T1", "T2"], [], ("PRINCIPAL_NOT_LAST",)),  # silent
        ("2024-04-01", ["T1", "T2"], ["T1", "T2"], [], ()),  # principal absent: no such flag
        ("2024-04-01", ["PR", "T1", "T2"], ["T2", "PR"], ["T1"], ()),  # withdrew, silent
        ("2024-04-01", ["PR", "T1", "T2"], ["T1", "T2", "PR"], ["T1"], ("RECUSED_SPOKE",)),
    ],
)
def test_a_decision_is_checked_against_the_team_of_the_day(on, attendees, speakers, recused, flags):
    check = decision_check("ORGAN", on, attendees, speakers, recused, TEAM)
    assert check.flags == flags


def test_outside_an_organ_the_unit_head_is_on_the_team_and_principal_when_there_is_none():
    posts = [
        PostRow("HEAD", "AFF", "UNIT_HEAD", "2020-01-01", None),
        PostRow("T1", "AFF", "TEAM_MEMBER", "2020-01-01", None),
    ]
    check = decision_check(
        "AFFILIATED_UNIT", "2024-05-01", ["HEAD", "T1"], ["HEAD", "T1"], [], posts
    )
    assert check.team == ("HEAD", "T1") and check.principals == ("HEAD",)
    assert check.flags == ("PRINCIPAL_NOT_LAST",)
