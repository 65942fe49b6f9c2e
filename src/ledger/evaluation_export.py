"""Export an evaluation cycle for appraisal staff: one row per unit, one column per criterion.

CSV (UTF-8 with a BOM, so that Excel opens Chinese headers right) or XLSX (a bold header
row frozen in place, columns as wide as their text); Chinese (the default for people) or
English headers and values. Every reason a rule writes is in Chinese.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Callable
from pathlib import Path

from ledger.domain.errors import NotFound
from ledger.domain.labels import label
from ledger.service import Ledger
from projections import evaluation as ev
from projections.db import Tx

HEADERS = {
    "en": {
        "unit_id": "Unit ID",
        "unit": "Unit",
        "base": "Base score",
        "deductions": "Deductions",
        "bonuses": "Bonuses",
        "veto": "Veto",
        "veto_reasons": "Veto reasons",
        "deduction_reasons": "Deduction reasons",
        "pending": "Pending cases (would veto)",
        "sheet": "results",
        "total": "Total",
        "grade": "Grade",
        "rank": "Rank",
        "yes": "yes",
        "no": "no",
    },
    "zh": {
        "unit_id": "单位编码",
        "unit": "单位",
        "base": "基础分",
        "deductions": "扣分",
        "bonuses": "加分",
        "veto": "一票否决",
        "veto_reasons": "否决事由",
        "deduction_reasons": "扣分事由",
        "pending": "待结案事项（结案后可能否决）",
        "sheet": "考核结果",
        "total": "总分",
        "grade": "等次",
        "rank": "排名",
        "yes": "是",
        "no": "否",
    },
}


def table(
    ledger: Ledger,
    cycle_id: str,
    lang: str = "en",
    *,
    visible: Callable[[str], bool] | None = None,
    personal: bool = True,
) -> tuple[list[list], set[str]]:
    """The export as rows (the first is the header), in rank order; and the cases whose
    personal data its reasons carry (the caller writes them to the access log).

    `visible(unit_id)` keeps the rows a scoped caller may see (ranks stay as computed over
    the whole cycle, as in the GraphQL answer); without `personal`, a line a case produced
    names its rule and case id, not who or what (like `ScoreLine.reason` for VIEWER); a
    line about a case outside the caller's units names neither the case nor its reason."""
    h = HEADERS[lang]

    def read(tx: Tx) -> tuple[ev.CycleRow, ev.Results, dict[str, str]]:
        cycle = ev.cycle(tx, cycle_id)
        if cycle is None or (visible and not any(visible(u) for u in cycle.unit_ids)):
            raise NotFound(f"no evaluation cycle {cycle_id!r}")
        names = {r["unit_id"]: r["name"] for r in tx.all("SELECT unit_id, name FROM rm_units")}
        return cycle, ev.results(tx, cycle, None), names

    cycle, computed, names = ledger.reads.run(read)  # one snapshot, retried on a lost connection
    ranked, found = computed.ranked, computed.cases
    if visible:
        ranked = [r for r in ranked if visible(r.unit_id)]

    cases: set[str] = set()

    def reason(x) -> str:
        """A line about a case, derived by a rule or written by hand, is personal data."""
        if x.case_id is None:
            return x.reason
        case = found.get(x.case_id)
        if visible and not (case and visible(case.unit_id)):
            return label("ScoreRule", x.rule, lang)
        if personal:
            cases.add(x.case_id)
            return x.reason
        return f"{label('ScoreRule', x.rule, lang)}（案件 {x.case_id}）"

    criteria = cycle.rules["criteria"]
    header = [
        h["unit_id"],
        h["unit"],
        *[
            (c["title"] if lang == "zh" else c["code"]) + f" ({c['max_points']:g})"
            for c in criteria
        ],
        h["base"],
        h["deductions"],
        h["bonuses"],
        h["veto"],
        h["veto_reasons"],
        h["deduction_reasons"],
        h["pending"],
        h["total"],
        h["grade"],
        h["rank"],
    ]
    rows = [header]
    for r in ranked:
        scores = {x.rule: x.points for x in r.criteria}
        grade = r.grade(cycle.rules["grade_bands"])
        rows.append(
            [
                r.unit_id,
                names.get(r.unit_id, r.unit_id),
                *[scores.get(c["code"], 0.0) for c in criteria],
                r.base,
                round(sum(x.points for x in r.deductions), 2),
                round(sum(x.points for x in r.bonuses), 2),
                h["yes"] if r.vetoed else h["no"],
                "；".join(reason(x) for x in r.vetoes),
                "；".join(f"{reason(x)}（{x.points:g}）" for x in r.deductions),
                "；".join(reason(x) for x in r.pending),
                r.total,
                label("Grade", grade, lang),
                r.rank,
            ]
        )
    return rows, cases


def write(rows: list[list], fmt: str, out: Path | None, lang: str = "zh") -> bytes:
    if fmt == "csv":
        buffer = io.StringIO()
        csv.writer(buffer).writerows(rows)
        data = ("\ufeff" + buffer.getvalue()).encode("utf-8")
    else:
        data = _xlsx(rows, HEADERS[lang]["sheet"])
    if out is not None:
        out.write_bytes(data)
    return data


def _xlsx(rows: list[list], title: str) -> bytes:
    """A sheet appraisal staff can read at once: bold header frozen in place, widths fitted."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for n, column in enumerate(zip(*rows, strict=True), 1):
        width = max(_display_width(str(v)) for v in column)
        sheet.column_dimensions[get_column_letter(n)].width = min(60, width + 2)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _display_width(text: str) -> int:
    """Columns a text takes: CJK characters are twice as wide as Latin ones."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
