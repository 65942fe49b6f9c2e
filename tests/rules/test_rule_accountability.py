"""一案双查 without a store: who is in a chain, level by level, and which gaps remain.

The organisation used throughout: organ ORG, its affiliated unit AFF (which has its own party
secretary and discipline secretary), and AFF's branch ZB. Facts in May 2024 unless a case
says otherwise. Rows are what the read side would find for the facts period.
"""

import pytest

from ledger.domain.rules.accountability import CaseAt, Level, resolve
from ledger.domain.rules.rows import HoldingRow, PostRow

ORG = Level("ORG", "ORGAN")
AFF = Level("AFF", "AFFILIATED_UNIT", has_principal=True, has_supervisor=True)
DEP = Level("DEP", "DEPARTMENT")
ZB = Level("ZB", "PARTY_BRANCH")
MAY = ("2024-05-01", "2024-05-31")


def case(*path: Level, subject: str = "S", facts=MAY) -> CaseAt:
    return CaseAt("C-1", subject, facts[0], facts[1], tuple(path))


def post(person: str, unit: str, role: str, start: str = "2020-01-01", end: str | None = None):
    return PostRow(person, unit, role, start, end)


def item(holder: str, start: str = "2020-01-01", end: str | None = None, item_id: str = "IT"):
    return HoldingRow(item_id, holder, "IN_CHARGE", "MANAGEMENT", "分管", start, end)


ORGAN_TEAM = [post("PRIN", "ORG", "PRINCIPAL"), post("DS", "ORG", "DISCIPLINE_SECRETARY")]
AFF_TEAM = [post("AFF-SEC", "AFF", "PRINCIPAL"), post("AFF-DS", "AFF", "DISCIPLINE_SECRETARY")]
LEADER = {"LEAD": [post("LEAD", "ORG", "TEAM_MEMBER")]}


def links(result) -> list[tuple[str, str, str]]:
    return [(x.unit_id, x.kind, x.person_id) for x in result[0]]


def gaps(result) -> list[tuple]:
    return [(g.unit_id, g.kind, g.gap_from, g.gap_to, g.reason) for g in result[1]]


def test_an_affiliated_units_own_secretaries_answer_at_their_level():
    result = resolve(
        case(AFF, ORG),
        [post("HEAD", "AFF", "UNIT_HEAD"), *AFF_TEAM, *ORGAN_TEAM],
        [(item("LEAD"), "AFF")],
        LEADER,
        [],
        {},
    )
    assert links(result) == [
        ("AFF", "DIRECT", "HEAD"),
        ("AFF", "IN_CHARGE", "LEAD"),
        ("AFF", "PRINCIPAL", "AFF-SEC"),
        ("AFF", "SUPERVISORY", "AFF-DS"),
        ("ORG", "PRINCIPAL", "PRIN"),
        ("ORG", "SUPERVISORY", "DS"),
    ]
    assert gaps(result) == []


def test_a_branch_case_runs_up_through_the_affiliated_unit_to_the_organ():
    result = resolve(
        case(ZB, AFF, ORG),
        [post("ZB-SEC", "ZB", "BRANCH_SECRETARY"), *AFF_TEAM, *ORGAN_TEAM],
        [(item("LEAD"), "AFF")],  # the item covers the branch's parent
        LEADER,
        [],
        {},
    )
    assert [(u, k) for u, k, _ in links(result)] == [
        ("ZB", "DIRECT"),
        ("AFF", "IN_CHARGE"),
        ("AFF", "PRINCIPAL"),
        ("AFF", "SUPERVISORY"),
        ("ORG", "PRINCIPAL"),
        ("ORG", "SUPERVISORY"),
    ]


@pytest.mark.parametrize(
    ("head_until", "expected_gaps"),
    [
        (None, []),
        ("2024-05-31", []),  # ends on the last day of the facts: covered
        ("2024-05-01", [("DEP", "DIRECT", "2024-05-02", "2024-05-31", "VACANT")]),
        ("2024-05-09", [("DEP", "DIRECT", "2024-05-10", "2024-05-31", "VACANT")]),
    ],
)
def test_a_gap_starts_the_day_after_the_last_holder_left(head_until, expected_gaps):
    result = resolve(
        case(DEP, ORG),
        [post("HEAD", "DEP", "UNIT_HEAD", end=head_until), *ORGAN_TEAM],
        [(item("LEAD"), "DEP")],
        LEADER,
        [],
        {},
    )
    assert ("DEP", "DIRECT", "HEAD") in links(result)
    assert gaps(result) == expected_gaps


def test_a_role_held_only_by_the_subject_is_a_gap_not_a_silence():
    result = resolve(
        case(DEP, ORG, subject="HEAD"),
        [post("HEAD", "DEP", "UNIT_HEAD"), *ORGAN_TEAM],
        [(item("LEAD"), "DEP")],
        LEADER,
        [],
        {},
    )
    assert ("DEP", "DIRECT", "HEAD") not in links(result)
    assert gaps(result) == [("DEP", "DIRECT", *MAY, "HELD_BY_SUBJECT")]
    assert ("ORG", "PRINCIPAL", "PRIN") in links(result)  # the levels above still answer


def test_the_subject_and_nobody_share_a_role_over_the_facts():
    result = resolve(
        case(DEP, ORG, subject="NEW"),
        [post("NEW", "DEP", "UNIT_HEAD", start="2024-05-16"), *ORGAN_TEAM],
        [(item("LEAD"), "DEP")],
        LEADER,
        [],
        {},
    )
    assert gaps(result) == [
        ("DEP", "DIRECT", "2024-05-01", "2024-05-15", "VACANT"),
        ("DEP", "DIRECT", "2024-05-16", "2024-05-31", "HELD_BY_SUBJECT"),
    ]


def test_nobody_at_all_is_vacant_and_a_department_owes_no_secretaries():
    result = resolve(case(DEP, ORG), [*ORGAN_TEAM], [], {}, [], {})
    assert gaps(result) == [
        ("DEP", "DIRECT", *MAY, "VACANT"),
        ("DEP", "IN_CHARGE", *MAY, "VACANT"),
    ]  # no PRINCIPAL / SUPERVISORY gaps at the department: it has no such posts


def test_a_case_in_the_organ_itself_has_no_head_or_in_charge_gap():
    result = resolve(case(ORG), [post("PRIN", "ORG", "PRINCIPAL")], [], {}, [], {})
    assert links(result) == [("ORG", "PRINCIPAL", "PRIN")]
    assert gaps(result) == [("ORG", "SUPERVISORY", *MAY, "VACANT")]


@pytest.mark.parametrize(
    ("team_until", "held_to", "gap"),
    [
        (None, None, None),
        ("2024-05-31", "2024-05-31", None),  # left the team on the last day of the facts
        ("2024-05-20", "2024-05-20", ("DEP", "IN_CHARGE", "2024-05-21", "2024-05-31", "VACANT")),
    ],
)
def test_an_in_charge_item_counts_only_while_its_holder_led_the_organ(team_until, held_to, gap):
    """A leader who left every post is not named for facts after they left, and the item
    they still held on paper leaves a gap (no invented post)."""
    result = resolve(
        case(DEP, ORG),
        [post("HEAD", "DEP", "UNIT_HEAD"), *ORGAN_TEAM],
        [(item("LEAD"), "DEP")],
        {"LEAD": [post("LEAD", "ORG", "TEAM_MEMBER", end=team_until)]},
        [],
        {},
    )
    (link,) = [x for x in result[0] if x.kind == "IN_CHARGE"]
    assert (link.held_from, link.held_to, link.post.role) == ("2020-01-01", held_to, "TEAM_MEMBER")
    assert gaps(result) == ([gap] if gap else [])


def test_an_item_holder_who_never_led_the_organ_is_no_link():
    result = resolve(
        case(DEP, ORG),
        [post("HEAD", "DEP", "UNIT_HEAD"), *ORGAN_TEAM],
        [(item("STAFFER"), "DEP")],
        {},
        [],
        {},
    )
    assert not [x for x in result[0] if x.kind == "IN_CHARGE"]
    assert gaps(result) == [("DEP", "IN_CHARGE", *MAY, "VACANT")]


def test_an_item_over_two_levels_links_once_at_the_lower():
    result = resolve(
        case(ZB, AFF, ORG),
        [post("ZB-SEC", "ZB", "BRANCH_SECRETARY"), *AFF_TEAM, *ORGAN_TEAM],
        [(item("LEAD"), "AFF"), (item("LEAD"), "ZB")],
        LEADER,
        [],
        {},
    )
    assert [x for x in links(result) if x[1] == "IN_CHARGE"] == [("ZB", "IN_CHARGE", "LEAD")]


def test_people_who_moved_on_stay_and_measures_show_on_their_link():
    """终身问责: the holder during the facts, not the successor."""
    result = resolve(
        case(DEP, ORG),
        [
            post("OLD", "DEP", "UNIT_HEAD", end="2024-05-31"),
            *ORGAN_TEAM,
        ],
        [(item("LEAD"), "DEP")],
        LEADER,
        [HoldingRow("R-P", "PRIN", "PRINCIPAL", "MANAGEMENT", "主体责任", "2020-01-01", None)],
        {"OLD": "ADMONISHMENT"},
    )
    old = next(x for x in result[0] if x.person_id == "OLD")
    assert (old.kind, old.measure, old.held_to) == ("DIRECT", "ADMONISHMENT", "2024-05-31")
    principal = next(x for x in result[0] if x.person_id == "PRIN")
    assert principal.basis is not None and principal.basis.item_id == "R-P"


def test_a_single_facts_day_is_its_own_period():
    result = resolve(
        case(DEP, ORG, facts=("2024-05-10", None)),
        [post("HEAD", "DEP", "UNIT_HEAD", end="2024-05-10"), *ORGAN_TEAM],
        [(item("LEAD", end="2024-05-09"), "DEP")],
        LEADER,
        [],
        {},
    )
    assert gaps(result) == [("DEP", "IN_CHARGE", "2024-05-10", "2024-05-10", "VACANT")]
