"""Export an evaluation cycle for appraisal staff: one row per unit, one column per criterion.

CSV (UTF-8 with a BOM, so that Excel opens Chinese headers right) or XLSX; English or
Chinese headers.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ledger.domain.errors import NotFound
from ledger.service import Ledger
from projections import evaluation as ev

HEADERS = {
    "en": {
        "unit_id": "Unit ID",
        "unit": "Unit",
        "base": "Base score",
        "deductions": "Deductions",
        "bonuses": "Bonuses",
        "veto": "Veto",
        "veto_reasons": "Veto reasons",
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
        "total": "总分",
        "grade": "等次",
        "rank": "排名",
        "yes": "是",
        "no": "否",
    },
}
GRADES_ZH = {"EXCELLENT": "优秀", "GOOD": "良好", "PASS": "合格", "FAIL": "不合格"}


def table(ledger: Ledger, cycle_id: str, lang: str = "en") -> list[list]:
    """The export as rows (the first is the header), in rank order."""
    h = HEADERS[lang]
    with ledger.reads.read() as tx:
        cycle = ev.cycle(tx, cycle_id)
        if cycle is None:
            raise NotFound(f"no evaluation cycle {cycle_id!r}")
        ranked, _cases = ev.results(tx, cycle, None)
        names = {r["unit_id"]: r["name"] for r in tx.all("SELECT unit_id, name FROM rm_units")}
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
                "; ".join(x.reason for x in r.vetoes),
                r.total,
                GRADES_ZH[grade] if lang == "zh" else grade,
                r.rank,
            ]
        )
    return rows


def write(rows: list[list], fmt: str, out: Path | None) -> bytes:
    if fmt == "csv":
        buffer = io.StringIO()
        csv.writer(buffer).writerows(rows)
        data = ("\ufeff" + buffer.getvalue()).encode("utf-8")
    else:
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.title = "results"
        for row in rows:
            sheet.append(row)
        buffer = io.BytesIO()
        book.save(buffer)
        data = buffer.getvalue()
    if out is not None:
        out.write_bytes(data)
    return data
