"""考核 rules without a store: deductions, the one-vote veto, grades and ranks, at their edges."""

import pytest

from ledger.domain.rules.evaluation import (
    Adjustment,
    CaseFacts,
    CycleRules,
    Line,
    Score,
    SubjectPost,
    UnitResult,
    derive,
    grade,
    leadership_veto,
    passive_case_deduction,
    pending_veto,
    rank,
)

BANDS = {"EXCELLENT": 90.0, "GOOD": 80.0, "PASS": 60.0}
RULES = CycleRules(
    period_from="2024-01-01",
    period_to="2024-12-31",
    criteria={"EDU": "宣传教育", "SUP": "监督检查"},
    passive_case_deduction=2.0,
    veto_roles=("PRINCIPAL", "TEAM_MEMBER", "DISCIPLINE_SECRETARY", "UNIT_HEAD"),
    grade_bands=BANDS,
)


def case(**changes) -> CaseFacts:
    facts = dict(
        case_id="C-1",
        subject_id="P-1",
        subject_name="张三",
        discovery="PASSIVE",
        facts_on="2024-03-10",
        facts_until=None,
        registered_on="2024-04-01",
        summary="违规收受礼品",
    )
    return CaseFacts(**{**facts, **changes})


@pytest.mark.parametrize(
    ("total", "vetoed", "expected"),
    [
        (90.0, False, "EXCELLENT"),  # the lower bound belongs to the band
        (89.99, False, "GOOD"),
        (80.0, False, "GOOD"),
        (60.0, False, "PASS"),
        (59.99, False, "FAIL"),
        (100.0, True, "FAIL"),  # a veto fails whatever the total
    ],
)
def test_grades_follow_the_bands_and_a_veto_fails(total, vetoed, expected):
    assert grade(total, vetoed, BANDS) == expected


@pytest.mark.parametrize(
    ("changes", "deducts"),
    [
        ({}, True),
        ({"discovery": "SELF_DISCOVERED"}, False),  # found by the unit itself: no deduction
        ({"registered_on": "2024-01-01"}, True),  # first day of the period
        ({"registered_on": "2024-12-31"}, True),  # last day of the period
        ({"registered_on": "2023-12-31", "facts_on": "2023-12-01"}, False),
        ({"registered_on": "2025-01-01"}, False),
    ],
)
def test_a_passive_case_registered_in_the_period_deducts(changes, deducts):
    line = passive_case_deduction(case(**changes), RULES)
    assert (line is not None) is deducts
    if line:
        assert (line.rule, line.points, line.case_id) == ("PASSIVE_CASE", -2.0, "C-1")


CONCLUDED = {"form": "SECOND", "concluded_on": "2024-06-01"}


@pytest.mark.parametrize(
    ("post", "changes", "vetoes"),
    [
        (("U", "UNIT_HEAD", "2020-01-01", None), CONCLUDED, True),
        (("U", "STAFF", "2020-01-01", None), CONCLUDED, False),  # not a leadership post
        (("U", "UNIT_HEAD", "2020-01-01", "2024-03-10"), CONCLUDED, True),  # ends on the facts date
        (("U", "UNIT_HEAD", "2020-01-01", "2024-03-09"), CONCLUDED, False),  # ended the day before
        (("U", "UNIT_HEAD", "2024-03-11", None), CONCLUDED, False),  # began the day after
        (("U", "UNIT_HEAD", "2024-03-20", None), {**CONCLUDED, "facts_until": "2024-03-20"}, True),
        # the violation is established by the conclusion, in a veto form, within the period
        (("U", "UNIT_HEAD", "2020-01-01", None), {}, False),  # registered, not concluded
        (("U", "UNIT_HEAD", "2020-01-01", None), {**CONCLUDED, "form": "FIRST"}, False),  # a talk
        (("U", "UNIT_HEAD", "2020-01-01", None), {**CONCLUDED, "form": "FOURTH"}, True),
        (("U", "UNIT_HEAD", "2020-01-01", None), {**CONCLUDED, "concluded_on": "2024-12-31"}, True),
        (
            ("U", "UNIT_HEAD", "2020-01-01", None),
            {**CONCLUDED, "concluded_on": "2025-01-01"},
            False,
        ),
        # registered the year before, concluded in the period: it vetoes this period
        (
            ("U", "UNIT_HEAD", "2020-01-01", None),
            {**CONCLUDED, "facts_on": "2023-06-01", "registered_on": "2023-11-30"},
            True,
        ),
    ],
)
def test_a_leadership_case_vetoes_once_concluded_in_a_veto_form_within_the_period(
    post, changes, vetoes
):
    line = leadership_veto(case(**changes), SubjectPost(*post), RULES)
    assert (line is not None) is vetoes
    if line:
        assert line.rule == "LEADERSHIP_CASE_VETO" and line.points == 0.0
        assert "一票否决" in line.reason and "张三" in line.reason


@pytest.mark.parametrize(
    ("changes", "pending"),
    [
        ({}, True),  # registered in the period, not concluded
        ({"registered_on": "2024-12-31"}, True),
        ({"registered_on": "2025-01-01"}, False),  # after the period: the next cycle's
        (CONCLUDED, False),  # concluded: it vetoes (or not), it is no longer pending
        ({"form": "FIRST", "concluded_on": "2024-06-01"}, False),
    ],
)
def test_an_open_leadership_case_is_pending_at_zero_points(changes, pending):
    line = pending_veto(case(**changes), SubjectPost("U", "UNIT_HEAD", "2020-01-01", None), RULES)
    assert (line is not None) is pending
    if line:
        assert (line.rule, line.points) == ("PENDING_CASE_VETO", 0.0)


def test_the_cycle_chooses_which_forms_veto():
    strict = CycleRules(**{**RULES.__dict__, "veto_forms": ("THIRD", "FOURTH")})
    post = SubjectPost("U", "UNIT_HEAD", "2020-01-01", None)
    assert leadership_veto(case(**CONCLUDED), post, strict) is None
    assert leadership_veto(case(**{**CONCLUDED, "form": "THIRD"}), post, strict) is not None


def test_ties_share_a_rank_and_vetoed_units_rank_last():
    rows = [
        UnitResult("A", criteria=[Line("EDU", 80, "")]),
        UnitResult("B", criteria=[Line("EDU", 95, "")], vetoes=[Line("MANUAL_VETO", 0, "")]),
        UnitResult("C", criteria=[Line("EDU", 80, "")]),
        UnitResult("D", criteria=[Line("EDU", 70, "")]),
    ]
    ranked = rank(rows)
    assert [(r.unit_id, r.rank) for r in ranked] == [("A", 1), ("C", 1), ("D", 3), ("B", 4)]


def test_derive_explains_every_point():
    scores = [
        Score("U", "EDU", 20.0),
        Score("U", "EDU", 25.0),  # recorded later: the one in force
        Score("U", "SUP", 30.0),
        Score("V", "EDU", 28.0),
    ]
    adjustments = [
        Adjustment("U", "DEDUCTION", 1.5, "台账不全", None),
        Adjustment("U", "BONUS", 0.5, "经验推广", None),
        Adjustment("V", "VETO", 0.0, "上级通报", None),
    ]
    cases = [("U", case()), ("U", case(case_id="C-2", discovery="SELF_DISCOVERED"))]
    leaders = [
        (
            case(case_id="C-3", discovery="SELF_DISCOVERED", **CONCLUDED),
            SubjectPost("V", "UNIT_HEAD", "2020-01-01", None),
        ),
        (case(case_id="C-4"), SubjectPost("U", "UNIT_HEAD", "2020-01-01", None)),
    ]
    u, v = derive(["U", "V"], RULES, scores, adjustments, cases, leaders)
    assert (u.unit_id, u.base, u.total, u.grade(BANDS), u.rank) == ("U", 55.0, 52.0, "FAIL", 1)
    assert [(x.rule, x.points) for x in u.criteria] == [("EDU", 25.0), ("SUP", 30.0)]
    assert [(x.rule, x.points, x.case_id) for x in u.deductions] == [
        ("MANUAL_DEDUCTION", -1.5, None),
        ("PASSIVE_CASE", -2.0, "C-1"),
    ]
    assert [x.rule for x in v.vetoes] == ["MANUAL_VETO", "LEADERSHIP_CASE_VETO"]
    assert [(x.rule, x.case_id) for x in u.pending] == [("PENDING_CASE_VETO", "C-4")]
    assert not u.vetoed
    assert (v.total, v.grade(BANDS), v.rank) == (28.0, "FAIL", 2)
