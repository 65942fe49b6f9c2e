"""A realistic province for the load benchmarks: 100 organs, 5,000 people, ten years of work.

Structure (fixed, whatever the size):
    100 organs (ORG-001 …), each with 6 departments (-D1…-D6), 4 affiliated units (-A1…-A4)
    and a party branch under each of those ten (-D1-ZB …): 2,100 units.
    50 people per organ (5,000): the PRINCIPAL, 4 TEAM_MEMBERs and the DISCIPLINE_SECRETARY
    of the organ, a UNIT_HEAD per department/affiliated unit, a BRANCH_SECRETARY per branch,
    24 STAFF spread over the units.
    16 responsibility items per organ: 主体责任 (PRINCIPAL), 监督责任 (SUPERVISORY), four
    分管 items (IN_CHARGE, each over 2-3 units), one DIRECT item per unit head.

History (ten years ending last year, record times set by the generator):
    every January an evaluation cycle over the 100 organs (3 criteria), scored in December
    (300 scores) and finalized the next January (the last year's stays open);
    every spring a task letter (函告书, 5 tasks) from each organ to each of its ten units
    (1,000 a year); 90% signed by the unit's head, 80% of tasks completed;
    progress reports on the tasks: their number per task is what scales the log to the
    size asked for (0.4 per task and year at 10⁵ events, ~18 at 10⁶, ~200 at 10⁷);
    ~150 cases a year (80% in affiliated units and branches, 56% eight provisions, 60%
    PASSIVE), 85% concluded, 30% with an accountability decision for the unit head;
    ~10% of IN_CHARGE/DIRECT items rotate (轮岗) each year.

Generating is fast because it bypasses the command path: aggregates are built in memory
with the domain's own event classes, each event's `timestamp` is set to its planned time,
and `app.save` takes up to BATCH_EVENTS events at once (one transaction) whose record time
(the commit's, `ledger.integrity.chain.clock`) is set to the latest planned time in the batch. The projections
then catch up from position 0 (timed).

The ids are deterministic (`sample_ids`), so the load run knows what to ask for without
metadata.

Run alone:  .venv/bin/python bench/province.py --events 1e5 [--store sqlite|postgres]
            [--keep PATH_OR_SCHEMA]    (the load run calls `build` itself)
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from ledger.domain.base import Stamp, create
from ledger.domain.case import Case, case_uuid
from ledger.domain.evaluation import (
    DEFAULT_GRADE_BANDS,
    DEFAULT_VETO_FORMS,
    DEFAULT_VETO_ROLES,
    EvaluationCycle,
    cycle_uuid,
)
from ledger.domain.letter import TaskLetter, letter_uuid
from ledger.domain.person import Person, person_uuid
from ledger.domain.responsibility import ResponsibilityItem, item_uuid
from ledger.domain.unit import Unit, unit_uuid
from ledger.integrity import chain as integrity
from ledger.service import Ledger
from ledger.settings import Settings

_wall_clock = integrity.clock
ORGANS = 100
DEPARTMENTS = 6
AFFILIATED = 4
PEOPLE_PER_ORGAN = 50
TEAM = 4
YEARS = 10
TASKS_PER_LETTER = 5
CASES_PER_YEAR = 150
BATCH_EVENTS = 2000
DAY = 86_400.0

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘"
GIVEN = "建国明远思齐海峰文静立新晓红志强丽华国栋雨桐光明春燕志远德华秀英伟军芳敏"
DEPARTMENT_NAMES = ("办公室", "人事处", "财务处", "规划处", "法规处", "机关党委")
AFFILIATED_NAMES = ("信息中心", "培训中心", "服务中心", "研究院")
TASKS = (
    ("EDUCATION", "开展党风廉政警示教育"),
    ("SUPERVISION", "落实一岗双责监督检查"),
    ("MANAGEMENT", "排查廉政风险点并建立台账"),
    ("SUPERVISION", "开展违反中央八项规定精神问题专项整治"),
    ("MANAGEMENT", "完善内控制度与权力运行流程"),
)
CATEGORIES = (
    ("EIGHT_PROVISIONS", 56),
    ("INTEGRITY", 14),
    ("WORK_DISCIPLINE", 12),
    ("ORGANISATION_DISCIPLINE", 6),
    ("MASS_DISCIPLINE", 4),
    ("LIFE_DISCIPLINE", 5),
    ("DUTY_CRIME", 3),
)
MEASURES = ("WRITTEN_REVIEW", "CIRCULATED_CRITICISM", "ADMONISHMENT", "ORGANISATIONAL_ADJUSTMENT")
ACTORS = ("recorder-1", "recorder-2", "recorder-3", "appraiser-1", "branch-1")


def organ_id(o: int) -> str:
    return f"ORG-{o:03d}"


def subunits(o: int) -> list[str]:
    """The ten departments and affiliated units of organ o (each has a branch below it)."""
    org = organ_id(o)
    return [f"{org}-D{d}" for d in range(1, DEPARTMENTS + 1)] + [
        f"{org}-A{a}" for a in range(1, AFFILIATED + 1)
    ]


def person_id(o: int, k: int) -> str:
    return f"P-{o:03d}-{k:02d}"


@dataclass
class SampleIds:
    """What the load run asks about: ids that exist in every generated province."""

    organs: list[str]
    units: list[str]
    persons: list[str]
    holders: list[str]
    letters_recipients: list[str]
    cycles: list[str]
    cases: list[str]
    years: list[int]


def years_of(end: date) -> list[int]:
    last = end.year - 1
    return list(range(last - YEARS + 1, last + 1))


def sample_ids(end: date | None = None) -> SampleIds:
    years = years_of(end or date.today())
    organs = [organ_id(o) for o in range(1, ORGANS + 1)]
    units = [u for o in range(1, ORGANS + 1) for u in subunits(o)]
    return SampleIds(
        organs=organs,
        units=units,
        persons=[person_id(o, k) for o in range(1, ORGANS + 1) for k in range(PEOPLE_PER_ORGAN)],
        holders=[person_id(o, k) for o in range(1, ORGANS + 1) for k in range(1, 1 + TEAM)],
        letters_recipients=units,
        cycles=[f"EV-{y}" for y in years],
        cases=[f"C-{y}-{n:04d}" for y in years for n in range(1, 60)],
        years=years,
    )


@dataclass
class Stats:
    events: int = 0
    units: int = 0
    persons: int = 0
    items: int = 0
    letters: int = 0
    cases: int = 0
    cycles: int = 0
    progress_per_task_year: float = 0.0
    generate_s: float = 0.0
    catch_up_s: float = 0.0
    first: datetime | None = None
    last: datetime | None = None
    by_type: dict[str, int] = field(default_factory=dict)


class Province:
    """Plans and saves the history, year by year, in record-time order."""

    def __init__(self, ledger: Ledger, n: int, seed: int = 20180701, end: datetime | None = None):
        self.ledger = ledger
        self.n = n
        self.rng = random.Random(seed)
        self.end = end or datetime.now(UTC) - timedelta(hours=1)
        self.years = years_of(self.end.date())
        self.stats = Stats()
        self.pending: dict[int, Any] = {}  # id(aggregate) -> aggregate, events not saved yet
        self.pending_events = 0
        self.units: dict[str, Unit] = {}
        self.persons: dict[str, Person] = {}
        self.items: dict[str, ResponsibilityItem] = {}
        self.heads: dict[str, str] = {}  # unit -> its head (UNIT_HEAD / BRANCH_SECRETARY)
        self.staff: dict[str, list[str]] = {}  # unit -> staff
        self.team: dict[int, list[str]] = {}  # organ -> team members
        fixed = ORGANS * (21 + 2 * PEOPLE_PER_ORGAN + 16)
        per_year = ORGANS * 10 * (1.9 + TASKS_PER_LETTER * 0.8) + 302 + 330 + 160
        progress = (n - fixed - YEARS * per_year) / (YEARS * ORGANS * 10 * TASKS_PER_LETTER)
        self.progress = max(progress, 0.0)
        self.stats.progress_per_task_year = self.progress

    # ------------------------------------------------------------------ plumbing

    def stamp(self, actor: str | None = None) -> Stamp:
        return Stamp(actor or self.rng.choice(ACTORS))

    def touched(self, aggregate: Any, events: int = 1) -> None:
        self.pending[id(aggregate)] = aggregate
        self.pending_events += events
        if self.pending_events >= BATCH_EVENTS:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            # Record time is the commit's (the chain row's `committed_at`, from
            # `ledger.integrity.chain.clock`): the batch commits at its latest planned record time.
            latest = max(e.timestamp for a in self.pending.values() for e in a.pending_events)
            integrity.clock = lambda: latest
            try:
                recordings = self.ledger.app.save(*self.pending.values())
            finally:
                integrity.clock = _wall_clock
            for r in recordings:
                name = type(r.domain_event).TOPIC.partition(":")[2]
                self.stats.by_type[name] = self.stats.by_type.get(name, 0) + 1
            self.stats.events += len(recordings)
        self.pending.clear()
        self.pending_events = 0

    def when(self, day: date, hour: float = 10.0) -> datetime:
        ts = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(hours=hour)
        return min(ts, self.end)

    def name(self) -> str:
        rng = self.rng
        return rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)

    # ------------------------------------------------------------------ the history

    def build(self, progress: Callable[[str], None] = lambda m: None) -> Stats:
        started = time.perf_counter()
        start = date(self.years[0], 1, 4)
        self.organisation(start)
        progress(f"organisation saved ({self.stats.events:,} events)")
        for year in self.years:
            self.year(year)
            progress(f"{year}: {self.stats.events:,} events")
        self.flush()
        self.stats.generate_s = time.perf_counter() - started
        self.stats.units, self.stats.persons = len(self.units), len(self.persons)
        self.stats.items = len(self.items)
        return self.stats

    def organisation(self, start: date) -> None:
        """Units, people, posts and responsibility items, recorded over the first days."""
        t = self.when(start, 8)
        self.stats.first = t
        tick = timedelta(seconds=2)
        for o in range(1, ORGANS + 1):
            org = organ_id(o)
            names = [f"省直第{o:03d}厅"]
            kinds = [("ORGAN", org, None)]
            for d in range(1, DEPARTMENTS + 1):
                kinds.append(("DEPARTMENT", f"{org}-D{d}", org))
                names.append(DEPARTMENT_NAMES[d - 1])
            for a in range(1, AFFILIATED + 1):
                kinds.append(("AFFILIATED_UNIT", f"{org}-A{a}", org))
                names.append(AFFILIATED_NAMES[a - 1])
            for sub in subunits(o):
                kinds.append(("PARTY_BRANCH", f"{sub}-ZB", sub))
                names.append("党支部")
            for (kind, uid, parent), name in zip(kinds, names, strict=True):
                t += tick
                unit = create(
                    Unit,
                    Unit.Registered,
                    self.stamp("recorder-1"),
                    unit_uuid(uid),
                    unit_id=uid,
                    name=name if kind == "ORGAN" else f"{names[0]}{name}",
                    kind=kind,
                    parent_id=parent,
                    short_name=None,
                    timestamp=t,
                )
                self.units[uid] = unit
                self.touched(unit)
        valid = start.isoformat()
        for o in range(1, ORGANS + 1):
            org = organ_id(o)
            subs = subunits(o)
            roles: list[tuple[str, str]] = [(org, "PRINCIPAL")]
            roles += [(org, "TEAM_MEMBER")] * TEAM + [(org, "DISCIPLINE_SECRETARY")]
            roles += [(u, "UNIT_HEAD") for u in subs]
            roles += [(f"{u}-ZB", "BRANCH_SECRETARY") for u in subs]
            while len(roles) < PEOPLE_PER_ORGAN:
                roles.append((subs[len(roles) % len(subs)], "STAFF"))
            for k, (uid, role) in enumerate(roles):
                pid = person_id(o, k)
                t += tick
                person = create(
                    Person,
                    Person.Registered,
                    self.stamp("recorder-2"),
                    person_uuid(pid),
                    person_id=pid,
                    name=self.name(),
                    timestamp=t,
                )
                person.trigger_event(
                    Person.PostAssumed,
                    **self.stamp("recorder-2").fields(),
                    unit_id=uid,
                    role=role,
                    valid_from=valid,
                    timestamp=t + tick / 2,
                )
                self.persons[pid] = person
                self.touched(person, 2)
                if role in ("UNIT_HEAD", "BRANCH_SECRETARY"):
                    self.heads[uid] = pid
                elif role == "STAFF":
                    self.staff.setdefault(uid, []).append(pid)
                elif role == "TEAM_MEMBER":
                    self.team.setdefault(o, []).append(pid)
            items = [
                (
                    f"R-{org}-PRIN",
                    person_id(o, 0),
                    "PRINCIPAL",
                    "MANAGEMENT",
                    "履行党风廉政建设主体责任",
                    [org],
                ),
                (
                    f"R-{org}-SUP",
                    person_id(o, 5),
                    "SUPERVISORY",
                    "SUPERVISION",
                    "履行监督责任",
                    [org],
                ),
            ]
            for m, member in enumerate(self.team[o]):
                covered = subs[m * 10 // TEAM : (m + 1) * 10 // TEAM]
                items.append(
                    (
                        f"R-{org}-IC{m + 1}",
                        member,
                        "IN_CHARGE",
                        "SUPERVISION",
                        "分管范围一岗双责",
                        covered,
                    )
                )
            for u in subs:
                items.append(
                    (f"R-{u}-DIR", self.heads[u], "DIRECT", "MANAGEMENT", "本单位直接责任", [u])
                )
            for iid, holder, kind, area, title, scope in items:
                t += tick
                item = create(
                    ResponsibilityItem,
                    ResponsibilityItem.Assigned,
                    self.stamp("recorder-3"),
                    item_uuid(iid),
                    item_id=iid,
                    holder_id=holder,
                    kind=kind,
                    area=area,
                    title=title,
                    scope_unit_ids=sorted(scope),
                    valid_from=valid,
                    valid_to=None,
                    timestamp=t,
                )
                self.items[iid] = item
                self.touched(item)
        self.flush()

    def year(self, year: int) -> None:
        """One year's events, planned then applied in record-time order."""
        rng = self.rng
        actions: list[tuple[datetime, int, Callable[[datetime], None]]] = []

        def at(day: date, fn: Callable[[datetime], None], hour: float | None = None) -> None:
            ts = self.when(day, rng.uniform(8.5, 18.0) if hour is None else hour)
            if ts < self.end:
                actions.append((ts, len(actions), fn))

        jan = date(year, 1, 1)
        cycle_id = f"EV-{year}"
        at(date(year, 1, 15), lambda ts: self.open_cycle(cycle_id, year, ts), 9.0)
        for o in range(1, ORGANS + 1):
            for c, code in enumerate(("EDU", "SUP", "MGT")):
                at(
                    date(year, 12, 10 + c),
                    lambda ts, o=o, code=code: self.score(cycle_id, o, code, ts),
                )
        if year != self.years[-1]:
            at(date(year + 1, 1, 20), lambda ts: self.finalize(cycle_id, ts), 16.0)

        for o in range(1, ORGANS + 1):
            for s, sub in enumerate(subunits(o)):
                letter_id = f"L-{year}-{o:03d}-{s + 1:02d}"
                issued = jan + timedelta(days=40 + rng.randint(0, 40))
                at(
                    issued,
                    lambda ts, lid=letter_id, o=o, sub=sub, d=issued: self.issue(
                        lid, o, sub, d, ts
                    ),
                )
                if rng.random() < 0.9:
                    signed = issued + timedelta(days=rng.randint(2, 20))
                    at(
                        signed,
                        lambda ts, lid=letter_id, sub=sub, d=signed: self.acknowledge(
                            lid, sub, d, ts
                        ),
                    )
                for k in range(TASKS_PER_LETTER):
                    task = f"T{k + 1}"
                    reports = int(self.progress) + (rng.random() < self.progress % 1)
                    days = sorted(rng.randint(30, 300) for _ in range(reports))
                    for r, d in enumerate(days, 1):
                        when = issued + timedelta(days=d)
                        percent = min(95, int(100 * r / (reports + 1)))
                        at(
                            when,
                            lambda ts, lid=letter_id, t=task, p=percent, w=when: self.report(
                                lid, t, p, w, ts
                            ),
                        )
                    if rng.random() < 0.8:
                        done = issued + timedelta(days=rng.randint(301, 330))
                        at(
                            done,
                            lambda ts, lid=letter_id, t=task, w=done: self.complete(lid, t, w, ts),
                        )

        for n in range(1, CASES_PER_YEAR + 1):
            case_id = f"C-{year}-{n:04d}"
            o = rng.randint(1, ORGANS)
            subs = subunits(o)
            if rng.random() < 0.8:
                unit = rng.choice([u for u in subs if "-A" in u] + [f"{u}-ZB" for u in subs])
            else:
                unit = rng.choice([u for u in subs if "-D" in u])
            facts = jan + timedelta(days=rng.randint(0, 300))
            registered = facts + timedelta(days=rng.randint(20, 60))
            at(
                registered,
                lambda ts, c=case_id, u=unit, f=facts, r=registered: self.register_case(
                    c, u, f, r, ts
                ),
            )
            if rng.random() < 0.85:
                concluded = registered + timedelta(days=rng.randint(30, 150))
                at(concluded, lambda ts, c=case_id, d=concluded: self.conclude(c, d, ts))
                if rng.random() < 0.35:
                    decided = concluded + timedelta(days=rng.randint(1, 20))
                    at(decided, lambda ts, c=case_id, d=decided: self.determine(c, d, ts))

        rotating = [i for i in self.items if "-IC" in i or i.endswith("-DIR")]
        for iid in rng.sample(rotating, k=len(rotating) // 10):
            effective = jan + timedelta(days=rng.randint(150, 250))
            at(effective - timedelta(days=10), lambda ts, i=iid, e=effective: self.rotate(i, e, ts))

        actions.sort(key=lambda a: (a[0], a[1]))
        for ts, _, fn in actions:
            fn(ts)
            self.stats.last = ts

    # ------------------------------------------------------------------ events

    def open_cycle(self, cycle_id: str, year: int, ts: datetime) -> None:
        cycle = create(
            EvaluationCycle,
            EvaluationCycle.Opened,
            self.stamp("appraiser-1"),
            cycle_uuid(cycle_id),
            cycle_id=cycle_id,
            year=year,
            title=f"{year}年度党风廉政建设责任制考核",
            period_from=f"{year}-01-01",
            period_to=f"{year}-12-31",
            unit_ids=[organ_id(o) for o in range(1, ORGANS + 1)],
            criteria=[
                {"code": "EDU", "title": "宣传教育", "max_points": 30.0},
                {"code": "SUP", "title": "监督检查", "max_points": 40.0},
                {"code": "MGT", "title": "日常管理", "max_points": 30.0},
            ],
            passive_case_deduction=2.0,
            veto_roles=list(DEFAULT_VETO_ROLES),
            grade_bands=dict(DEFAULT_GRADE_BANDS),
            veto_forms=list(DEFAULT_VETO_FORMS),
            timestamp=ts,
        )
        self.cycle = cycle
        self.stats.cycles += 1
        self.touched(cycle)

    def score(self, cycle_id: str, o: int, code: str, ts: datetime) -> None:
        top = {"EDU": 30.0, "SUP": 40.0, "MGT": 30.0}[code]
        points = round(top * self.rng.uniform(0.7, 1.0), 1)
        self.cycle.trigger_event(
            EvaluationCycle.ScoreRecorded,
            **self.stamp("appraiser-1").fields(),
            unit_id=organ_id(o),
            criterion=code,
            points=points,
            timestamp=ts,
        )
        self.touched(self.cycle)

    def finalize(self, cycle_id: str, ts: datetime) -> None:
        self.cycle.trigger_event(
            EvaluationCycle.Finalized, **self.stamp("appraiser-1").fields(), timestamp=ts
        )
        self.touched(self.cycle)

    def issue(self, letter_id: str, o: int, sub: str, issued: date, ts: datetime) -> None:
        tasks = [
            {
                "task_id": f"T{k + 1}",
                "title": TASKS[k][1],
                "area": TASKS[k][0],
                "deadline": date(issued.year, 11, 30 + k // 5).isoformat(),
            }
            for k in range(TASKS_PER_LETTER)
        ]
        letter = create(
            TaskLetter,
            TaskLetter.Issued,
            self.stamp("recorder-1"),
            letter_uuid(letter_id),
            letter_id=letter_id,
            number=f"{organ_id(o)}〔{issued.year}〕{sub[-2:]}号",
            title=f"{issued.year}年党风廉政建设主要工作任务函告书",
            issuer_id=organ_id(o),
            recipient_id=sub,
            issued_on=issued.isoformat(),
            tasks=tasks,
            timestamp=ts,
        )
        self.letters_open = getattr(self, "letters_open", {})
        self.letters_open[letter_id] = letter
        self.stats.letters += 1
        self.touched(letter)

    def acknowledge(self, letter_id: str, sub: str, on: date, ts: datetime) -> None:
        letter = self.letters_open[letter_id]
        letter.trigger_event(
            TaskLetter.Acknowledged,
            **self.stamp("branch-1").fields(),
            person_id=self.heads[sub],
            on=on.isoformat(),
            timestamp=ts,
        )
        self.touched(letter)

    def report(self, letter_id: str, task: str, percent: int, on: date, ts: datetime) -> None:
        letter = self.letters_open[letter_id]
        current = letter.tasks[task]
        if current["completed_on"] or percent < current["percent"]:
            return
        letter.trigger_event(
            TaskLetter.ProgressReported,
            **self.stamp("branch-1").fields(),
            task_id=task,
            percent=percent,
            note="按计划推进",
            on=on.isoformat(),
            timestamp=ts,
        )
        self.touched(letter)

    def complete(self, letter_id: str, task: str, on: date, ts: datetime) -> None:
        letter = self.letters_open[letter_id]
        letter.trigger_event(
            TaskLetter.TaskCompleted,
            **self.stamp("branch-1").fields(),
            task_id=task,
            on=on.isoformat(),
            evidence="会议纪要及台账",
            timestamp=ts,
        )
        self.touched(letter)

    def register_case(
        self, case_id: str, unit: str, facts: date, registered: date, ts: datetime
    ) -> None:
        subject = self.rng.choice(
            self.staff.get(unit) or [self.heads.get(unit) or next(iter(self.persons))]
        )
        category = self.rng.choices([c for c, _ in CATEGORIES], [w for _, w in CATEGORIES])[0]
        case = create(
            Case,
            Case.Registered,
            self.stamp("recorder-2"),
            case_uuid(case_id),
            case_id=case_id,
            unit_id=unit,
            subject_id=subject,
            category=category,
            discovery="PASSIVE" if self.rng.random() < 0.6 else "SELF_DISCOVERED",
            facts_on=facts.isoformat(),
            facts_until=None,
            registered_on=registered.isoformat(),
            summary="违规收受礼品礼金" if category == "EIGHT_PROVISIONS" else "违反工作纪律",
            source=None,
            subject_rank=None,
            submitted_for_approval=False,
            subject_post_recorded=True,
            timestamp=ts,
        )
        self.cases_open = getattr(self, "cases_open", {})
        self.cases_open[case_id] = (case, unit)
        self.stats.cases += 1
        self.touched(case)

    def conclude(self, case_id: str, on: date, ts: datetime) -> None:
        case, _ = self.cases_open[case_id]
        case.trigger_event(
            Case.Concluded,
            **self.stamp("recorder-2").fields(),
            form=self.rng.choice(("FIRST", "SECOND", "SECOND", "THIRD")),
            decision="党内警告处分",
            on=on.isoformat(),
            timestamp=ts,
        )
        self.touched(case)

    def determine(self, case_id: str, on: date, ts: datetime) -> None:
        case, unit = self.cases_open.pop(case_id)
        head = self.heads.get(unit)
        if head is None:
            return
        measure = self.rng.choice(MEASURES)
        case.trigger_event(
            Case.AccountabilityDetermined,
            **self.stamp("recorder-2").fields(),
            person_id=head,
            unit_id=None,
            measure=measure,
            measures=[measure],
            degree=None,
            link=None,
            reason="履行直接责任不力",
            on=on.isoformat(),
            timestamp=ts,
        )
        self.touched(case)

    def rotate(self, item_id: str, effective: date, ts: datetime) -> None:
        item = self.items[item_id]
        current = item.periods[-1]
        organ = int(item_id.split("-")[2])
        pool = [p for p in self.team[organ] if p != current["holder_id"]] or [person_id(organ, 0)]
        if effective.isoformat() <= current["valid_from"]:
            return
        item.trigger_event(
            ResponsibilityItem.Transferred,
            **self.stamp("recorder-3").fields(),
            from_holder_id=current["holder_id"],
            to_holder_id=self.rng.choice(pool),
            effective=effective.isoformat(),
            timestamp=ts,
        )
        self.touched(item)


def build(ledger: Ledger, n: int, progress: Callable[[str], None] = lambda m: None) -> Stats:
    """Fill an empty ledger with a province of about n events, then project it (both timed)."""
    if ledger.app.head() != 0:
        raise RuntimeError("the province is generated into an empty store")
    province = Province(ledger, n)
    stats = province.build(progress)
    progress(f"generated {stats.events:,} events in {stats.generate_s:.0f} s; projecting")
    started = time.perf_counter()
    ledger.runner.catch_up(
        on_page=lambda p: p % 200_000 < ledger.runner.page_size and progress(f"projected {p:,}")
    )
    stats.catch_up_s = time.perf_counter() - started
    progress(f"projected in {stats.catch_up_s:.0f} s")
    return stats


def main(argv: list[str] | None = None) -> None:
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent))
    from _common import POSTGRES_URL, quiet_logging

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", default="1e5", help="about how many events (1e5 … 1e7)")
    parser.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument(
        "--keep",
        required=True,
        help="SQLite file path, or PostgreSQL schema name, to generate into (must be empty)",
    )
    parser.add_argument("--postgres-url", default=POSTGRES_URL)
    args = parser.parse_args(argv)
    quiet_logging()
    if args.store == "sqlite":
        url = f"sqlite:///{args.keep}"
    else:
        import psycopg

        with psycopg.connect(args.postgres_url, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{args.keep}"')
        url = f"{args.postgres_url}?schema={args.keep}"
    settings = Settings()
    settings.store = url
    settings.embedded_projector = False
    ledger = Ledger.open(settings)
    try:
        stats = build(ledger, int(float(args.events)), lambda m: print("…", m, file=sys.stderr))
    finally:
        ledger.close()
    print(
        f"{stats.events:,} events ({stats.progress_per_task_year:.1f} progress reports per task "
        f"and year), {stats.units:,} units, {stats.persons:,} people, {stats.letters:,} letters, "
        f"{stats.cases:,} cases, {stats.cycles} cycles; generated in {stats.generate_s:.0f} s "
        f"({stats.events / stats.generate_s:,.0f}/s), projected in {stats.catch_up_s:.0f} s "
        f"({stats.events / max(stats.catch_up_s, 1e-9):,.0f}/s); store {url}"
    )


if __name__ == "__main__":
    main()
