"""Appraisal staff export a cycle: one row per unit, one column per criterion, Chinese headers."""

from __future__ import annotations

import csv

from openpyxl import load_workbook

from ledger import demo
from ledger.cli import main


def test_the_demo_cycle_exports_to_csv_and_xlsx_with_chinese_headers(ledger, settings, tmp_path):
    demo.load(ledger)
    out = tmp_path / "ev.csv"
    assert (
        main(
            [
                "evaluation",
                "export",
                "EV-2024",
                "--store",
                settings.store,
                "--lang",
                "zh",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    rows = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0][:5] == ["单位编码", "单位", "宣传教育 (30)", "监督检查 (40)", "日常管理 (30)"]
    assert rows[0][-7:] == [
        "一票否决",
        "否决事由",
        "扣分事由",
        "待结案事项（结案后可能否决）",
        "总分",
        "等次",
        "排名",
    ]
    by_unit = {r[0]: r for r in rows[1:]}
    assert len(by_unit) == 3
    vetoed = dict(zip(rows[0], by_unit["ZJ-FGW-JJS"], strict=True))
    assert (vetoed["基础分"], vetoed["一票否决"], vetoed["等次"], vetoed["排名"]) == (
        "95.0",
        "是",
        "不合格",
        "3",
    )
    assert vetoed["否决事由"].startswith("一票否决：何雨桐（处室（单位）负责人）违纪违法")
    assert "subject" not in vetoed["否决事由"], "the reason is written in Chinese"

    xlsx = tmp_path / "ev.xlsx"
    assert (
        main(
            [
                "evaluation",
                "export",
                "EV-2024",
                "--store",
                settings.store,
                "--format",
                "xlsx",
                "--lang",
                "en",
                "--out",
                str(xlsx),
            ]
        )
        == 0
    )
    sheet = load_workbook(xlsx).active
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["Unit ID", "Unit", "EDU (30)"] and header[-1] == "Rank"
    assert sheet.max_row == 4
    assert all(c.font.bold for c in sheet[1]) and sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["B"].width >= 18, "省发展规划研究院 fits its column"


def test_exporting_an_unknown_cycle_says_so(ledger, settings, tmp_path, capsys):
    assert (
        main(
            [
                "evaluation",
                "export",
                "NOPE",
                "--store",
                settings.store,
                "--out",
                str(tmp_path / "x.csv"),
            ]
        )
        == 1
    )
