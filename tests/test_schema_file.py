"""The committed SDL is what the code exports, and it keeps the contract.

The contract is vendored under schema/contract/ so that this test runs wherever the
repository is cloned; beside ../shared/ (the contract's home) the copy must equal it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import build_schema, find_breaking_changes

from ledger.api.schema import schema

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "contract"
VENDORED = ROOT / "schema" / "contract"
SDL = ROOT / "schema" / "ledger.graphql"
# The contract's parts this schema keeps: the core and the extensions of resolved issues
# (`contract-check --with NAME` for `extensions/NAME.graphql`).
PARTS = [
    "ledger-core.graphql",
    "extensions/accountability-rules.graphql",
    "extensions/confidentiality.graphql",
]


def test_the_committed_schema_file_is_not_stale():
    assert SDL.read_text(encoding="utf-8") == schema.as_str() + "\n", "run `ledger schema`"


@pytest.mark.parametrize("part", PARTS)
def test_the_vendored_contract_is_the_shared_one(part: str):
    vendored = VENDORED / part
    assert vendored.exists(), f"{vendored} is missing: copy it from ../shared/contract"
    shared = SHARED / part
    if shared.exists():
        assert vendored.read_text(encoding="utf-8") == shared.read_text(encoding="utf-8"), (
            f"{vendored} differs from {shared}: copy the shared contract again"
        )


def test_the_exported_schema_keeps_the_contract():
    text = "\n".join((VENDORED / part).read_text(encoding="utf-8") for part in PARTS)
    contract = build_schema(text)
    ours = build_schema(SDL.read_text(encoding="utf-8"))
    assert [c.description for c in find_breaking_changes(contract, ours)] == []
