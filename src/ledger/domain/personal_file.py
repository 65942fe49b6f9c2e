"""PersonalFile: what the ledger keeps about one person for 六必谈 beyond their posts.

Their personal yearly ratings (年度考核: 优秀 / 称职 / 基本称职 / 不称职), and the triggers
that make a talk due that no other fact shows: a major setback, a major change in the
family, a major error at work. One file per person, opened with its first entry. A rating
is restated by `RatingCorrected`, a trigger recorded in error is `TriggerRetracted`: new
events, so earlier `knownAt` answers stay.

Ids: a rating is `PERSON/RYEAR` (`P-0001/R2024`), a trigger `PERSON/TVERSION` (the version
of the event that recorded it), so neither needs a counter.
"""

from __future__ import annotations

from eventsourcing.domain import Aggregate

from ledger.domain.base import Stamp, Stamped, create
from ledger.domain.errors import BadInput, Conflict, NotFound
from ledger.domain.ids import aggregate_id
from ledger.domain.person import Post
from ledger.domain.rules.talks import RATINGS, TRIGGER_KINDS
from ledger.domain.talk import not_future, placed_on
from ledger.domain.values import choice, text

RATING_MARK, TRIGGER_MARK = "/R", "/T"


def file_uuid(person_id: str):
    return aggregate_id("personal-file", person_id)


def rating_id(person_id: str, year: int) -> str:
    return f"{person_id}{RATING_MARK}{year}"


def trigger_id(person_id: str, version: int) -> str:
    return f"{person_id}{TRIGGER_MARK}{version}"


def split_id(value: str, mark: str, what: str) -> tuple[str, int]:
    """(person id, year or version) of a rating or trigger id; NOT_FOUND when malformed."""
    person, found, number = value.rpartition(mark)
    if not found or not person or not number.isdigit() or len(number) > 9:
        raise NotFound(f"no {what} {value!r}")
    return person, int(number)


def _note(value: str) -> str:
    return text(value, "note", max_length=2000, allow_newlines=True)


class PersonalFile(Aggregate):
    TOPIC = "ledger:PersonalFile"

    class Created(Aggregate.Created):
        TOPIC = "ledger:PersonalFile.Created"  # required by explicit topics; never emitted

    class Opened(Aggregate.Created, Stamped):
        TOPIC = "ledger:PersonalFileOpened"
        NAMES = "person_id"
        person_id: str

    class RatingRecorded(Aggregate.Event, Stamped):
        TOPIC = "ledger:PersonalRatingRecorded"
        year: int
        rating: str
        unit_id: str
        rated_on: str

        def apply(self, file: PersonalFile) -> None:
            file.ratings[str(self.year)] = {
                "rating": self.rating,
                "unit_id": self.unit_id,
                "rated_on": self.rated_on,
            }

    class RatingCorrected(Aggregate.Event, Stamped):
        TOPIC = "ledger:PersonalRatingCorrected"
        year: int
        rating: str
        rated_on: str
        unit_id: str
        reason: str

        def apply(self, file: PersonalFile) -> None:
            file.ratings[str(self.year)] = {
                "rating": self.rating,
                "unit_id": self.unit_id,
                "rated_on": self.rated_on,
            }

    class TriggerRecorded(Aggregate.Event, Stamped):
        TOPIC = "ledger:TalkTriggerRecorded"
        kind: str
        occurred_on: str
        unit_id: str
        note: str

        def apply(self, file: PersonalFile) -> None:
            file.triggers[trigger_id(file.person_id, self.originator_version)] = {
                "unit_id": self.unit_id,
                "retracted": False,
            }

    class TriggerRetracted(Aggregate.Event, Stamped):
        TOPIC = "ledger:TalkTriggerRetracted"
        trigger_id: str
        unit_id: str
        reason: str

        def apply(self, file: PersonalFile) -> None:
            file.triggers[self.trigger_id]["retracted"] = True

    def __init__(self, person_id: str):
        self.person_id = person_id
        self.ratings: dict[str, dict] = {}  # year -> rating, unit_id, rated_on
        self.triggers: dict[str, dict] = {}  # trigger id -> unit_id, retracted

    @classmethod
    def open(cls, stamp: Stamp, person_id: str) -> PersonalFile:
        return create(cls, cls.Opened, stamp, file_uuid(person_id), person_id=person_id)

    # ------------------------------------------------------------------ ratings

    @staticmethod
    def _rating(year: int, rating: str, rated_on: str, unit_id: str, posts: list[Post]) -> dict:
        if not isinstance(year, int) or not 1949 <= year <= 2100:
            raise BadInput(f"year must lie between 1949 and 2100, got {year}")
        rated_on = not_future(rated_on, "ratedOn")
        if not f"{year}-01-01" <= rated_on <= f"{year + 1}-12-31":
            raise BadInput(
                f"the rating for {year} is given in {year} or {year + 1}, not on {rated_on}"
            )
        placed_on(unit_id, posts, f"{year}-01-01", f"{year}-12-31")
        return {
            "rating": choice(rating, RATINGS, "rating"),
            "unit_id": unit_id,
            "rated_on": rated_on,
        }

    def record_rating(
        self, stamp: Stamp, year: int, rating: str, unit_id: str, rated_on: str, posts: list[Post]
    ) -> str:
        facts = self._rating(year, rating, rated_on, unit_id, posts)
        if str(year) in self.ratings:
            raise Conflict(f"{self.person_id} already has a rating for {year}: correct it instead")
        self.trigger_event(self.RatingRecorded, **stamp.fields(), year=year, **facts)
        return rating_id(self.person_id, year)

    def correct_rating(
        self,
        stamp: Stamp,
        year: int,
        rating: str,
        rated_on: str | None,
        reason: str,
        posts: list[Post],
    ) -> None:
        current = self.ratings.get(str(year))
        if current is None:
            raise NotFound(f"no rating {rating_id(self.person_id, year)!r}")
        on = current["rated_on"] if rated_on is None else rated_on
        facts = self._rating(year, rating, on, current["unit_id"], posts)
        reason = text(reason, "reason", max_length=2000, allow_newlines=True)
        if facts == current:
            raise Conflict("the correction restates the rating exactly as recorded")
        self.trigger_event(
            self.RatingCorrected, **stamp.fields(), year=year, reason=reason, **facts
        )

    # ------------------------------------------------------------------ triggers

    def record_trigger(
        self, stamp: Stamp, kind: str, occurred_on: str, unit_id: str, note: str, posts: list[Post]
    ) -> str:
        kind = choice(kind, TRIGGER_KINDS, "kind")
        occurred_on = not_future(occurred_on, "occurredOn")
        placed_on(unit_id, posts, occurred_on)
        self.trigger_event(
            self.TriggerRecorded,
            **stamp.fields(),
            kind=kind,
            occurred_on=occurred_on,
            unit_id=unit_id,
            note=_note(note),
        )
        return trigger_id(self.person_id, self.version)

    def retract_trigger(self, stamp: Stamp, trigger: str, reason: str) -> None:
        found = self.triggers.get(trigger)
        if found is None:
            raise NotFound(f"no 六必谈 trigger {trigger!r}")
        if found["retracted"]:
            raise Conflict(f"trigger {trigger} was already retracted")
        self.trigger_event(
            self.TriggerRetracted,
            **stamp.fields(),
            trigger_id=trigger,
            unit_id=found["unit_id"],
            reason=text(reason, "reason", max_length=2000, allow_newlines=True),
        )

    def unit_of(self, entry: str) -> str:
        """The unit a rating or trigger of this file was recorded for (scope)."""
        if RATING_MARK in entry:
            _, year = split_id(entry, RATING_MARK, "rating")
            found = self.ratings.get(str(year))
        else:
            found = self.triggers.get(entry)
        if found is None:
            raise NotFound(f"no entry {entry!r}")
        return found["unit_id"]
