"""考核: how a unit's result follows from its scores, adjustments and cases.

A cycle's rules are data (`CycleRules`, chosen when it opens). Given the rows the read
side found for a cycle as of one position, `derive` explains every point:
- criteria: the latest recorded score of each criterion (base score = their sum);
- manual deductions, bonuses and vetoes, each with its reason;
- PASSIVE_CASE: each PASSIVE case registered in the period against the unit's subtree
  deducts `passive_case_deduction` points;
- LEADERSHIP_CASE_VETO (一票否决, "单位班子成员发生违纪违法行为的，一票否决"): a case
  concluded within the period in one of `veto_forms` (a 处分 or more, or a transfer to
  judicial organs) whose subject held one of `veto_roles` in the evaluated unit during the
  facts vetoes it; such a case registered by the period's end but not yet concluded is
  listed as PENDING_CASE_VETO (0 points, no veto);
- OVERDUE_RECTIFICATION (optional, chosen on the cycle after it opened): each rectification
  order in the unit's subtree that stands OVERDUE at the period's end (整改逾期) deducts
  `overdue_rectification_deduction` points, one line per order;
- OVERDUE_TALK (optional, chosen on the cycle after it opened): each 六必谈 obligation of a
  person in the unit's subtree that stands OVERDUE on the period's last day (due before it,
  no talk by then) deducts `overdue_talk_deduction` points, one line per obligation (its
  reason names the person: personal data);
then grades (a vetoed unit FAILs whatever its total) and ranks (vetoed units after every
other; equal totals share a rank).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ledger.domain.labels import label
from ledger.domain.rules.periods import overlaps

RULE_PASSIVE = "PASSIVE_CASE"
RULE_LEADERSHIP_VETO = "LEADERSHIP_CASE_VETO"
RULE_PENDING_VETO = "PENDING_CASE_VETO"
# Lines these rules write from a case name its subject or its facts (personal case data).
CASE_RULES = (RULE_PASSIVE, RULE_LEADERSHIP_VETO, RULE_PENDING_VETO)
RULE_OVERDUE_RECTIFICATION = "OVERDUE_RECTIFICATION"
RULE_OVERDUE_TALK = "OVERDUE_TALK"
RULE_MANUAL = {"DEDUCTION": "MANUAL_DEDUCTION", "BONUS": "MANUAL_BONUS", "VETO": "MANUAL_VETO"}
DEFAULT_VETO_FORMS = ("SECOND", "THIRD", "FOURTH")
GRADES = ("EXCELLENT", "GOOD", "PASS")


@dataclass(frozen=True)
class CycleRules:
    period_from: str
    period_to: str
    criteria: dict[str, str]  # code -> title
    passive_case_deduction: float
    veto_roles: tuple[str, ...]
    grade_bands: dict[str, float]
    veto_forms: tuple[str, ...] = DEFAULT_VETO_FORMS
    overdue_rectification_deduction: float = 0.0  # chosen by its own event; 0: no such rule
    overdue_talk_deduction: float = 0.0  # chosen by its own event; 0: no such rule

    @classmethod
    def from_stored(cls, period_from: str, period_to: str, rules: dict) -> CycleRules:
        return cls(
            period_from,
            period_to,
            {c["code"]: c["title"] for c in rules["criteria"]},
            float(rules["passive_case_deduction"]),
            tuple(rules["veto_roles"]),
            dict(rules["grade_bands"]),
            tuple(rules.get("veto_forms") or DEFAULT_VETO_FORMS),
        )

    def in_period(self, day: str) -> bool:
        return self.period_from <= day <= self.period_to


@dataclass(frozen=True)
class Score:
    unit_id: str
    criterion: str
    points: float


@dataclass(frozen=True)
class Adjustment:
    unit_id: str
    kind: str  # DEDUCTION | BONUS | VETO
    points: float
    reason: str
    case_id: str | None


@dataclass(frozen=True)
class CaseFacts:
    """What the rules read of a case, as known at the position asked."""

    case_id: str
    subject_id: str
    subject_name: str
    discovery: str
    facts_on: str
    facts_until: str | None
    registered_on: str
    summary: str
    form: str | None = None
    concluded_on: str | None = None


@dataclass(frozen=True)
class SubjectPost:
    """A post the subject of a case held in an evaluated unit (valid time)."""

    unit_id: str
    role: str
    valid_from: str
    valid_to: str | None


@dataclass(frozen=True)
class RectificationAtEnd:
    """A rectification order in force at the period's end, and where it stood then."""

    rectification_id: str
    finding_id: str
    requirement: str
    status: str  # OPEN | DONE | OVERDUE on the period's last day
    due_on: str


@dataclass(frozen=True)
class TalkAtEnd:
    """A 六必谈 obligation that had arisen by the period's end, and where it stood then."""

    obligation_id: str
    person_name: str
    reason: str  # TalkObligationReason
    arose_on: str
    due_on: str
    status: str  # OPEN | DONE | OVERDUE on the period's last day


@dataclass(frozen=True)
class Line:
    rule: str
    points: float
    reason: str
    case_id: str | None = None
    obligation_id: str | None = None  # the 六必谈 obligation an OVERDUE_TALK line names


@dataclass
class UnitResult:
    unit_id: str
    criteria: list[Line] = field(default_factory=list)
    deductions: list[Line] = field(default_factory=list)
    bonuses: list[Line] = field(default_factory=list)
    vetoes: list[Line] = field(default_factory=list)
    pending: list[Line] = field(default_factory=list)
    rank: int | None = None

    @property
    def base(self) -> float:
        return round(sum(x.points for x in self.criteria), 2)

    @property
    def total(self) -> float:
        adjustments = sum(x.points for x in (*self.deductions, *self.bonuses))
        return round(self.base + adjustments, 2)

    @property
    def vetoed(self) -> bool:
        return bool(self.vetoes)

    def grade(self, bands: dict[str, float]) -> str:
        return grade(self.total, self.vetoed, bands)


def grade(total: float, vetoed: bool, bands: dict[str, float]) -> str:
    """EXCELLENT / GOOD / PASS by the cycle's bands (inclusive lower bounds), else FAIL;
    a vetoed unit FAILs whatever its total."""
    if vetoed:
        return "FAIL"
    return next((g for g in GRADES if total >= bands[g]), "FAIL")


def latest_scores(scores: Iterable[Score]) -> dict[tuple[str, str], float]:
    """The score in force per (unit, criterion): the last recorded (scores in record order)."""
    latest: dict[tuple[str, str], float] = {}
    for s in scores:
        latest[(s.unit_id, s.criterion)] = s.points
    return latest


def adjustment_line(a: Adjustment) -> Line:
    """A manual adjustment as a line: deductions count negative, a veto counts 0 points."""
    points = {"DEDUCTION": -a.points, "BONUS": a.points}.get(a.kind, 0.0)
    return Line(RULE_MANUAL[a.kind], points, a.reason, a.case_id)


def passive_case_deduction(case: CaseFacts, rules: CycleRules) -> Line | None:
    """被动查处: a PASSIVE case registered within the period costs points."""
    if case.discovery != "PASSIVE" or not rules.in_period(case.registered_on):
        return None
    return Line(
        RULE_PASSIVE,
        -rules.passive_case_deduction,
        f"被动查处：{case.summary}（{case.registered_on}立案）",
        case.case_id,
    )


def leadership_veto(case: CaseFacts, post: SubjectPost, rules: CycleRules) -> Line | None:
    """一票否决: a violation established within the period (the case concluded then in one
    of the veto forms) by someone who held a veto role in the evaluated unit during the
    facts. A case concluded otherwise, or later, does not veto this cycle."""
    if not _led_during_facts(case, post, rules):
        return None
    if case.form not in rules.veto_forms or not (
        case.concluded_on and rules.in_period(case.concluded_on)
    ):
        return None
    return Line(
        RULE_LEADERSHIP_VETO,
        0.0,
        f"一票否决：{case.subject_name}（{label('PostRole', post.role)}）违纪违法，"
        f"{case.concluded_on}结案（{label('DisciplineForm', case.form or '')}）",
        case.case_id,
    )


def pending_veto(case: CaseFacts, post: SubjectPost, rules: CycleRules) -> Line | None:
    """A leadership case registered by the period's end and not concluded yet: it would veto
    if concluded in a veto form within the period; until then it counts 0 points."""
    if not _led_during_facts(case, post, rules) or case.concluded_on is not None:
        return None
    if case.registered_on > rules.period_to:
        return None
    return Line(
        RULE_PENDING_VETO,
        0.0,
        f"待结案：{case.subject_name}（{label('PostRole', post.role)}）"
        f"{case.registered_on}立案，尚未结案",
        case.case_id,
    )


def overdue_rectification_deduction(r: RectificationAtEnd, rules: CycleRules) -> Line | None:
    """整改逾期: an order still OVERDUE on the period's last day costs points (when the cycle
    chose the rule)."""
    if rules.overdue_rectification_deduction <= 0 or r.status != "OVERDUE":
        return None
    return Line(
        RULE_OVERDUE_RECTIFICATION,
        -rules.overdue_rectification_deduction,
        f"整改逾期：{r.requirement}（发现问题 {r.finding_id}，整改事项 {r.rectification_id}，"
        f"应于{r.due_on}前完成，截至{rules.period_to}未完成）",
    )


def overdue_talk_deduction(o: TalkAtEnd, rules: CycleRules) -> Line | None:
    """六必谈逾期: an obligation still OVERDUE on the period's last day costs points (when the
    cycle chose the rule)."""
    if rules.overdue_talk_deduction <= 0 or o.status != "OVERDUE":
        return None
    return Line(
        RULE_OVERDUE_TALK,
        -rules.overdue_talk_deduction,
        f"六必谈逾期：{o.person_name}（{label('TalkObligationReason', o.reason)}，{o.arose_on}起"
        f"应谈，应于{o.due_on}前谈话，截至{rules.period_to}未谈）",
        obligation_id=o.obligation_id,
    )


def _led_during_facts(case: CaseFacts, post: SubjectPost, rules: CycleRules) -> bool:
    facts_end = case.facts_until or case.facts_on
    return post.role in rules.veto_roles and overlaps(
        post.valid_from, post.valid_to, case.facts_on, facts_end
    )


def rank(results: list[UnitResult]) -> list[UnitResult]:
    """Order by (not vetoed first, total descending, unit id); ties share a rank."""
    ranked = sorted(results, key=lambda r: (r.vetoed, -r.total, r.unit_id))
    for n, row in enumerate(ranked):
        previous = ranked[n - 1] if n else None
        same = previous is not None and (previous.vetoed, previous.total) == (row.vetoed, row.total)
        row.rank = previous.rank if same and previous is not None else n + 1
    return ranked


def derive(
    unit_ids: list[str],
    rules: CycleRules,
    scores: Iterable[Score],
    adjustments: Iterable[Adjustment],
    subtree_cases: Iterable[tuple[str, CaseFacts]],
    leadership_cases: Iterable[tuple[CaseFacts, SubjectPost]],
    rectifications: Iterable[tuple[str, RectificationAtEnd]] = (),
    talks: Iterable[tuple[str, TalkAtEnd]] = (),
) -> list[UnitResult]:
    """Every unit's explained result, ranked.

    `subtree_cases`: (evaluated unit, case) for cases in the unit's subtree;
    `leadership_cases`: (case, a post its subject held in an evaluated unit). Both may hold
    more than the rules keep: the rules decide, not the query that found them.
    `rectifications`: (evaluated unit, order in its subtree, as it stood at the period's end).
    `talks`: (evaluated unit, 六必谈 obligation in its subtree, as it stood at the period's end).
    """
    by_unit = {u: UnitResult(u) for u in unit_ids}
    for (unit_id, criterion), points in sorted(latest_scores(scores).items()):
        by_unit[unit_id].criteria.append(
            Line(criterion, points, rules.criteria.get(criterion, criterion))
        )
    for a in adjustments:
        target = by_unit[a.unit_id]
        bucket = {"DEDUCTION": target.deductions, "BONUS": target.bonuses, "VETO": target.vetoes}
        bucket[a.kind].append(adjustment_line(a))
    for unit_id, case in subtree_cases:
        line = passive_case_deduction(case, rules)
        if line and unit_id in by_unit:
            by_unit[unit_id].deductions.append(line)
    for unit_id, rectification in rectifications:
        line = overdue_rectification_deduction(rectification, rules)
        if line and unit_id in by_unit:
            by_unit[unit_id].deductions.append(line)
    for unit_id, obligation in talks:
        line = overdue_talk_deduction(obligation, rules)
        if line and unit_id in by_unit:
            by_unit[unit_id].deductions.append(line)
    seen: set[tuple[str, str, str]] = set()
    for case, post in leadership_cases:
        key = (post.unit_id, case.case_id, post.role)
        if post.unit_id not in by_unit or key in seen:
            continue
        veto, pending = leadership_veto(case, post, rules), pending_veto(case, post, rules)
        if veto or pending:
            seen.add(key)
        if veto:
            by_unit[post.unit_id].vetoes.append(veto)
        if pending:
            by_unit[post.unit_id].pending.append(pending)
    return rank(list(by_unit.values()))
