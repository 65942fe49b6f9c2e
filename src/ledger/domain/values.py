"""Value rules shared by the aggregates: dates, names, enumerations."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta

from ledger.domain.errors import BadInput

UNIT_KINDS = ("ORGAN", "DEPARTMENT", "AFFILIATED_UNIT", "PARTY_BRANCH")
POST_ROLES = (
    "PRINCIPAL",
    "TEAM_MEMBER",
    "DISCIPLINE_SECRETARY",
    "UNIT_HEAD",
    "BRANCH_SECRETARY",
    "STAFF",
)
RESPONSIBILITY_KINDS = ("PRINCIPAL", "IN_CHARGE", "SUPERVISORY", "DIRECT")
RESPONSIBILITY_AREAS = ("EDUCATION", "SUPERVISION", "MANAGEMENT")

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,63}$")
MIN_DATE = date(1949, 10, 1)
MAX_DATE = date(2100, 12, 31)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def business_id(value: str, what: str = "id") -> str:
    """Ids are short ASCII tokens so that they are safe in URLs, logs and uuid5 names."""
    if not isinstance(value, str) or not ID_PATTERN.match(value):
        raise BadInput(
            f"{what} must be 1-64 characters of letters, digits, '.', '_', ':' or '-' "
            f"and start with a letter or digit, got {value!r}"
        )
    return value


def text(value: str, what: str, *, max_length: int = 200, allow_newlines: bool = False) -> str:
    """Names and texts are NFC-normalised (Chinese round-trips exactly) and free of controls."""
    if not isinstance(value, str):
        raise BadInput(f"{what} must be text")
    value = unicodedata.normalize("NFC", value).strip()
    if not value:
        raise BadInput(f"{what} must not be empty")
    if len(value) > max_length:
        raise BadInput(f"{what} must be at most {max_length} characters")
    if _CONTROL.search(value) or (not allow_newlines and ("\n" in value or "\r" in value)):
        raise BadInput(f"{what} must not contain control characters")
    return value


def choice(value: str, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        raise BadInput(f"{what} must be one of {', '.join(allowed)}, got {value!r}")
    return value


def day(value: date | str, what: str) -> str:
    """Valid-time dates travel in events as ISO strings (JSON-native, snapshot-safe)."""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            raise BadInput(f"{what} must be an ISO date (YYYY-MM-DD), got {value!r}") from None
    if not MIN_DATE <= value <= MAX_DATE:
        raise BadInput(f"{what} must lie between {MIN_DATE} and {MAX_DATE}, got {value}")
    return value.isoformat()


def optional_day(value: date | str | None, what: str) -> str | None:
    return None if value is None else day(value, what)


def ordered(start: str, end: str | None, what: str) -> None:
    if end is not None and end < start:
        raise BadInput(f"{what}: the end {end} comes before the start {start}")


def day_before(iso_day: str) -> str:
    return (date.fromisoformat(iso_day) - timedelta(days=1)).isoformat()
