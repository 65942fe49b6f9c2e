"""Typed refusals. Each maps to one GraphQL `extensions.code`; nothing is appended when raised."""


class LedgerError(Exception):
    """A refusal the caller can act on; `code` goes to the client as `extensions.code`."""

    code = "BAD_INPUT"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class BadInput(LedgerError):
    code = "BAD_INPUT"


class NotFound(LedgerError):
    code = "NOT_FOUND"


class Conflict(LedgerError):
    code = "CONFLICT"


class Forbidden(LedgerError):
    code = "FORBIDDEN"


class Unauthenticated(LedgerError):
    code = "UNAUTHENTICATED"


class Unavailable(LedgerError):
    """The store cannot serve right now (full, unreachable, missing); the message names the
    cause. Nothing is known to be appended unless the message says otherwise."""

    code = "UNAVAILABLE"
