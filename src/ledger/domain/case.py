"""Case: a violation case (案件) and the accountability decisions (问责决定) taken on it.

The unit and the facts period of a case can be restated by `Corrected`; the chain is then
resolved anew for answers known after the correction, never for answers known before.

A decision names a person in the case's chain (or a party organisation on its path), its
measures and degree, and keeps the chain link it was based on; it is never edited: a
revision is a new decision, a revocation an event. Its id is the case id and the version
of the event that took it (`CASE-1/D7`), so it needs no counter and never changes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from eventsourcing.domain import Aggregate

from ledger.domain.base import Stamp, Stamped, create
from ledger.domain.errors import BadInput, Conflict, NotFound
from ledger.domain.ids import aggregate_id
from ledger.domain.labels import values_of
from ledger.domain.person import posts_during
from ledger.domain.values import business_id, choice, day, optional_day, ordered, text

CATEGORIES = values_of("ViolationCategory")
DISCOVERIES = values_of("Discovery")
FORMS = values_of("DisciplineForm")
MEASURES = values_of("AccountabilityMeasure")
SOURCES = values_of("CaseSource")
RANKS = values_of("CadreRank")
DEGREES = values_of("AccountabilityDegree")
DECISION_MARK = "/D"  # case id + this + event version = decision id
MAX_MEASURES = len(MEASURES)


def case_uuid(case_id: str):
    return aggregate_id("case", case_id)


def decision_id(case_id: str, version: int) -> str:
    return f"{case_id}{DECISION_MARK}{version}"


def case_of_decision(decision: str) -> str:
    """The case a decision id belongs to (NOT_FOUND when it is not a decision id)."""
    case_id, mark, version = decision.rpartition(DECISION_MARK)
    if not mark or not case_id or not version.isdigit():
        raise NotFound(f"no accountability decision {decision!r}")
    return case_id


def _today() -> str:
    return datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()


def _facts(facts_on: str, facts_until: str | None, registered_on: str) -> tuple[str, str | None]:
    facts_on = day(facts_on, "factsOn")
    facts_until = optional_day(facts_until, "factsUntil")
    ordered(facts_on, facts_until, "the facts period")
    if (facts_until or facts_on) > registered_on:
        raise BadInput(
            f"the facts ({facts_until or facts_on}) cannot come after the registration "
            f"({registered_on})"
        )
    return facts_on, facts_until


def placed(
    unit_id: str,
    subject_posts: list[dict],
    facts_on: str,
    facts_until: str | None,
    may_name: Callable[[str], bool] = lambda unit: True,
) -> bool:
    """A case sits where the facts occurred: in a unit where the subject held a post during
    the facts period. BAD_INPUT (naming those units the caller may see: `may_name`) when
    they held posts elsewhere only; a subject with no post recorded then is accepted, and
    False says so."""
    facts_on = day(facts_on, "factsOn")
    facts_until = optional_day(facts_until, "factsUntil")
    ordered(facts_on, facts_until, "the facts period")
    during = posts_during(subject_posts, facts_on, facts_until or facts_on)
    units = sorted({p["unit_id"] for p in during})
    if units and unit_id not in units:
        named = [u for u in units if may_name(u)]
        where = (
            f"where they held posts then: {', '.join(named)}"
            if named
            else "and they held posts then only in units outside your token's scope"
        )
        raise BadInput(
            f"the subject held no post in {unit_id} during the facts "
            f"({facts_on}..{facts_until or facts_on}); a case sits where the facts occurred, "
            + where
        )
    return bool(units)


def _reason(value: str) -> str:
    return text(value, "reason", max_length=4000, allow_newlines=True)


class Case(Aggregate):
    TOPIC = "ledger:Case"

    class Created(Aggregate.Created):
        TOPIC = "ledger:Case.Created"  # required by eventsourcing's explicit topics; never emitted

    class Registered(Aggregate.Created, Stamped):
        """Version 2 added where the case came from, the subject's rank, 报批, and whether a
        post of the subject was recorded for the facts; version-1 events upcast with none."""

        TOPIC = "ledger:CaseRegistered"
        NAMES = "case_id"
        class_version = 2
        case_id: str
        unit_id: str
        subject_id: str
        category: str
        discovery: str
        facts_on: str
        facts_until: str | None
        registered_on: str
        summary: str
        source: str | None
        subject_rank: str | None
        submitted_for_approval: bool
        subject_post_recorded: bool | None

        @staticmethod
        def upcast_v1_v2(state: dict) -> None:
            state.update(
                source=None,
                subject_rank=None,
                submitted_for_approval=False,
                subject_post_recorded=None,
            )

    class Concluded(Aggregate.Event, Stamped):
        TOPIC = "ledger:CaseConcluded"
        form: str
        decision: str
        on: str

        def apply(self, case: Case) -> None:
            case.form, case.concluded_on = self.form, self.on

    class AccountabilityDetermined(Aggregate.Event, Stamped):
        """A decision. Version 2: several measures, a degree, a party organisation instead
        of a person, and the chain link it was based on."""

        TOPIC = "ledger:AccountabilityDetermined"
        class_version = 2
        person_id: str | None
        unit_id: str | None
        measure: str
        measures: list[str]
        degree: str | None
        reason: str
        on: str
        link: dict | None

        @staticmethod
        def upcast_v1_v2(state: dict) -> None:
            state.update(unit_id=None, measures=[state["measure"]], degree=None, link=None)

        def apply(self, case: Case) -> None:
            case.decisions[decision_id(case.case_id, self.originator_version)] = {
                "on": self.on,
                "revoked_on": None,
            }

    class AccountabilityRevoked(Aggregate.Event, Stamped):
        TOPIC = "ledger:AccountabilityRevoked"
        decision_id: str
        reason: str
        on: str

        def apply(self, case: Case) -> None:
            case.decisions[self.decision_id]["revoked_on"] = self.on

    class Corrected(Aggregate.Event, Stamped):
        TOPIC = "ledger:CaseCorrected"
        unit_id: str
        facts_on: str
        facts_until: str | None
        reason: str

        def apply(self, case: Case) -> None:
            case.unit_id, case.facts_on, case.facts_until = (
                self.unit_id,
                self.facts_on,
                self.facts_until,
            )

    def __init__(
        self,
        case_id: str,
        unit_id: str,
        subject_id: str,
        facts_on: str,
        facts_until: str | None,
        registered_on: str,
    ):
        # Only what the case's own decisions need; the rest of its facts are the read side's.
        self.case_id = case_id
        self.unit_id = unit_id
        self.subject_id = subject_id
        self.facts_on = facts_on
        self.facts_until = facts_until
        self.registered_on = registered_on
        self.form: str | None = None
        self.concluded_on: str | None = None
        self.decisions: dict[str, dict] = {}

    @classmethod
    def register(
        cls,
        stamp: Stamp,
        case_id: str,
        unit_id: str,
        subject_id: str,
        facts: dict[str, Any],
        subject_post_recorded: bool,
    ) -> Case:
        """`facts`: category, discovery, facts_on, facts_until, registered_on, summary,
        source, subject_rank, submitted_for_approval (as the command carries them)."""
        case_id = business_id(case_id, "case id")
        registered_on = day(facts["registered_on"], "registeredOn")
        if registered_on > _today():
            raise BadInput(f"a case cannot be registered in the future ({registered_on})")
        facts_on, facts_until = _facts(facts["facts_on"], facts["facts_until"], registered_on)
        source = facts.get("source")
        if source is not None:
            choice(source, SOURCES, "source")
            if (source == "SELF") != (facts["discovery"] == "SELF_DISCOVERED"):
                raise BadInput(
                    "source SELF (本单位自查自纠) goes with discovery SELF_DISCOVERED and only "
                    "with it"
                )
        rank = facts.get("subject_rank")
        return create(
            cls,
            cls.Registered,
            stamp,
            case_uuid(case_id),
            case_id=case_id,
            unit_id=unit_id,
            subject_id=subject_id,
            category=choice(facts["category"], CATEGORIES, "category"),
            discovery=choice(facts["discovery"], DISCOVERIES, "discovery"),
            facts_on=facts_on,
            facts_until=facts_until,
            registered_on=registered_on,
            summary=text(facts["summary"], "summary", max_length=4000, allow_newlines=True),
            source=source,
            subject_rank=None if rank is None else choice(rank, RANKS, "subjectRank"),
            submitted_for_approval=bool(facts.get("submitted_for_approval")),
            subject_post_recorded=subject_post_recorded,
        )

    def conclude(self, stamp: Stamp, form: str, decision: str, on: str) -> None:
        if self.form is not None:
            raise Conflict(f"case {self.case_id} was already concluded on {self.concluded_on}")
        on = day(on, "on")
        if on < self.registered_on:
            raise BadInput(f"a case cannot be concluded ({on}) before its registration")
        self.trigger_event(
            self.Concluded,
            **stamp.fields(),
            form=choice(form, FORMS, "form"),
            decision=text(decision, "decision", max_length=4000, allow_newlines=True),
            on=on,
        )

    def determine_accountability(
        self,
        stamp: Stamp,
        *,
        person_id: str | None,
        unit_id: str | None,
        measures: list[str],
        degree: str | None,
        reason: str,
        on: str,
        link: dict | None,
    ) -> None:
        """A decision on a person (`link`: the chain link that puts them in the chain, as
        resolved now; None when they are not in it) or on a party organisation on the
        chain's path (`unit_id`, with `link` None)."""
        measures = list(dict.fromkeys(choice(m, MEASURES, "measure") for m in measures))
        if not measures:
            raise BadInput("a decision names at least one measure")
        on = day(on, "on")
        if on < self.registered_on:
            raise BadInput(f"accountability cannot be determined ({on}) before registration")
        if person_id is not None and link is None:
            raise Conflict(f"{person_id} is not in the accountability chain of case {self.case_id}")
        self.trigger_event(
            self.AccountabilityDetermined,
            **stamp.fields(),
            person_id=person_id,
            unit_id=unit_id,
            measure=measures[0],
            measures=measures,
            degree=None if degree is None else choice(degree, DEGREES, "degree"),
            reason=_reason(reason),
            on=on,
            link=link,
        )

    def revoke(self, stamp: Stamp, decision: str, reason: str, on: str) -> None:
        found = self.decisions.get(decision)
        if found is None:
            raise NotFound(f"no accountability decision {decision!r}")
        if found["revoked_on"] is not None:
            raise Conflict(f"decision {decision} was already revoked on {found['revoked_on']}")
        on = day(on, "on")
        if on < found["on"]:
            raise BadInput(
                f"a decision cannot be revoked ({on}) before it was taken ({found['on']})"
            )
        self.trigger_event(
            self.AccountabilityRevoked,
            **stamp.fields(),
            decision_id=decision,
            reason=_reason(reason),
            on=on,
        )

    def correct(
        self, stamp: Stamp, unit_id: str, facts_on: str, facts_until: str | None, reason: str
    ) -> None:
        facts_on, facts_until = _facts(facts_on, facts_until, self.registered_on)
        reason = text(reason, "reason", max_length=2000, allow_newlines=True)
        if (unit_id, facts_on, facts_until) == (self.unit_id, self.facts_on, self.facts_until):
            raise Conflict("the correction restates the case exactly as recorded")
        self.trigger_event(
            self.Corrected,
            **stamp.fields(),
            unit_id=unit_id,
            facts_on=facts_on,
            facts_until=facts_until,
            reason=reason,
        )
