"""Valid time: closed periods of ISO dates (`valid_to` None = still open).

ISO dates compare as text, so no parsing is needed to order or overlap them.
"""

from __future__ import annotations

from datetime import date, timedelta


def overlaps(a_from: str, a_to: str | None, b_from: str, b_to: str | None) -> bool:
    """Do two closed periods share at least one day?"""
    return (a_to is None or b_from <= a_to) and (b_to is None or a_from <= b_to)


def holds_on(valid_from: str, valid_to: str | None, day: str) -> bool:
    return valid_from <= day and (valid_to is None or day <= valid_to)


def day_before(iso_day: str) -> str:
    return (date.fromisoformat(iso_day) - timedelta(days=1)).isoformat()


def uncovered(start: str, end: str, spans: list[tuple[str, str | None]]) -> list[tuple[str, str]]:
    """The parts of [start, end] (inclusive) that no span covers, as closed periods."""
    one = timedelta(days=1)
    cursor = date.fromisoformat(start)
    last = date.fromisoformat(end)
    gaps = []
    for span_from, span_to in sorted(spans, key=lambda s: (s[0], s[1] or "9999-12-31")):
        a = date.fromisoformat(span_from)
        b = date.fromisoformat(span_to) if span_to else last
        if a > cursor:
            gaps.append((cursor.isoformat(), min(a - one, last).isoformat()))
        cursor = max(cursor, b + one)
        if cursor > last:
            break
    if cursor <= last:
        gaps.append((cursor.isoformat(), last.isoformat()))
    return [(a, b) for a, b in gaps if a <= b]


def split(
    start: str, end: str, spans: list[tuple[str, str | None]]
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """[start, end] as (the parts some span covers, the parts none does), in order."""
    free = uncovered(start, end, spans)
    covered, cursor = [], start
    for gap_from, gap_to in free:
        if cursor < gap_from:
            covered.append((cursor, day_before(gap_from)))
        cursor = day_after(gap_to)
    if cursor <= end:
        covered.append((cursor, end))
    return covered, free


def day_after(iso_day: str) -> str:
    return (date.fromisoformat(iso_day) + timedelta(days=1)).isoformat()
