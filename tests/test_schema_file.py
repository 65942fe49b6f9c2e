"""The committed SDL is what the code exports, and it keeps the core contract."""

from __future__ import annotations

from pathlib import Path

from graphql import build_schema, find_breaking_changes

from ledger.api.schema import schema

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = ROOT.parent / "shared" / "contract" / "ledger-core.graphql"
SDL = ROOT / "schema" / "ledger.graphql"

# Contract names this build implements; a breaking change to any of them fails.
IMPLEMENTED = (
    "Unit", "Person", "Post", "UnitKind", "PostRole", "ResponsibilityItem", "ResponsibilityList",
    "ResponsibilityKind", "ResponsibilityArea", "LedgerEvent", "LedgerEventPage", "Verification",
    "MutationResult", "Query.unit", "Query.units", "Query.person", "Query.responsibilityList",
    "Query.history", "Query.events", "Query.verifyLedger", "registerUnit", "registerPerson",
    "assumePost", "leavePost", "assignResponsibility", "transferResponsibility",
    "endResponsibility", "correctResponsibility", "correctPost", "RegisterUnitInput",
    "RegisterPersonInput", "AssumePostInput", "LeavePostInput", "AssignResponsibilityInput",
    "TransferResponsibilityInput", "EndResponsibilityInput", "HolderPeriodInput",
    "CorrectResponsibilityInput", "CorrectPostInput",
)


def test_the_committed_schema_file_is_not_stale():
    assert SDL.read_text(encoding="utf-8") == schema.as_str() + "\n", "run `ledger schema`"


def test_the_implemented_part_of_the_contract_is_kept_exactly():
    if not CONTRACT.exists():
        import pytest

        pytest.skip(f"no contract at {CONTRACT}")
    contract = build_schema(CONTRACT.read_text(encoding="utf-8"))
    ours = build_schema(SDL.read_text(encoding="utf-8"))
    broken = [
        c.description for c in find_breaking_changes(contract, ours)
        if any(f"{name}." in c.description or f"{name} " in c.description
               or c.description.startswith(name) for name in IMPLEMENTED)
    ]
    assert broken == []
