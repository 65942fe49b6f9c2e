"""一案双查 level by level, without a store: which posts and items enter a chain, what each
link names, and the gaps a level owes.

The organisation: organ ORG, its affiliated unit AFF (own secretaries), AFF's branch ZB, the
department DEP, and a working committee WC over organs. Facts in May 2024 unless a case says
otherwise. `resolve` is handed rows the read side found in both times; it must still keep
only what the rules keep (a row outside the facts is no link). Record time enters as which
version of a row was found: the facts period as first recorded and as corrected, a post as
first recorded and as shortened by a correction.
"""

import dataclasses

import pytest

from ledger.domain.rules.accountability import (
    CaseAt,
    Gap,
    Level,
    Link,
    link_from_record,
    resolve,
)
from ledger.domain.rules.rows import HoldingRow, PostRow

ORG = Level("ORG", "ORGAN")
AFF = Level("AFF", "AFFILIATED_UNIT", has_principal=True, has_supervisor=True)
DEP = Level("DEP", "DEPARTMENT")
ZB = Level("ZB", "PARTY_BRANCH")
WC = Level("WC", "WORKING_COMMITTEE", has_principal=True)
MAY = ("2024-05-01", "2024-05-31")


def case(*path: Level, subject: str = "S", facts=MAY) -> CaseAt:
    return CaseAt("C-1", subject, facts[0], facts[1], tuple(path))


def post(person: str, unit: str, role: str, start: str = "2020-01-01", end: str | None = None):
    return PostRow(person, unit, role, start, end)


def item(holder: str, start="2020-01-01", end=None, item_id="IT", kind="IN_CHARGE"):
    return HoldingRow(item_id, holder, kind, "MANAGEMENT", "分管", start, end)


ORGAN_TEAM = [post("PRIN", "ORG", "PRINCIPAL"), post("DS", "ORG", "DISCIPLINE_SECRETARY")]
LEADER = {"LEAD": [post("LEAD", "ORG", "TEAM_MEMBER")]}


def links(result) -> list[tuple[str, str, str]]:
    return [(x.unit_id, x.kind, x.person_id) for x in result[0]]


def gaps(result) -> list[tuple]:
    return [(g.unit_id, g.kind, g.gap_from, g.gap_to, g.reason) for g in result[1]]


# ---------------------------------------------------------------- what a level owes


@pytest.mark.parametrize(
    ("level", "principal", "supervisory"),
    [
        (Level("ORG", "ORGAN"), True, True),  # the organ always owes both, posts or not
        (Level("AFF", "AFFILIATED_UNIT", has_principal=True), True, False),
        (Level("AFF", "AFFILIATED_UNIT", has_supervisor=True), False, True),
        (Level("AFF", "AFFILIATED_UNIT", True, True), True, True),
        (Level("DEP", "DEPARTMENT"), False, False),  # never had such posts: owes neither
        (Level("WC", "WORKING_COMMITTEE"), False, False),  # not an organ
    ],
)
def test_a_level_owes_the_responsibilities_it_has_posts_for(level, principal, supervisory):
    assert level.expects("PRINCIPAL") is principal
    assert level.expects("SUPERVISORY") is supervisory


def test_a_level_with_a_principal_but_no_supervisor_post_owes_only_the_principal():
    half = Level("AFF", "AFFILIATED_UNIT", has_principal=True)
    result = resolve(case(half, ORG), [post("HEAD", "AFF", "UNIT_HEAD"), *ORGAN_TEAM],
                     [(item("LEAD"), "AFF")], LEADER, [], {})  # fmt: skip
    assert gaps(result) == [("AFF", "PRINCIPAL", *MAY, "VACANT")]


@pytest.mark.parametrize("top", [ORG, WC])
def test_at_the_top_the_head_is_no_direct_link_and_owes_no_direct_gap(top):
    """A case in an organ (or a working committee) itself: its head answers as its principal
    if they hold that post, not as the head of the unit where the facts occurred."""
    result = resolve(
        case(top),
        [post("HEAD", top.unit_id, "UNIT_HEAD"), post("PRIN", top.unit_id, "PRINCIPAL")],
        [],
        {},
        [],
        {},
    )
    assert links(result) == [(top.unit_id, "PRINCIPAL", "PRIN")]
    assert [g for g in gaps(result) if g[1] in ("DIRECT", "IN_CHARGE")] == []


def test_a_head_above_the_facts_unit_is_no_link_and_does_not_stop_the_others():
    """AFF's head is not ZB's head; the posts found after theirs still count."""
    result = resolve(
        case(ZB, AFF, ORG),
        [
            post("AFF-HEAD", "AFF", "UNIT_HEAD"),
            post("ZB-SEC", "ZB", "BRANCH_SECRETARY"),
            post("AFF-SEC", "AFF", "PRINCIPAL"),
            *ORGAN_TEAM,
        ],
        [(item("LEAD"), "ZB")],
        LEADER,
        [],
        {},
    )
    assert links(result) == [
        ("ZB", "DIRECT", "ZB-SEC"),
        ("ZB", "IN_CHARGE", "LEAD"),
        ("AFF", "PRINCIPAL", "AFF-SEC"),
        ("ORG", "PRINCIPAL", "PRIN"),
        ("ORG", "SUPERVISORY", "DS"),
    ]
    assert gaps(result) == [("AFF", "SUPERVISORY", *MAY, "VACANT")]


# ---------------------------------------------------------------- valid time of the posts


@pytest.mark.parametrize(
    ("start", "end", "linked"),
    [
        ("2020-01-01", "2024-04-30", False),  # left the day before the facts began
        ("2020-01-01", "2024-05-01", True),  # left on the first day of the facts
        ("2024-05-31", None, True),  # came on the last day of the facts
        ("2024-06-01", None, False),  # the successor, the day after: never enters
    ],
)
def test_a_post_enters_the_chain_only_if_it_shares_a_day_with_the_facts(start, end, linked):
    """Rows outside the facts may reach the rules (a wide query): the rules drop them. They
    come first here, so dropping one must not stop the loop."""
    result = resolve(
        case(DEP, ORG),
        [post("HEAD", "DEP", "UNIT_HEAD", start, end), post("DEP-DS", "DEP", "UNIT_HEAD"),
         *ORGAN_TEAM],
        [(item("LEAD"), "DEP")],
        LEADER,
        [],
        {},
    )  # fmt: skip
    assert (("DEP", "DIRECT", "HEAD") in links(result)) is linked
    assert ("DEP", "DIRECT", "DEP-DS") in links(result)
    assert ("ORG", "PRINCIPAL", "PRIN") in links(result)


@pytest.mark.parametrize(
    ("facts", "people"),
    [
        # as first recorded: facts on one day, before the successor came
        (("2024-05-10", None), ["OLD"]),
        # as corrected (record time): the facts ran on until the successor's first day
        (("2024-05-10", "2024-05-20"), ["OLD", "NEW"]),
        (("2024-05-10", "2024-05-19"), ["OLD"]),
    ],
)
def test_a_corrected_facts_period_decides_who_enters(facts, people):
    result = resolve(
        case(DEP, ORG, facts=facts),
        [
            post("OLD", "DEP", "UNIT_HEAD", end="2024-05-19"),
            post("NEW", "DEP", "UNIT_HEAD", start="2024-05-20"),
            *ORGAN_TEAM,
        ],
        [(item("LEAD"), "DEP")],
        LEADER,
        [],
        {},
    )
    assert [p for u, k, p in links(result) if k == "DIRECT"] == people
    assert gaps(result) == []


@pytest.mark.parametrize(
    ("head_until", "gap"),
    [
        (None, []),  # as first recorded: still in post
        ("2024-05-31", []),  # corrected: left on the last day of the facts
        ("2024-05-30", [("DEP", "DIRECT", "2024-05-31", "2024-05-31", "VACANT")]),
    ],
)
def test_a_post_shortened_by_a_correction_opens_a_gap_the_day_after(head_until, gap):
    result = resolve(
        case(DEP, ORG),
        [post("HEAD", "DEP", "UNIT_HEAD", end=head_until), *ORGAN_TEAM],
        [(item("LEAD"), "DEP")],
        LEADER,
        [],
        {},
    )
    assert gaps(result) == gap


# ---------------------------------------------------------------- what a link names


def test_a_post_link_names_its_post_its_basis_the_dates_and_the_measure():
    head = post("HEAD", "DEP", "UNIT_HEAD", start="2023-03-01", end="2024-05-20")
    successor = post("NEXT", "DEP", "UNIT_HEAD", start="2024-05-21")
    bases = [
        item("NEXT", item_id="R-N", kind="DIRECT"),  # another holder's item of the same kind
        item("HEAD", item_id="R-IC", kind="IN_CHARGE"),  # the holder's item of another kind
        item("HEAD", item_id="R-D", kind="DIRECT"),  # the one that put them there
    ]
    result = resolve(case(DEP, ORG), [head, successor, *ORGAN_TEAM], [], {}, bases,
                     {"HEAD": "ADMONISHMENT"})  # fmt: skip
    direct = [x for x in result[0] if x.kind == "DIRECT"]
    assert direct == [
        Link("HEAD", "DIRECT", "DEP", head, bases[2], "2023-03-01", "2024-05-20", "ADMONISHMENT"),
        Link("NEXT", "DIRECT", "DEP", successor, bases[0], "2024-05-21", None, None),
    ]


def test_an_in_charge_link_names_the_team_post_the_item_the_dates_and_the_measure():
    holding = item("LEAD", start="2022-01-01", end="2024-12-31", item_id="IT-9")
    team = post("LEAD", "ORG", "TEAM_MEMBER", start="2021-06-01")
    result = resolve(
        case(ZB, AFF, ORG),
        [],
        [(holding, "AFF")],
        {"LEAD": [team]},
        [],
        {"LEAD": "WRITTEN_REVIEW", "OTHER": "ADMONISHMENT"},
    )
    (link,) = [x for x in result[0] if x.kind == "IN_CHARGE"]
    assert link == Link(
        "LEAD", "IN_CHARGE", "AFF", team, holding, "2022-01-01", "2024-12-31", "WRITTEN_REVIEW"
    )


def test_two_leaders_in_charge_are_two_links():
    result = resolve(
        case(DEP, ORG),
        [post("HEAD", "DEP", "UNIT_HEAD"), *ORGAN_TEAM],
        [(item("A", item_id="IT-A"), "DEP"), (item("B", item_id="IT-B"), "DEP")],
        {"A": [post("A", "ORG", "TEAM_MEMBER")], "B": [post("B", "ORG", "TEAM_MEMBER")]},
        [],
        {},
    )
    assert [p for u, k, p in links(result) if k == "IN_CHARGE"] == ["A", "B"]


@pytest.mark.parametrize("stored_basis", [None, item("HEAD", item_id="R-D", kind="DIRECT")])
def test_a_link_kept_by_a_decision_reads_back_as_it_was(stored_basis):
    link = Link(
        "HEAD",
        "DIRECT",
        "DEP",
        post("HEAD", "DEP", "UNIT_HEAD", end="2024-05-20"),
        stored_basis,
        "2020-01-01",
        "2024-05-20",
        "ADMONISHMENT",
    )
    record = dataclasses.asdict(link)
    assert link_from_record(record) == link
    assert record == dataclasses.asdict(link)  # the stored record is left as it was


# ---------------------------------------------------------------- IN_CHARGE in valid time


@pytest.mark.parametrize(
    ("held", "team", "window"),
    [
        # the item ended the day before the facts; still on the team: not in charge then
        (("2020-01-01", "2024-04-30"), ("2020-01-01", None), None),
        (("2020-01-01", "2024-05-01"), ("2020-01-01", None), ("2020-01-01", "2024-05-01")),
        # joined the team the day after the facts ended
        (("2020-01-01", None), ("2024-06-01", None), None),
        (("2020-01-01", None), ("2024-05-31", None), ("2024-05-31", None)),
        # left the team the day before the facts, the item still on paper
        (("2020-01-01", None), ("2020-01-01", "2024-04-30"), None),
        # one day of both: the item ends the day the team post begins
        (("2020-01-01", "2024-05-10"), ("2024-05-10", None), ("2024-05-10", "2024-05-10")),
        # never both at once
        (("2020-01-01", "2024-05-09"), ("2024-05-10", None), None),
    ],
)
def test_an_item_counts_for_the_days_it_and_a_team_post_are_both_held(held, team, window):
    result = resolve(
        case(DEP, ORG),
        [post("HEAD", "DEP", "UNIT_HEAD"), *ORGAN_TEAM],
        [(item("LEAD", *held), "DEP")],
        {"LEAD": [post("LEAD", "ORG", "TEAM_MEMBER", *team)]},
        [],
        {},
    )
    found = [(x.held_from, x.held_to) for x in result[0] if x.kind == "IN_CHARGE"]
    assert found == ([window] if window else [])


def test_a_leader_who_left_the_team_and_came_back_is_linked_for_the_second_stint():
    result = resolve(
        case(DEP, ORG),
        [post("HEAD", "DEP", "UNIT_HEAD"), *ORGAN_TEAM],
        [(item("LEAD"), "DEP")],
        {
            "LEAD": [
                post("LEAD", "ORG", "TEAM_MEMBER", end="2023-12-31"),
                post("LEAD", "ORG", "TEAM_MEMBER", start="2024-05-15"),
            ]
        },
        [],
        {},
    )
    assert [(x.held_from, x.held_to) for x in result[0] if x.kind == "IN_CHARGE"] == [
        ("2024-05-15", None)
    ]
    assert gaps(result) == [("DEP", "IN_CHARGE", "2024-05-01", "2024-05-14", "VACANT")]


def test_two_team_posts_from_the_same_day_name_the_team_membership_first():
    result = resolve(
        case(DEP, ORG),
        [post("HEAD", "DEP", "UNIT_HEAD"), *ORGAN_TEAM],
        [(item("LEAD"), "DEP")],
        {
            "LEAD": [
                post("LEAD", "ORG", "DISCIPLINE_SECRETARY", start="2022-01-01"),
                post("LEAD", "ORG", "TEAM_MEMBER", start="2022-01-01"),
                post("LEAD", "ORG", "PRINCIPAL", start="2021-01-01", end="2021-12-31"),  # before
            ]
        },
        [],
        {},
    )
    roles = [x.post.role for x in result[0] if x.kind == "IN_CHARGE"]
    assert roles == ["TEAM_MEMBER", "DISCIPLINE_SECRETARY"]


@pytest.mark.parametrize(
    ("subject", "reason"),
    [
        ("LEAD", "HELD_BY_SUBJECT"),  # the leader in charge is the subject: their own 查
        ("S", None),
    ],
)
def test_a_subject_in_charge_of_their_own_unit_leaves_a_gap_held_by_them(subject, reason):
    result = resolve(
        case(DEP, ORG, subject=subject),
        [post("HEAD", "DEP", "UNIT_HEAD"), *ORGAN_TEAM],
        [(item("LEAD"), "DEP")],
        LEADER,
        [],
        {},
    )
    assert (("DEP", "IN_CHARGE", "LEAD") in links(result)) is (reason is None)
    assert result[1] == ([Gap("IN_CHARGE", "DEP", *MAY, reason)] if reason else [])
