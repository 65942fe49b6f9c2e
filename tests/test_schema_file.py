"""The committed SDL is what the code exports, and it keeps the core contract."""

from __future__ import annotations

from pathlib import Path

from graphql import build_schema, find_breaking_changes

from ledger.api.schema import schema

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = ROOT.parent / "shared" / "contract" / "ledger-core.graphql"
SDL = ROOT / "schema" / "ledger.graphql"


def test_the_committed_schema_file_is_not_stale():
    assert SDL.read_text(encoding="utf-8") == schema.as_str() + "\n", "run `ledger schema`"


def test_the_exported_schema_keeps_the_core_contract():
    if not CONTRACT.exists():
        import pytest

        pytest.skip(f"no contract at {CONTRACT}")
    contract = build_schema(CONTRACT.read_text(encoding="utf-8"))
    ours = build_schema(SDL.read_text(encoding="utf-8"))
    assert [c.description for c in find_breaking_changes(contract, ours)] == []
