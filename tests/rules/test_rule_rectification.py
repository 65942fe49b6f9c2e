"""整改: where a rectification order stands on a date, at the edges of its due date, its
completion, its review and a reopening; and the finding's status from its orders'."""

import pytest

from ledger.domain.rules.evaluation import (
    CycleRules,
    RectificationAtEnd,
    derive,
    overdue_rectification_deduction,
)
from ledger.domain.rules.rectification import Step, finding_status, state_as_of

ORDERED, DUE = "2024-03-10", "2024-06-30"
STEPS = [
    Step("PROGRESS", "2024-05-01", percent=40),
    Step("COMPLETED", "2024-07-10"),  # late
    Step("REOPENED", "2024-07-20", due_on="2024-08-31"),
    Step("COMPLETED", "2024-08-20"),
    Step("ACCEPTED", "2024-09-01"),
]


@pytest.mark.parametrize(
    ("as_of", "status", "due", "percent", "review"),
    [
        ("2024-03-09", None, None, None, None),  # not yet ordered
        ("2024-03-10", "OPEN", DUE, 0, None),  # the order's own day
        ("2024-04-30", "OPEN", DUE, 0, None),
        ("2024-05-01", "OPEN", DUE, 40, None),  # progress counts from its day
        ("2024-06-30", "OPEN", DUE, 40, None),  # the due date itself is not late
        ("2024-07-01", "OVERDUE", DUE, 40, None),  # the day after it is
        ("2024-07-09", "OVERDUE", DUE, 40, None),
        ("2024-07-10", "DONE", DUE, 100, "PENDING"),  # completed late: done from that day
        ("2024-07-19", "DONE", DUE, 100, "PENDING"),
        ("2024-07-20", "OPEN", "2024-08-31", 40, "REOPENED"),  # reopened with a new due date
        ("2024-08-19", "OPEN", "2024-08-31", 40, "REOPENED"),
        ("2024-08-20", "DONE", "2024-08-31", 100, "PENDING"),
        ("2024-09-01", "DONE", "2024-08-31", 100, "ACCEPTED"),
    ],
)
def test_an_order_as_of_each_edge(as_of, status, due, percent, review):
    state = state_as_of(ORDERED, DUE, STEPS, as_of)
    if status is None:
        assert state is None
        return
    assert (state.status, state.due_on, state.percent, state.review) == (
        status,
        due,
        percent,
        review,
    )


def test_a_reopening_without_a_new_due_date_keeps_the_old_one_and_is_overdue_at_once():
    steps = [Step("COMPLETED", "2024-06-01"), Step("REOPENED", "2024-07-05")]
    assert state_as_of(ORDERED, DUE, steps, "2024-07-04").status == "DONE"
    reopened = state_as_of(ORDERED, DUE, steps, "2024-07-05")
    assert (reopened.status, reopened.due_on, reopened.completed_on) == ("OVERDUE", DUE, None)


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([], "OPEN"),  # nothing ordered yet: still to be rectified
        (["DONE"], "DONE"),
        (["DONE", "OPEN"], "OPEN"),
        (["DONE", "OVERDUE", "OPEN"], "OVERDUE"),
    ],
)
def test_a_finding_is_overdue_when_one_order_is_and_done_when_all_are(statuses, expected):
    assert finding_status(statuses) == expected


RULES = CycleRules(
    "2024-01-01",
    "2024-12-31",
    {"EDU": "宣传教育"},
    2.0,
    (),
    {"EXCELLENT": 90, "GOOD": 80, "PASS": 60},
)


def test_the_overdue_rule_deducts_per_overdue_order_only_when_chosen():
    overdue = RectificationAtEnd("R-1", "F-1", "整改台账不全", "OVERDUE", "2024-11-30")
    done = RectificationAtEnd("R-2", "F-1", "补齐制度", "DONE", "2024-11-30")
    assert overdue_rectification_deduction(overdue, RULES) is None  # not chosen: 0 points
    chosen = CycleRules(**{**vars(RULES), "overdue_rectification_deduction": 1.5})
    line = overdue_rectification_deduction(overdue, chosen)
    assert (line.rule, line.points) == ("OVERDUE_RECTIFICATION", -1.5)
    assert "R-1" in line.reason and "2024-11-30" in line.reason and "2024-12-31" in line.reason
    assert overdue_rectification_deduction(done, chosen) is None
    [result] = derive(["U"], chosen, [], [], [], [], [("U", overdue), ("U", done), ("V", overdue)])
    assert [(x.rule, x.points) for x in result.deductions] == [("OVERDUE_RECTIFICATION", -1.5)]
    assert result.total == -1.5
