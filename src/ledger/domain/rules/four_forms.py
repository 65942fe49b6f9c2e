"""监督执纪"四种形态": how many times each form was used in a unit subtree over a period.

The first form (批评教育、谈话提醒) is most of what supervision does, and most of it is not
a case: it counts every talk held in the period and every written inquiry (函询)
concluded in it, besides the cases concluded in the first form. A talk that names a case
or an inquiry is counted with it, not again; an inquiry passed on to preliminary
verification (转初步核实) is not counted: the case that follows is, by its form, when it is
concluded. The other forms count the cases concluded in the period in that form. Each
form's share is its count over the total (0 when nothing was counted).
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.domain.labels import values_of

FORMS = values_of("DisciplineForm")
# Inquiries concluded with these outcomes go on as a case: they are not counted themselves.
OUTCOMES_NOT_COUNTED = ("TO_VERIFICATION",)


@dataclass(frozen=True)
class FormCount:
    form: str
    talks: int
    inquiries: int
    cases: int
    share: float

    @property
    def count(self) -> int:
        return self.talks + self.inquiries + self.cases


def counted_talk(case_id: str | None, inquiry_id: str | None, retracted: bool) -> bool:
    """Does a talk held in the period count by itself?"""
    return not retracted and case_id is None and inquiry_id is None


def counted_inquiry(outcome: str | None) -> bool:
    """Does an inquiry concluded in the period count (in the first form)?"""
    return outcome is not None and outcome not in OUTCOMES_NOT_COUNTED


def four_forms(talks: int, inquiries: int, cases: dict[str, int]) -> tuple[int, list[FormCount]]:
    """(total, one count per form in order) from the counted talks, the counted inquiries
    and the concluded cases by form."""
    raw = [
        (
            form,
            talks if form == "FIRST" else 0,
            inquiries if form == "FIRST" else 0,
            cases.get(form, 0),
        )
        for form in FORMS
    ]
    total = sum(t + i + c for _, t, i, c in raw)
    return total, [
        FormCount(form, t, i, c, round((t + i + c) / total, 4) if total else 0.0)
        for form, t, i, c in raw
    ]
