"""`ledger token issue`: a signed bearer token for a role, optionally limited to units."""

from __future__ import annotations

import argparse

from ledger.cli.common import group, settings_from
from ledger.domain.errors import BadInput
from ledger.permissions import ROLES


def cmd_token_issue(args: argparse.Namespace) -> int:
    from ledger.auth import issue_token
    from ledger.permissions import UNIT_BOUND_ROLES

    if args.role in UNIT_BOUND_ROLES and not args.unit:
        # The server would refuse every write of such a token; say so now, not at first use.
        raise BadInput(f"a {args.role} token acts for named units: give --unit ID (repeatable)")
    print(issue_token(settings_from(args), args.subject, args.role, args.unit, args.ttl))
    return 0


def register(sub, add) -> None:
    token = group(sub, "token", "bearer tokens")
    p = add("issue", "print a signed bearer token", cmd_token_issue, token)
    p.add_argument("--subject", required=True, help="who acts (recorded as the actor of events)")
    p.add_argument("--role", required=True, choices=ROLES)
    p.add_argument(
        "--unit", action="append", help="limit the token to this unit's subtree (repeatable)"
    )
    p.add_argument("--ttl", default="8h", help="lifetime, e.g. 30m, 8h, 7d (default 8h)")
