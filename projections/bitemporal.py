"""The one way rows change in two times: close what is superseded, insert what is restated.

Valid time is a closed date interval (valid_from..valid_to, OPEN_DATE when open); record
time is a half-open position interval (recorded_from..recorded_to, OPEN_POSITION while
current). Asked (asOf d, as of position p), a row answers when
valid_from <= d <= valid_to and recorded_from <= p < recorded_to.
"""

from __future__ import annotations

from projections.db import OPEN_DATE, OPEN_POSITION, Tx

NOW = OPEN_POSITION - 1  # the position that sees exactly the current rows


def in_both_times(alias: str = "") -> str:
    """The SQL condition for rows valid on a date and current at a position (see above)."""
    a = f"{alias}." if alias else ""
    return (
        f"{a}valid_from <= ? AND {a}valid_to >= ? AND {a}recorded_from <= ? AND {a}recorded_to > ?"
    )


def both_times(as_of: str, position: int | None) -> tuple:
    """Parameters for `in_both_times`; position None means "as recorded now"."""
    p = NOW if position is None else position
    return (as_of, as_of, p, p)


def over_period(start: str, end: str, position: int | None) -> tuple:
    """Parameters for `in_both_times` that keep rows valid on any day of [start, end]."""
    p = NOW if position is None else position
    return (end, start, p, p)


def recorded_at(alias: str = "") -> str:
    """The SQL condition for rows current at a position (record time only); two parameters."""
    a = f"{alias}." if alias else ""
    return f"{a}recorded_from <= ? AND {a}recorded_to > ?"


def open_date(value: str) -> str | None:
    return None if value == OPEN_DATE else value


def restated(
    before: list[dict], after: list[dict], columns: tuple[str, ...], unique: tuple[str, ...]
) -> list[dict] | None:
    """The rows current once `close_and_insert` restated `before` as `after`, as reading them
    back gives them (valid_to None when open), for a projector to keep instead of reading;
    None when that is not certain: rows alike in `before` (the table keeps them all), or two
    rows alike in `unique` (the order they are read in would matter)."""
    if len({_stated(d, columns) for d in before}) != len(before):
        return None
    rows = [
        {
            **{c: d[c] for c in columns},
            "valid_from": d["valid_from"],
            "valid_to": open_date(d["valid_to"] or OPEN_DATE),
        }
        for d in after
    ]
    if len({tuple(r[c] for c in unique) for r in rows}) != len(rows):
        return None
    return rows


def _stated(d: dict, columns: tuple[str, ...]) -> tuple:
    return (*(d[c] for c in columns), d["valid_from"], d["valid_to"] or OPEN_DATE)


def close_and_insert(
    tx: Tx,
    table: str,
    key: dict[str, str],
    columns: tuple[str, ...],
    before: list[dict],
    after: list[dict],
    q: int,
) -> None:
    """Close the rows that `after` no longer states and insert the new ones, at position q."""

    old = {_stated(d, columns) for d in before}
    new = {_stated(d, columns) for d in after}
    names = (*key, *columns, "valid_from", "valid_to")
    versions = tx.versions(table, names, names)  # a row's identity is all it states
    for row in old - new:
        versions.close((*key.values(), *row), q)
    for row in sorted(new - old):
        stated = (*key.values(), *row)
        versions.insert(stated, stated, q)
