"""The README says what the code does: its role tables are the permission table's."""

from pathlib import Path

from ledger.permissions import BEGIN, END, markdown_tables

README = Path(__file__).resolve().parent.parent / "README.md"


def test_the_readme_role_tables_are_generated_from_the_permission_table():
    text = README.read_text(encoding="utf-8")
    assert BEGIN in text and END in text, "the README lost its generated role tables"
    generated = text.partition(BEGIN)[2].partition(END)[0].strip()
    assert generated == markdown_tables().strip(), (
        "README.md's role tables are stale: run `python -m ledger.permissions README.md`"
    )
