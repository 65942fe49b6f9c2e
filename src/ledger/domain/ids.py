"""Business ids ("ZJ-FGW", "P-0001") map to aggregate UUIDs by uuid5, per aggregate kind.

The kind is part of the name so that a unit and a person may share a business id
without sharing an aggregate.
"""

from uuid import UUID, uuid5

NAMESPACE = UUID("6f1c1a52-7d0e-5f3a-9c1e-4c5a11ed9e42")


def aggregate_id(kind: str, business_id: str) -> UUID:
    return uuid5(NAMESPACE, f"{kind}:{business_id}")
