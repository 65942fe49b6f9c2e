"""`labels(lang)`: the Chinese (or English) name of every enum value the schema has, and of
the other labelled values a dashboard shows (ScoreRule: the rule of a derived score line)."""

from __future__ import annotations

import strawberry

from ledger.api.inputs import ENUMS
from ledger.domain.errors import BadInput
from ledger.domain.labels import LABELS, LANGS, label


@strawberry.type
class EnumLabel:
    enum: str
    value: str
    label: str


def enum_labels(lang: str) -> list[EnumLabel]:
    if lang not in LANGS:
        raise BadInput(f"lang must be one of {', '.join(LANGS)}, got {lang!r}")
    schema = [
        EnumLabel(enum=name, value=member.value, label=label(name, member.value, lang))
        for name, enum in sorted(ENUMS.items())
        for member in enum
    ]
    others = [
        EnumLabel(enum=name, value=value, label=label(name, value, lang))
        for name in sorted(set(LABELS) - set(ENUMS))
        for value in LABELS[name]
    ]
    return schema + others
