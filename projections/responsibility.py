"""Responsibility lists: items, their scope, and who held each item when, in two times."""

from __future__ import annotations

from ledger.domain.responsibility import ResponsibilityItem, periods_after
from ledger.domain.rules.rows import HoldingRow
from projections.base import Envelope, Memo, Projector, on
from projections.bitemporal import both_times, close_and_insert, in_both_times, open_date, restated
from projections.db import OPEN_POSITION, Tx, as_row


class ResponsibilityProjector(Projector):
    name = "responsibility"
    tables = (
        (
            "rm_items",
            "CREATE TABLE IF NOT EXISTS rm_items (item_id TEXT PRIMARY KEY, "
            "aggregate_id TEXT NOT NULL, kind TEXT NOT NULL, area TEXT NOT NULL, "
            "title TEXT NOT NULL, recorded_from BIGINT NOT NULL)",
            ("CREATE INDEX IF NOT EXISTS rm_items_aggregate ON rm_items (aggregate_id)",),
        ),
        (
            "rm_item_scope",
            # The item's kind is repeated here so that the chain asks a unit for its
            # IN_CHARGE items alone, without reading every item ever scoped to it.
            "CREATE TABLE IF NOT EXISTS rm_item_scope (item_id TEXT NOT NULL, "
            "unit_id TEXT NOT NULL, kind TEXT NOT NULL, PRIMARY KEY (item_id, unit_id))",
            (
                "CREATE INDEX IF NOT EXISTS rm_item_scope_unit "
                "ON rm_item_scope (unit_id, kind, item_id)",
            ),
        ),
        (
            "rm_holdings",
            "CREATE TABLE IF NOT EXISTS rm_holdings (item_id TEXT NOT NULL, "
            "holder_id TEXT NOT NULL, valid_from TEXT NOT NULL, valid_to TEXT NOT NULL, "
            "recorded_from BIGINT NOT NULL, recorded_to BIGINT NOT NULL)",
            (
                "CREATE INDEX IF NOT EXISTS rm_holdings_holder "
                "ON rm_holdings (holder_id, recorded_to)",
                "CREATE INDEX IF NOT EXISTS rm_holdings_item ON rm_holdings (item_id, recorded_to)",
            ),
        ),
    )

    def __init__(self) -> None:
        self._item_of = Memo()  # aggregate -> item id (never changes)
        self._holdings = Memo()  # item id -> its current holdings, as `_item` reads them

    def reset_caches(self) -> None:
        self._item_of.clear()
        self._holdings.clear()

    @on(
        ResponsibilityItem.Assigned,
        ResponsibilityItem.Transferred,
        ResponsibilityItem.Ended,
        ResponsibilityItem.Lapsed,
        ResponsibilityItem.Corrected,
    )
    def _item(self, tx: Tx, envelope: Envelope) -> None:
        event, q = envelope.event, envelope.position
        if isinstance(event, ResponsibilityItem.Assigned):
            tx.execute(
                "INSERT INTO rm_items (item_id, aggregate_id, kind, area, title, recorded_from) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (event.item_id, envelope.aggregate_hex, event.kind, event.area, event.title, q),
            )
            tx.executemany(
                "INSERT INTO rm_item_scope (item_id, unit_id, kind) VALUES (?, ?, ?)",
                [(event.item_id, u, event.kind) for u in event.scope_unit_ids],
            )
            item_id, before = event.item_id, []
            self._item_of.remember(envelope.aggregate_hex, item_id)
        else:
            item_id = self._item_of.fetch(
                envelope.aggregate_hex,
                lambda: tx.scalar(
                    "SELECT item_id FROM rm_items WHERE aggregate_id=?", (envelope.aggregate_hex,)
                ),
            )
            before = self._holdings.get(item_id)
            if before is None:
                rows = tx.all(
                    "SELECT holder_id, valid_from, valid_to FROM rm_holdings "
                    "WHERE item_id=? AND recorded_to=? ORDER BY valid_from",
                    (item_id, OPEN_POSITION),
                )
                before = [
                    {
                        "holder_id": r["holder_id"],
                        "valid_from": r["valid_from"],
                        "valid_to": open_date(r["valid_to"]),
                    }
                    for r in rows
                ]
        after = periods_after(before, event)
        close_and_insert(tx, "rm_holdings", {"item_id": item_id}, ("holder_id",), before, after, q)
        # kept in the order they are read back (by valid_from): one period per day at most
        kept = restated(before, after, ("holder_id",), ("valid_from",))
        if kept is None:
            self._holdings.pop(item_id, None)  # read back next time
        else:
            self._holdings.remember(item_id, sorted(kept, key=lambda p: p["valid_from"]))


# ---------------------------------------------------------------------- queries


def responsibility_list(
    tx: Tx, holder_id: str, as_of: str, position: int | None
) -> list[HoldingRow]:
    rows = tx.all(
        "SELECT h.item_id, h.holder_id, i.kind, i.area, i.title, h.valid_from, h.valid_to "
        "FROM rm_holdings h JOIN rm_items i ON i.item_id = h.item_id "
        f"WHERE h.holder_id = ? AND {in_both_times('h')} "
        "ORDER BY i.kind, h.item_id",
        (holder_id, *both_times(as_of, position)),
    )
    return [holding_row(r) for r in rows]


def holding_row(r) -> HoldingRow:
    return as_row(HoldingRow, r)


def scopes(tx: Tx, item_ids: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {i: [] for i in item_ids}
    if item_ids:
        marks = ", ".join("?" for _ in item_ids)
        for r in tx.all(
            f"SELECT item_id, unit_id FROM rm_item_scope WHERE item_id IN ({marks}) "
            "ORDER BY unit_id",
            item_ids,
        ):
            out[r["item_id"]].append(r["unit_id"])
    return out


def in_charge_items(tx: Tx, holder_id: str) -> list[str]:
    """The IN_CHARGE items held by this person in some period, as recorded now."""
    rows = tx.all(
        "SELECT DISTINCT h.item_id FROM rm_holdings h JOIN rm_items i ON i.item_id = h.item_id "
        "WHERE h.holder_id = ? AND h.recorded_to = ? AND i.kind = 'IN_CHARGE' ORDER BY h.item_id",
        (holder_id, OPEN_POSITION),
    )
    return [r["item_id"] for r in rows]
