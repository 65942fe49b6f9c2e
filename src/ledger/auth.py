"""Who may do what: bearer JWTs, roles, unit scope, and the one permission table.

A token carries `sub` (the actor recorded on every event), `role`, and optionally `units`:
a scoped caller may only act on those units and their subtrees.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

import jwt

from ledger import permissions
from ledger.domain.base import Stamp
from ledger.domain.errors import BadInput, Unauthenticated, Unavailable
from ledger.domain.values import ID_PATTERN, business_id, clean_string
from ledger.permissions import ROLES
from ledger.remembered import Remembered
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
    """The signing secret: LEDGER_JWT_SECRET, else the file `settings.jwt_secret_file`
    (LEDGER_JWT_SECRET_FILE, else LEDGER_HOME/jwt-secret; LEDGER_HOME defaults to `.ledger`
    beside a SQLite store). Never created here: a token issued with a secret made up on the
    spot would be refused by the server, which holds another."""
    if settings.jwt_secret:
        return settings.jwt_secret
    path = Path(settings.jwt_secret_file)
    try:
        stat = path.stat()
        version = (stat.st_ino, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_size)
        known = _SECRET_FILES.get(str(path))
        if known is not None and known[0] == version:
            return known[1]  # read once per version of the file, not once per request
        text = path.read_text().strip()
    except FileNotFoundError:
        raise Unavailable(
            f"no token secret at {path}: the server creates it when it first starts "
            "(`ledger serve`, `ledger init`, `ledger demo load`); point LEDGER_HOME (or "
            "LEDGER_JWT_SECRET_FILE) at the server's, or set LEDGER_JWT_SECRET as the server does"
        ) from None
    except OSError as e:
        raise Unavailable(f"the token secret {path} cannot be read: {e.strerror}") from None
    if not text:
        raise Unavailable(f"the token secret file {path} is empty")
    _SECRET_FILES[str(path)] = (version, text)
    return text


# Secret files read, by path: (inode, mtime, ctime, size) and the text. A new secret copied in
# with its times kept (`cp -p`) still changes the inode or the change time.
_SECRET_FILES: dict[str, tuple[tuple[int, int, int, int], str]] = {}


def ensure_secret(settings: Settings) -> Path | None:
    """Create the secret file when the ledger is set up (`init`, `serve`, `demo load`,
    `import`) and no secret exists; returns the file created, if one was."""
    if settings.jwt_secret:
        return None
    path = Path(settings.jwt_secret_file)
    if path.exists():
        return None
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_urlsafe(48))
    return path


def key_id(key: str) -> str:
    """A short public fingerprint of a signing secret (the tokens' `kid`), so that a refusal
    can say the token was signed with another secret without revealing either."""
    return hashlib.sha256(key.encode()).hexdigest()[:12]


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
    claims = {
        "sub": subject,
        "role": role,
        "iat": now,
        "exp": now + lifetime,
        "iss": settings.token_issuer,
    }
    if units is not None:
        claims["units"] = list(dict.fromkeys(business_id(u, "unit") for u in units))
    key = secret(settings)
    return jwt.encode(claims, key, algorithm=ALGORITHM, headers={"kid": key_id(key)})


# Tokens already checked, with the Caller each gave: a client sends the same token with
# every request, and checking its signature and claims again each time was a tenth of a small
# query's time. Keyed by everything the check depends on (the token, the secret, the issuer
# and the lifetime limit), so another secret or setting checks afresh; expiry is checked on
# every use.
_accepted = Remembered(4096)


def authenticate(
    settings: Settings, authorization: str | None, *, key: str | None = None
) -> Caller:
    """Turn an Authorization header into a Caller, or refuse with UNAUTHENTICATED."""
    if not authorization:
        raise Unauthenticated("missing bearer token (Authorization: Bearer <token>)")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("the Authorization header must be 'Bearer <token>'")
    key = key or secret(settings)
    memo = (token.strip(), key, settings.token_issuer, settings.max_token_days)
    caller = _accepted.get(memo)
    if caller is None:
        caller = _check(settings, token.strip(), key)
        _accepted.put(memo, caller)
    if caller.expires_at <= time.time():  # as PyJWT: expired from the second of `exp`
        raise Unauthenticated(_refusal(jwt.ExpiredSignatureError(), token.strip(), key))
    return caller


def _check(settings: Settings, token: str, key: str) -> Caller:
    """Verify the token's signature and claims (PyJWT), and the ledger's own rules."""
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            options={"require": ["sub", "exp", "iat", "role"]},
        )
    except jwt.PyJWTError as e:
        raise Unauthenticated(_refusal(e, token, key)) from None
    issuer = claims.get("iss")
    if issuer is not None and issuer != settings.token_issuer:
        raise Unauthenticated(
            f"the token was issued by {issuer!r}, not by this ledger ({settings.token_issuer!r},"
            " LEDGER_TOKEN_ISSUER)"
        )
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


def _refusal(error: jwt.PyJWTError, token: str, key: str) -> str:
    """Which check refused the token, in words that reveal no secret."""
    if isinstance(error, jwt.ExpiredSignatureError):
        return "the token has expired: issue a new one (`ledger token issue`)"
    if isinstance(error, jwt.ImmatureSignatureError):
        return "the token is not valid yet (issued in the future: check the issuer's clock)"
    if isinstance(error, jwt.MissingRequiredClaimError):
        return f"the token lacks the {error.claim!r} claim: issue it with `ledger token issue`"
    if isinstance(error, jwt.InvalidAlgorithmError):
        return f"the token is not signed with {ALGORITHM}"
    if isinstance(error, jwt.InvalidSignatureError):
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError:
            kid = None
        ours = key_id(key)
        if kid and kid != ours:
            return (
                f"the token's signature does not match: it was signed with secret {kid}, this "
                f"server's is {ours} (issued for another ledger, or with another "
                "LEDGER_JWT_SECRET / LEDGER_HOME than the server's)"
            )
        return (
            "the token's signature does not match this server's secret (issued with another "
            "LEDGER_JWT_SECRET / LEDGER_HOME than the server's, or altered)"
        )
    if isinstance(error, jwt.DecodeError):
        return "the token is not a well-formed JWT"
    return f"the token is not valid ({type(error).__name__})"


def _valid_subject(subject: object) -> bool:
    return (
        isinstance(subject, str)
        and 1 <= len(subject) <= MAX_SUBJECT
        and subject == subject.strip()
        and subject.isprintable()
        and clean_string(subject)
    )
