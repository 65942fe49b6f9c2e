"""Value rules shared by the aggregates: dates, names, enumerations."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime

from ledger.domain.errors import BadInput
from ledger.domain.labels import values_of

UNIT_KINDS = values_of("UnitKind")
POST_ROLES = values_of("PostRole")
# The head of a unit or branch (本单位负责人): signs its task letters, answers DIRECT for it.
HEAD_ROLES = ("UNIT_HEAD", "BRANCH_SECRETARY")
# An organ's leadership team (班子): only they may hold IN_CHARGE (分管) items over its units.
TEAM_ROLES = ("PRINCIPAL", "TEAM_MEMBER", "DISCIPLINE_SECRETARY")
RESPONSIBILITY_KINDS = values_of("ResponsibilityKind")
RESPONSIBILITY_AREAS = values_of("ResponsibilityArea")

ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:\-]{0,63}")  # always used with fullmatch
MIN_DATE = date(1949, 10, 1)
MAX_DATE = date(2100, 12, 31)
# Record-time instants (knownAt, recordedFrom, ...) asked about: anything outside is a typo.
MIN_INSTANT = datetime(1900, 1, 1, tzinfo=UTC)
MAX_INSTANT = datetime(2100, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)


# Characters no name or text may carry: C0/C1 controls (line breaks and tab are judged
# separately), lone surrogates (they cannot be stored as UTF-8), noncharacters, and the
# invisible format characters (category Cf: bidi overrides, zero-width space, BOM, tags, ...)
# except ZWNJ/ZWJ, which some scripts need. Unassigned code points stay allowed: newer CJK
# extensions are unassigned in older Unicode tables, and a rare character in a Chinese name
# must not be refused.
_UNWANTED = re.compile(
    "["
    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"  # controls
    "\ud800-\udfff"  # surrogates
    "\ufdd0-\ufdef\ufffe\uffff"  # noncharacters (and U+nFFFE/U+nFFFF below)
    + "".join(chr(plane << 16 | 0xFFFE) + chr(plane << 16 | 0xFFFF) for plane in range(1, 17))
    + "\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"  # format (Cf)
    "\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U00013438\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
    "]"
)
_ISO_DAY = re.compile("[0-9]{4}-[0-9]{2}-[0-9]{2}")
_LINE_BREAKS = re.compile("[\n\r\t\u2028\u2029\x85]")


def clean_string(value: str) -> bool:
    """True when `value` carries nothing that could not be stored or would be invisible."""
    return _UNWANTED.search(value) is None


def business_id(value: str, what: str = "id") -> str:
    """Ids are short ASCII tokens so that they are safe in URLs, logs and uuid5 names."""
    if not isinstance(value, str) or not ID_PATTERN.fullmatch(value):
        raise BadInput(
            f"{what} must be 1-64 characters of letters, digits, '.', '_', ':' or '-' "
            f"and start with a letter or digit, got {value!r}"
        )
    return value


def text(value: str, what: str, *, max_length: int = 200, allow_newlines: bool = False) -> str:
    """Names and texts are NFC-normalised (Chinese round-trips exactly) and free of controls."""
    if not isinstance(value, str):
        raise BadInput(f"{what} must be text")
    if len(value) > 4 * max_length:  # refuse huge input before normalising it
        raise BadInput(f"{what} must be at most {max_length} characters")
    if not clean_string(value):
        raise BadInput(f"{what} must not contain control, format or invalid characters")
    value = unicodedata.normalize("NFC", value).strip()
    if not value:
        raise BadInput(f"{what} must not be empty")
    if len(value) > max_length:
        raise BadInput(f"{what} must be at most {max_length} characters")
    if not allow_newlines and _LINE_BREAKS.search(value):
        raise BadInput(f"{what} must be one line (no line breaks or tabs)")
    return value


def choice(value: str, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        raise BadInput(f"{what} must be one of {', '.join(allowed)}, got {value!r}")
    return value


def day(value: date | str, what: str) -> str:
    """Valid-time dates travel in events as ISO strings (JSON-native, snapshot-safe)."""
    if isinstance(value, str):
        try:
            if not _ISO_DAY.fullmatch(value):
                raise ValueError(value)
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


def instant(value: datetime, what: str) -> datetime:
    """A record-time instant asked about (knownAt, recordedFrom, ...), as an aware UTC
    datetime; naive values are UTC. Refused outside 1900..2100 (BAD_INPUT), rather than
    overflowing when converted."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        inside = MIN_INSTANT <= value <= MAX_INSTANT  # aware comparison: no conversion yet
    except OverflowError:
        inside = False
    if not inside:
        raise BadInput(
            f"{what} must lie between {MIN_INSTANT:%Y-%m-%d} and {MAX_INSTANT:%Y-%m-%d} (UTC)"
        )
    return value.astimezone(UTC)
