"""Who may do what: bearer JWTs, roles, unit scope, and the one permission table.

A token carries `sub` (the actor recorded on every event), `role`, and optionally `units`:
a scoped caller may only act on those units and their subtrees.
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

import jwt

from ledger import permissions
from ledger.domain.base import Stamp
from ledger.domain.errors import BadInput, Unauthenticated
from ledger.domain.values import ID_PATTERN, business_id, clean_string
from ledger.permissions import ROLES
from ledger.settings import Settings

ALGORITHM = "HS256"

MAX_TTL_SECONDS = 366 * 86400
MAX_SUBJECT = 100


@dataclass(frozen=True)
class Caller:
    subject: str
    role: str
    # None: not limited to units. A tuple (maybe empty): only those units' subtrees (an
    # empty `units` claim is a token for no unit at all, never one for every unit).
    units: tuple[str, ...] | None = None
    expires_at: int | None = None  # the token's `exp` (seconds since the epoch)

    @property
    def scoped(self) -> bool:
        return self.units is not None

    def stamp(self, idempotency_key: str | None = None) -> Stamp:
        """What a command carries of its caller: the actor recorded, the role and units
        authorised (see `ledger.permissions`)."""
        return Stamp(self.subject, idempotency_key, self.role, self.units)

    def may_read(self, coordinate: str) -> bool | None:
        """Restricted reads (`permissions.READS`), by GraphQL coordinate: True, None for a
        field this role sees as null, or FORBIDDEN."""
        return permissions.may_read(coordinate, self.role, self.scoped)


def secret(settings: Settings) -> str:
    """The signing secret: LEDGER_JWT_SECRET, else a key file created on first use."""
    if settings.jwt_secret:
        return settings.jwt_secret
    path = Path(settings.jwt_secret_file)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


_TTL = re.compile(r"([0-9]{1,9})([smhd])")


def parse_ttl(ttl: str) -> int:
    m = _TTL.fullmatch(ttl.strip())
    if not m:
        raise BadInput(f"ttl looks like 30m, 8h or 7d, got {ttl!r}")
    seconds = int(m.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]
    if not 1 <= seconds <= MAX_TTL_SECONDS:
        raise BadInput(f"ttl must lie between 1s and {MAX_TTL_SECONDS // 86400}d, got {ttl!r}")
    return seconds


def issue_token(
    settings: Settings, subject: str, role: str, units: list[str] | None = None, ttl: str = "8h"
) -> str:
    if role not in ROLES:
        raise BadInput(f"role must be one of {', '.join(ROLES)}")
    if not _valid_subject(subject):
        raise BadInput(
            f"subject must be 1-{MAX_SUBJECT} printable characters (it is recorded as the actor)"
        )
    lifetime = parse_ttl(ttl)
    if lifetime > settings.max_token_days * 86400:
        raise BadInput(
            f"a token may live at most {settings.max_token_days} days "
            f"(LEDGER_MAX_TOKEN_DAYS), asked {ttl}"
        )
    now = int(time.time())
    claims = {"sub": subject, "role": role, "iat": now, "exp": now + lifetime}
    if units is not None:
        claims["units"] = list(dict.fromkeys(business_id(u, "unit") for u in units))
    return jwt.encode(claims, secret(settings), algorithm=ALGORITHM)


def authenticate(
    settings: Settings, authorization: str | None, *, key: str | None = None
) -> Caller:
    """Turn an Authorization header into a Caller, or refuse with UNAUTHENTICATED."""
    if not authorization:
        raise Unauthenticated("missing bearer token (Authorization: Bearer <token>)")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("the Authorization header must be 'Bearer <token>'")
    try:
        claims = jwt.decode(
            token.strip(),
            key or secret(settings),
            algorithms=[ALGORITHM],
            options={"require": ["sub", "exp", "iat", "role"]},
        )
    except jwt.ExpiredSignatureError:
        raise Unauthenticated("the token has expired") from None
    except jwt.PyJWTError:
        raise Unauthenticated("the token is not valid") from None
    role, units = claims.get("role"), claims.get("units")
    if (
        role not in ROLES
        or not isinstance(units, list | None)
        or not all(isinstance(u, str) and ID_PATTERN.fullmatch(u) for u in units or [])
    ):
        raise Unauthenticated("the token's role or units are not valid")
    lifetime = claims["exp"] - claims["iat"] if isinstance(claims["iat"], int) else None
    if lifetime is None or lifetime > settings.max_token_days * 86400:
        raise Unauthenticated(
            f"the token's lifetime exceeds the maximum of {settings.max_token_days} days "
            "(LEDGER_MAX_TOKEN_DAYS): issue a shorter one"
        )
    subject = claims["sub"]
    if not _valid_subject(subject):
        raise Unauthenticated("the token's subject is not valid")
    return Caller(
        subject=subject,
        role=role,
        units=None if units is None else tuple(units),
        expires_at=claims["exp"],
    )


def _valid_subject(subject: object) -> bool:
    return (
        isinstance(subject, str)
        and 1 <= len(subject) <= MAX_SUBJECT
        and subject == subject.strip()
        and subject.isprintable()
        and clean_string(subject)
    )
