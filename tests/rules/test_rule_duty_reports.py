"""述责述廉: who owes a report for a year and has not made it."""

from ledger.domain.rules.duty_reports import Owed, missing_reports


def test_leaders_and_committees_without_a_report_are_listed():
    leaders = [("ORG", "A"), ("ORG", "B"), ("ORG2", "A")]
    committees = ["ORG-JG", "ORG2-JG"]
    filed = [
        ("LEADER", "ORG", "A"),
        ("DISCIPLINE_COMMITTEE", "ORG-JG", None),
        ("DISCIPLINE_COMMITTEE", "ORG2-JG", "SECRETARY"),  # filed by its secretary: counts
        ("LEADER", "ORG2", "B"),  # B reported for an organ they do not lead: not A's report
    ]
    assert missing_reports(leaders, committees, filed) == [
        Owed("LEADER", "ORG", "B"),
        Owed("LEADER", "ORG2", "A"),
    ]
