"""MajorDecision: a 三重一大 matter (重大决策, 重要干部任免, 重大项目安排, 大额资金使用) decided
collectively by a unit's leadership team, with who attended, the order in which they stated
their views (the principal last, 末位表态) and who withdrew (回避). A correction restates the
minutes. Whether the decision keeps the rules (attendance, speaking order, recusals) is read
against the team of the day (`ledger.domain.rules.power`), so it follows post corrections.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import Aggregate

from ledger.domain.base import Stamp, Stamped, create
from ledger.domain.errors import BadInput, Conflict
from ledger.domain.ids import aggregate_id
from ledger.domain.labels import values_of
from ledger.domain.values import business_id, choice, day, text

MATTERS = values_of("MajorMatter")
MAX_PEOPLE = 100


def major_decision_uuid(decision_id: str):
    return aggregate_id("major-decision", decision_id)


def minutes(
    attendee_ids: list[str], speaker_ids: list[str], recusals: list[dict[str, str]]
) -> dict[str, Any]:
    """The minutes, checked: attendees once each, speakers once each and present, recusals
    once each with a reason."""
    if not attendee_ids:
        raise BadInput("a collective decision has attendees")
    for what, ids in (("attendee", attendee_ids), ("speaker", speaker_ids)):
        if len(ids) > MAX_PEOPLE:
            raise BadInput(f"at most {MAX_PEOPLE} {what}s")
        for n, person_id in enumerate(ids, 1):
            business_id(person_id, f"{what} {n}")
        if len(set(ids)) != len(ids):
            raise BadInput(f"a {what} is named twice")
    absent = [p for p in speaker_ids if p not in attendee_ids]
    if absent:
        raise BadInput(f"{', '.join(absent)} spoke but did not attend")
    if len(recusals) > MAX_PEOPLE:
        raise BadInput(f"at most {MAX_PEOPLE} recusals")
    clean = []
    for n, r in enumerate(recusals, 1):
        person_id = business_id(r["person_id"], f"recusal {n} personId")
        if person_id in (c["person_id"] for c in clean):
            raise BadInput(f"{person_id} withdrew twice")
        reason = text(r["reason"], f"recusal {n} reason", max_length=500)
        clean.append({"person_id": person_id, "reason": reason})
    return {
        "attendee_ids": list(attendee_ids),
        "speaker_ids": list(speaker_ids),
        "recusals": clean,
    }


class MajorDecision(Aggregate):
    TOPIC = "ledger:MajorDecision"

    class Created(Aggregate.Created):
        TOPIC = "ledger:MajorDecision.Created"  # required by explicit topics; never emitted

    class Recorded(Aggregate.Created, Stamped):
        TOPIC = "ledger:MajorDecisionRecorded"
        NAMES = "major_decision_id"
        major_decision_id: str
        unit_id: str
        matter: str
        title: str
        decided_on: str
        attendee_ids: list[str]
        speaker_ids: list[str]
        recusals: list[dict]

    class Corrected(Aggregate.Event, Stamped):
        TOPIC = "ledger:MajorDecisionCorrected"
        attendee_ids: list[str]
        speaker_ids: list[str]
        recusals: list[dict]
        reason: str

        def apply(self, decision: MajorDecision) -> None:
            decision.minutes = {
                "attendee_ids": list(self.attendee_ids),
                "speaker_ids": list(self.speaker_ids),
                "recusals": [dict(r) for r in self.recusals],
            }

    def __init__(
        self,
        major_decision_id: str,
        unit_id: str,
        matter: str,
        title: str,
        decided_on: str,
        attendee_ids: list[str],
        speaker_ids: list[str],
        recusals: list[dict],
    ):
        self.major_decision_id = major_decision_id
        self.unit_id = unit_id
        self.decided_on = decided_on
        self.minutes = {
            "attendee_ids": list(attendee_ids),
            "speaker_ids": list(speaker_ids),
            "recusals": [dict(r) for r in recusals],
        }

    @classmethod
    def record(
        cls,
        stamp: Stamp,
        major_decision_id: str,
        unit_id: str,
        matter: str,
        title: str,
        decided_on: str,
        attendee_ids: list[str],
        speaker_ids: list[str],
        recusals: list[dict[str, str]],
    ) -> MajorDecision:
        major_decision_id = business_id(major_decision_id, "decision id")
        return create(
            cls,
            cls.Recorded,
            stamp,
            major_decision_uuid(major_decision_id),
            major_decision_id=major_decision_id,
            unit_id=unit_id,
            matter=choice(matter, MATTERS, "matter"),
            title=text(title, "title", max_length=500),
            decided_on=day(decided_on, "decidedOn"),
            **minutes(attendee_ids, speaker_ids, recusals),
        )

    def correct(
        self,
        stamp: Stamp,
        attendee_ids: list[str],
        speaker_ids: list[str],
        recusals: list[dict[str, str]],
        reason: str,
    ) -> None:
        restated = minutes(attendee_ids, speaker_ids, recusals)
        reason = text(reason, "reason", max_length=2000, allow_newlines=True)
        if restated == self.minutes:
            raise Conflict("the correction restates the minutes exactly as recorded")
        self.trigger_event(self.Corrected, **stamp.fields(), **restated, reason=reason)
