"""整改 at the edges the first tests leave open: the date a completion is kept as, a progress
report without a figure, and the overdue rule with a deduction of a point or less."""

import pytest

from ledger.domain.rules.evaluation import (
    CycleRules,
    Line,
    RectificationAtEnd,
    overdue_rectification_deduction,
)
from ledger.domain.rules.rectification import RectificationState, Step, state_as_of

ORDERED, DUE = "2024-03-10", "2024-06-30"


@pytest.mark.parametrize(
    ("steps", "as_of", "state"),
    [
        # done on the day of its completion, and keeps that date afterwards
        (
            [Step("COMPLETED", "2024-06-30")],
            "2024-06-30",
            ("DONE", DUE, 100, "2024-06-30", "PENDING"),
        ),
        (
            [Step("COMPLETED", "2024-06-30"), Step("ACCEPTED", "2024-07-02")],
            "2024-12-31",
            ("DONE", DUE, 100, "2024-06-30", "ACCEPTED"),
        ),
        # a progress report without a figure says nothing about how far: 0 percent
        ([Step("PROGRESS", "2024-05-01")], "2024-05-01", ("OPEN", DUE, 0, None, None)),
        (
            [Step("PROGRESS", "2024-05-01", percent=40), Step("PROGRESS", "2024-05-10")],
            "2024-05-10",
            ("OPEN", DUE, 0, None, None),
        ),
    ],
)
def test_an_order_keeps_its_completion_date_and_its_latest_figure(steps, as_of, state):
    assert state_as_of(ORDERED, DUE, steps, as_of) == RectificationState(*state)


RULES = CycleRules(
    "2024-01-01",
    "2024-12-31",
    {"EDU": "宣传教育"},
    2.0,
    (),
    {"EXCELLENT": 90, "GOOD": 80, "PASS": 60},
)
OVERDUE = RectificationAtEnd("R-1", "F-1", "整改台账不全", "OVERDUE", "2024-11-30")


@pytest.mark.parametrize(
    ("points", "deducted"),
    [(0.0, None), (0.5, -0.5), (1.0, -1.0), (3.0, -3.0)],  # 0: the cycle did not choose the rule
)
def test_an_overdue_order_costs_the_points_the_cycle_chose(points, deducted):
    rules = CycleRules(**{**vars(RULES), "overdue_rectification_deduction": points})
    line = overdue_rectification_deduction(OVERDUE, rules)
    if deducted is None:
        assert line is None
        return
    assert line == Line(
        "OVERDUE_RECTIFICATION",
        deducted,
        "整改逾期：整改台账不全（发现问题 F-1，整改事项 R-1，应于2024-11-30前完成，截至2024-12-31未完成）",
    )
