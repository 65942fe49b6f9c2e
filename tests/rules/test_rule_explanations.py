"""考核 explained, line by line, without a store: what each line of a unit's result says, the
cycle's rules as stored, and how `derive` keeps one line per case and post.

Both time axes: valid time is the cycle's period and the dates of the facts, registration and
conclusion; record time is which version of a case or a score the read side found at the
position asked (a case known before its conclusion was recorded is pending, after it vetoes;
a score recorded later replaces the earlier one).
"""

import pytest

from ledger.domain.rules.evaluation import (
    DEFAULT_VETO_FORMS,
    Adjustment,
    CaseFacts,
    CycleRules,
    Line,
    Score,
    SubjectPost,
    UnitResult,
    adjustment_line,
    derive,
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
HEAD = SubjectPost("U", "UNIT_HEAD", "2020-01-01", None)
MEMBER = SubjectPost("U", "TEAM_MEMBER", "2020-01-01", None)


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


# ---------------------------------------------------------------- the cycle's rules as stored

STORED = {
    "criteria": [{"code": "EDU", "title": "宣传教育"}, {"code": "SUP", "title": "监督检查"}],
    "passive_case_deduction": 2,
    "veto_roles": ["PRINCIPAL", "UNIT_HEAD"],
    "grade_bands": {"EXCELLENT": 90, "GOOD": 80, "PASS": 60},
}


@pytest.mark.parametrize(
    ("veto_forms", "expected"),
    [
        ("absent", DEFAULT_VETO_FORMS),  # a cycle opened before veto forms were a choice
        (None, DEFAULT_VETO_FORMS),
        ([], DEFAULT_VETO_FORMS),  # no forms chosen: the default ones, never "nothing vetoes"
        (["FOURTH"], ("FOURTH",)),
        (["THIRD", "FOURTH"], ("THIRD", "FOURTH")),
    ],
)
def test_a_cycle_read_back_from_its_stored_rules(veto_forms, expected):
    stored = dict(STORED) if veto_forms == "absent" else {**STORED, "veto_forms": veto_forms}
    rules = CycleRules.from_stored("2024-01-01", "2024-12-31", stored)
    assert rules == CycleRules(
        period_from="2024-01-01",
        period_to="2024-12-31",
        criteria={"EDU": "宣传教育", "SUP": "监督检查"},
        passive_case_deduction=2.0,
        veto_roles=("PRINCIPAL", "UNIT_HEAD"),
        grade_bands={"EXCELLENT": 90, "GOOD": 80, "PASS": 60},
        veto_forms=expected,
    )
    assert isinstance(rules.passive_case_deduction, float)
    assert isinstance(rules.veto_roles, tuple) and isinstance(rules.veto_forms, tuple)


# ---------------------------------------------------------------- each line says why


@pytest.mark.parametrize(
    ("kind", "points", "rule", "counted"),
    [
        ("DEDUCTION", 1.5, "MANUAL_DEDUCTION", -1.5),  # a deduction counts negative
        ("BONUS", 0.5, "MANUAL_BONUS", 0.5),
        ("VETO", 0.0, "MANUAL_VETO", 0.0),  # a veto counts no points: it decides the grade
        ("VETO", 3.0, "MANUAL_VETO", 0.0),  # whatever points were typed with it
    ],
)
def test_a_manual_adjustment_keeps_its_reason_and_case(kind, points, rule, counted):
    line = adjustment_line(Adjustment("U", kind, points, "上级通报", "C-9"))
    assert line == Line(rule, counted, "上级通报", "C-9")
    assert isinstance(line.points, float)


def test_a_manual_adjustment_without_a_case_names_none():
    assert adjustment_line(Adjustment("U", "DEDUCTION", 1.0, "台账不全", None)) == Line(
        "MANUAL_DEDUCTION", -1.0, "台账不全", None
    )


def test_a_passive_case_line_names_the_case_and_its_registration():
    assert passive_case_deduction(case(), RULES) == Line(
        "PASSIVE_CASE", -2.0, "被动查处：违规收受礼品（2024-04-01立案）", "C-1"
    )


@pytest.mark.parametrize(
    ("post", "form", "reason"),
    [
        (
            HEAD,
            "SECOND",
            "一票否决：张三（处室（单位）负责人）违纪违法，2024-06-01结案（第二种形态（轻处分、组织调整））",
        ),
        (
            MEMBER,
            "FOURTH",
            "一票否决：张三（班子成员）违纪违法，2024-06-01结案（第四种形态（立案审查、移送司法））",
        ),
    ],
)
def test_a_veto_line_names_the_subject_their_post_and_the_form(post, form, reason):
    line = leadership_veto(case(form=form, concluded_on="2024-06-01"), post, RULES)
    assert line == Line("LEADERSHIP_CASE_VETO", 0.0, reason, "C-1")


@pytest.mark.parametrize(
    ("post", "reason"),
    [
        (HEAD, "待结案：张三（处室（单位）负责人）2024-04-01立案，尚未结案"),
        (MEMBER, "待结案：张三（班子成员）2024-04-01立案，尚未结案"),
    ],
)
def test_a_pending_line_names_the_subject_their_post_and_the_registration(post, reason):
    assert pending_veto(case(), post, RULES) == Line("PENDING_CASE_VETO", 0.0, reason, "C-1")


# ------------------------------------------------------- record time: what was known when


@pytest.mark.parametrize(
    ("known", "veto", "pending"),
    [
        ({}, False, True),  # registered, the conclusion not recorded yet: pending
        ({"form": "SECOND", "concluded_on": "2024-06-01"}, True, False),  # recorded: vetoes
        ({"form": "FIRST", "concluded_on": "2024-06-01"}, False, False),  # concluded mildly
        # the conclusion recorded with a date after the period: neither, in this cycle
        ({"form": "SECOND", "concluded_on": "2025-01-01"}, False, False),
    ],
)
def test_the_same_case_as_known_before_and_after_its_conclusion(known, veto, pending):
    (result,) = derive(["U"], RULES, [], [], [], [(case(**known), HEAD)])
    assert [x.case_id for x in result.vetoes] == (["C-1"] if veto else [])
    assert [x.case_id for x in result.pending] == (["C-1"] if pending else [])


def test_a_score_recorded_later_replaces_the_earlier_one_per_unit_and_criterion():
    scores = [Score("U", "EDU", 20.0), Score("V", "EDU", 10.0), Score("U", "EDU", 25.0)]
    u, v = derive(["U", "V"], RULES, scores, [], [], [])
    assert (u.base, v.base) == (25.0, 10.0)


# ---------------------------------------------------------------- derive: criteria and vetoes


def test_criteria_lines_carry_the_cycles_titles_and_an_unknown_code_its_code():
    scores = [Score("U", "SUP", 30.0), Score("U", "EDU", 25.0), Score("U", "OLD", 5.0)]
    (u,) = derive(["U"], RULES, scores, [], [], [])
    assert u.criteria == [
        Line("EDU", 25.0, "宣传教育"),
        Line("OLD", 5.0, "OLD"),  # a criterion the cycle does not name shows its code
        Line("SUP", 30.0, "监督检查"),
    ]


@pytest.mark.parametrize(
    ("total", "vetoes", "expected"),
    [
        (95.0, [], "EXCELLENT"),
        (95.0, [Line("MANUAL_VETO", 0.0, "上级通报")], "FAIL"),  # vetoed: FAIL whatever the total
        (95.0, [Line("LEADERSHIP_CASE_VETO", 0.0, "一票否决", "C-1")], "FAIL"),
    ],
)
def test_a_vetoed_unit_fails_whatever_its_total(total, vetoes, expected):
    unit = UnitResult("U", criteria=[Line("EDU", total, "宣传教育")], vetoes=vetoes)
    assert unit.grade(BANDS) == expected


def test_a_case_found_twice_for_the_same_post_vetoes_once():
    """The read side may find a subject's post twice (held in two stretches, both during the
    facts): still one line per case and role."""
    concluded = case(form="SECOND", concluded_on="2024-06-01")
    first = SubjectPost("U", "UNIT_HEAD", "2020-01-01", "2024-03-10")
    again = SubjectPost("U", "UNIT_HEAD", "2024-03-10", None)
    (u,) = derive(["U"], RULES, [], [], [], [(concluded, first), (concluded, again)])
    assert [x.case_id for x in u.vetoes] == ["C-1"]
    (u,) = derive(["U"], RULES, [], [], [], [(case(), first), (case(), again)])
    assert [x.case_id for x in u.pending] == ["C-1"]


def test_a_post_outside_the_facts_does_not_hide_the_one_inside():
    """The first row the read side found was a stretch that ended before the facts; the case
    still vetoes through the stretch that covers them."""
    concluded = case(form="SECOND", concluded_on="2024-06-01")
    before = SubjectPost("U", "UNIT_HEAD", "2020-01-01", "2024-03-09")
    during = SubjectPost("U", "UNIT_HEAD", "2024-03-10", None)
    (u,) = derive(["U"], RULES, [], [], [], [(concluded, before), (concluded, during)])
    assert [x.case_id for x in u.vetoes] == ["C-1"]


def test_a_post_outside_the_evaluated_units_is_ignored_and_the_next_one_counts():
    concluded = case(form="SECOND", concluded_on="2024-06-01")
    elsewhere = SubjectPost("X", "UNIT_HEAD", "2020-01-01", None)
    other = case(case_id="C-2", form="THIRD", concluded_on="2024-07-01")
    (u,) = derive(["U"], RULES, [], [], [], [(concluded, elsewhere), (other, HEAD)])
    assert [x.case_id for x in u.vetoes] == ["C-2"]


def test_a_passive_case_of_a_unit_not_evaluated_deducts_nothing():
    (u,) = derive(["U"], RULES, [], [], [("X", case()), ("U", case(case_id="C-2"))], [])
    assert [(x.rule, x.case_id) for x in u.deductions] == [("PASSIVE_CASE", "C-2")]


# ---------------------------------------------------------------- ranks


def unit(unit_id: str, total: float, vetoed: bool = False) -> UnitResult:
    vetoes = [Line("MANUAL_VETO", 0.0, "")] if vetoed else []
    return UnitResult(unit_id, criteria=[Line("EDU", total, "")], vetoes=vetoes)


@pytest.mark.parametrize(
    ("rows", "expected"),
    [  # (unit, total, vetoed): fresh results in each test, ranks not yet set
        ([("A", 80, False)], [("A", 1)]),  # alone: first
        ([("B", 80, False), ("A", 80, False)], [("A", 1), ("B", 1)]),  # all equal: all first
        (
            [("A", 80, False), ("B", 70, False), ("C", 80, False)],
            [("A", 1), ("C", 1), ("B", 3)],
        ),
        # a vetoed unit with the same total as the first is not tied with it
        ([("A", 80, True), ("B", 80, False)], [("B", 1), ("A", 2)]),
        ([("A", 80, True), ("B", 90, True)], [("B", 1), ("A", 2)]),
    ],
)
def test_ranks_start_at_one_and_ties_share_a_rank(rows, expected):
    results = [unit(*row) for row in rows]
    assert all(r.rank is None for r in results)
    assert [(r.unit_id, r.rank) for r in rank(results)] == expected
