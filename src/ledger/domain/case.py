"""Case: a violation case (案件) and the accountability decided for the leaders in its chain.

The unit and the facts period of a case can be restated by `Corrected`; the chain is then
resolved anew for answers known after the correction, never for answers known before.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from eventsourcing.domain import Aggregate

from ledger.domain.base import Stamp, Stamped, create
from ledger.domain.errors import BadInput, Conflict
from ledger.domain.ids import aggregate_id
from ledger.domain.values import business_id, choice, day, optional_day, ordered, text

CATEGORIES = (
    "EIGHT_PROVISIONS",
    "INTEGRITY",
    "WORK_DISCIPLINE",
    "ORGANISATION_DISCIPLINE",
    "MASS_DISCIPLINE",
    "LIFE_DISCIPLINE",
    "DUTY_CRIME",
)
DISCOVERIES = ("SELF_DISCOVERED", "PASSIVE")
FORMS = ("FIRST", "SECOND", "THIRD", "FOURTH")
MEASURES = (
    "NONE",
    "WRITTEN_REVIEW",
    "CIRCULATED_CRITICISM",
    "ADMONISHMENT",
    "ORGANISATIONAL_ADJUSTMENT",
    "DISCIPLINARY_SANCTION",
)


def case_uuid(case_id: str):
    return aggregate_id("case", case_id)


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


class Case(Aggregate):
    TOPIC = "ledger:Case"

    class Created(Aggregate.Created):
        TOPIC = "ledger:Case.Created"  # required by eventsourcing's explicit topics; never emitted

    class Registered(Aggregate.Created, Stamped):
        TOPIC = "ledger:CaseRegistered"
        NAMES = "case_id"
        case_id: str
        unit_id: str
        subject_id: str
        category: str
        discovery: str
        facts_on: str
        facts_until: str | None
        registered_on: str
        summary: str

    class Concluded(Aggregate.Event, Stamped):
        TOPIC = "ledger:CaseConcluded"
        form: str
        decision: str
        on: str

        def apply(self, case: Case) -> None:
            case.form, case.concluded_on = self.form, self.on

    class AccountabilityDetermined(Aggregate.Event, Stamped):
        TOPIC = "ledger:AccountabilityDetermined"
        person_id: str
        measure: str
        reason: str
        on: str

        def apply(self, case: Case) -> None:
            case.measures[self.person_id] = self.measure

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
        category: str,
        discovery: str,
        facts_on: str,
        facts_until: str | None,
        registered_on: str,
        summary: str,
    ):
        self.case_id = case_id
        self.unit_id = unit_id
        self.subject_id = subject_id
        self.category = category
        self.discovery = discovery
        self.facts_on = facts_on
        self.facts_until = facts_until
        self.registered_on = registered_on
        self.summary = summary
        self.form: str | None = None
        self.concluded_on: str | None = None
        self.measures: dict[str, str] = {}

    @classmethod
    def register(
        cls,
        stamp: Stamp,
        case_id: str,
        unit_id: str,
        subject_id: str,
        category: str,
        discovery: str,
        facts_on: str,
        facts_until: str | None,
        registered_on: str,
        summary: str,
    ) -> Case:
        case_id = business_id(case_id, "case id")
        registered_on = day(registered_on, "registeredOn")
        if registered_on > _today():
            raise BadInput(f"a case cannot be registered in the future ({registered_on})")
        facts_on, facts_until = _facts(facts_on, facts_until, registered_on)
        return create(
            cls,
            cls.Registered,
            stamp,
            case_uuid(case_id),
            case_id=case_id,
            unit_id=unit_id,
            subject_id=subject_id,
            category=choice(category, CATEGORIES, "category"),
            discovery=choice(discovery, DISCOVERIES, "discovery"),
            facts_on=facts_on,
            facts_until=facts_until,
            registered_on=registered_on,
            summary=text(summary, "summary", max_length=4000, allow_newlines=True),
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
        self, stamp: Stamp, person_id: str, measure: str, reason: str, on: str, chain: set[str]
    ) -> None:
        """`chain` is everyone in the case's accountability chain as the ledger knows it now."""
        measure = choice(measure, MEASURES, "measure")
        on = day(on, "on")
        if on < self.registered_on:
            raise BadInput(f"accountability cannot be determined ({on}) before registration")
        if person_id not in chain:
            raise Conflict(f"{person_id} is not in the accountability chain of case {self.case_id}")
        self.trigger_event(
            self.AccountabilityDetermined,
            **stamp.fields(),
            person_id=person_id,
            measure=measure,
            reason=text(reason, "reason", max_length=4000, allow_newlines=True),
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
