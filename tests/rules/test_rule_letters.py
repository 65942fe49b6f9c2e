"""层层传导: a task's and a letter's status as of a date, at the deadline's edges."""

import pytest

from ledger.domain.rules.letters import letter_status, task_status


@pytest.mark.parametrize(
    ("progress_since", "completed_on", "as_of", "expected"),
    [
        (None, None, "2024-06-30", "OPEN"),  # the deadline day itself is not overdue
        (None, None, "2024-07-01", "OVERDUE"),
        ("2024-05-01", None, "2024-05-01", "IN_PROGRESS"),
        ("2024-05-01", None, "2024-04-30", "OPEN"),  # progress reported later than asked
        ("2024-05-01", "2024-07-10", "2024-07-09", "OVERDUE"),  # done late: overdue until then
        ("2024-05-01", "2024-07-10", "2024-07-10", "DONE"),
    ],
)
def test_a_task_is_overdue_once_its_deadline_passed_undone(
    progress_since, completed_on, as_of, expected
):
    assert task_status("2024-06-30", progress_since, completed_on, as_of) == expected


@pytest.mark.parametrize(
    ("withdrawn", "open_tasks", "acknowledged", "expected"),
    [
        (True, 0, True, "WITHDRAWN"),
        (False, 0, False, "COMPLETED"),
        (False, 2, True, "ACKNOWLEDGED"),
        (False, 2, False, "ISSUED"),
    ],
)
def test_letter_status(withdrawn, open_tasks, acknowledged, expected):
    assert letter_status(withdrawn, open_tasks, acknowledged) == expected
