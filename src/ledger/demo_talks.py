"""The demo's talks, written inquiries (函询) and 六必谈: a year of the first form's work.

- The working committee's discipline secretary (P-0090, 纪工委) summons the organs' own
  discipline secretaries (约谈) in 2023 and again in 2024.
- 2023's yearly heart-to-heart talks (谈心谈话): every cadre of the three organs, by their
  organ's discipline secretary, so that the 六必谈 owed for posts taken up before 2023 are
  met (late, as the log shows).
- 2024: three new cadres (two talked with in time, one not), two changes of post (one met,
  one overdue), low ratings for 2023 (one met, one overdue), three triggers (a family
  change met in time, a work error met late, a setback still open at the year's end), an
  诫勉谈话 after the rotation case, four inquiries (replied and accepted; replied late and
  reminded, with a talk; unanswered and passed to verification; one still running).
"""

from __future__ import annotations

from collections.abc import Iterator

from ledger import commands as c

COMMITTEE_SECRETARY = "P-0090"
SECRETARIES = {"ZJ-FGW": "P-0002", "ZJ-CZT": "P-0091", "ZJ-JTT": "P-0092"}
PEOPLE = [
    ("P-0090", "严纪明", "ZJ-SZJG", "DISCIPLINE_SECRETARY", "2020-01-01"),
    ("P-0091", "方正廉", "ZJ-CZT", "DISCIPLINE_SECRETARY", "2021-01-01"),
    ("P-0092", "柯守约", "ZJ-JTT", "DISCIPLINE_SECRETARY", "2021-01-01"),
    # new cadres of 2024
    ("P-0201", "江新宇", "ZJ-FGW-XXZX", "STAFF", "2024-03-01"),
    ("P-0202", "钟晓雨", "ZJ-FGW-JJS", "STAFF", "2024-06-03"),
    ("P-0203", "白书言", "ZJ-FGW-NYJ", "STAFF", "2024-09-02"),
]


def organ_of(unit_id: str) -> str:
    return "-".join(unit_id.split("-")[:2])


def talk(
    talk_id: str,
    person: str,
    unit: str,
    on: str,
    topic: str,
    *,
    kind: str = "HEART_TO_HEART",
    talker: str | None = None,
    record: str = "了解思想、工作和生活情况，提醒严守纪律规矩，本人表示接受。",
    obligation: str | None = None,
    case: str | None = None,
    inquiry: str | None = None,
) -> tuple[str, c.Command]:
    return (
        f"talk:{talk_id}",
        c.RecordTalk(
            id=talk_id,
            kind=kind,
            talker_id=talker or SECRETARIES[organ_of(unit)],
            person_id=person,
            unit_id=unit,
            held_on=on,
            topic=topic,
            record=record,
            obligation_id=obligation,
            case_id=case,
            inquiry_id=inquiry,
        ),
    )


def earlier_posts() -> list[tuple[str, str, str, str]]:
    """(person, unit, role, from) of every post the demo records before its talks."""
    from ledger import demo

    posts = list(demo.POSTS)
    for case in demo.demo_cases() + demo.cases_2017():
        if case["subject_id"] != "P-0012":
            posts.append((case["subject_id"], case["unit_id"], "STAFF", case["staff_from"]))
    return posts


def talk_steps() -> Iterator[tuple[str, c.Command]]:
    posts = earlier_posts()
    for pid, name, unit, role, start in PEOPLE:
        yield f"person:{pid}", c.RegisterPerson(pid, name)
        yield f"post:{pid}:{unit}:{role}", c.AssumePost(pid, unit, role, start)

    # 约谈: the 纪工委 summons the organs' discipline secretaries about 监督责任.
    for year, on in ((2023, "2023-03-15"), (2024, "2024-03-20")):
        for organ, secretary in SECRETARIES.items():
            yield talk(
                f"TK-{year}-YT-{organ}",
                secretary,
                organ,
                on,
                f"{year}年度监督责任落实情况工作约谈",
                kind="SUMMONS",
                talker=COMMITTEE_SECRETARY,
                record="听取机关纪委履行监督责任情况汇报，指出问题并提出整改要求。",
            )

    # 2023's yearly talks with every cadre who held a post then (but the secretaries).
    for n, (pid, unit, _role, start) in enumerate(sorted(posts)):
        if start >= "2023-01-01" or pid in SECRETARIES.values() or pid == COMMITTEE_SECRETARY:
            continue
        day = 3 + n % 25
        yield talk(f"TK-2023-{pid}", pid, unit, f"2023-04-{day:02d}", "2023年度谈心谈话")

    # New cadres of 2024: two talked with in time, one not (overdue).
    yield talk(
        "TK-2024-001",
        "P-0201",
        "ZJ-FGW-XXZX",
        "2024-03-12",
        "新进干部廉政谈话",
        obligation="P-0201/NEW_CADRE/2024-03-01",
    )
    yield talk(
        "TK-2024-002",
        "P-0202",
        "ZJ-FGW-JJS",
        "2024-06-28",
        "新进干部廉政谈话",
        obligation="P-0202/NEW_CADRE/2024-06-03",
    )

    # Changes of post: one talked with, one overdue.
    yield (
        "leave:P-0016:NYJ-ZB",
        c.LeavePost("P-0016", "ZJ-FGW-NYJ-ZB", "BRANCH_SECRETARY", "2024-06-30"),
    )
    yield (
        "post:P-0016:BGS-ZB",
        c.AssumePost("P-0016", "ZJ-FGW-BGS-ZB", "BRANCH_SECRETARY", "2024-07-01"),
    )
    yield talk(
        "TK-2024-003",
        "P-0016",
        "ZJ-FGW-BGS-ZB",
        "2024-07-15",
        "岗位调整谈话",
        obligation="P-0016/POST_CHANGE/2024-07-01",
    )
    yield (
        "leave:P-0014:XXZX-ZB",
        c.LeavePost("P-0014", "ZJ-FGW-XXZX-ZB", "BRANCH_SECRETARY", "2024-08-31"),
    )
    yield (
        "post:P-0014:TZC-ZB",
        c.AssumePost("P-0014", "ZJ-FGW-TZC-ZB", "BRANCH_SECRETARY", "2024-09-01"),
    )

    # Yearly ratings for 2023: two below 称职 (one talked with, one not), the others 称职.
    ratings = [
        ("P-0009", "ZJ-FGW-TZC", "BASICALLY_COMPETENT"),
        ("P-0108", "ZJ-FGW-XXZX-ZB", "INCOMPETENT"),
        ("P-0007", "ZJ-FGW-BGS", "EXCELLENT"),
        ("P-0011", "ZJ-FGW-XXZX", "COMPETENT"),
        ("P-0013", "ZJ-FGW-NYJ", "COMPETENT"),
    ]
    for pid, unit, rating in ratings:
        yield (
            f"rating:{pid}:2023",
            c.RecordPersonalRating(pid, 2023, rating, unit, "2024-01-15"),
        )
    yield talk(
        "TK-2024-004",
        "P-0009",
        "ZJ-FGW-TZC",
        "2024-02-01",
        "年度考核基本称职谈话",
        kind="REMINDER",
        obligation="P-0009/LOW_RATING/2024-01-15",
    )

    # Triggers: a family change met in time, a work error met late, a setback still open.
    triggers = [
        ("P-0007", "FAMILY_CHANGE", "2024-04-10", "ZJ-FGW-BGS", "配偶重病住院"),
        ("P-0011", "WORK_ERROR", "2024-10-08", "ZJ-FGW-XXZX", "数据发布出现重大差错"),
        ("P-0109", "MAJOR_SETBACK", "2024-12-10", "ZJ-FGW-JJS", "竞争上岗未获通过"),
    ]
    for pid, kind, on, unit, note in triggers:
        yield f"trigger:{pid}:{kind}:{on}", c.RecordTalkTrigger(pid, kind, on, unit, note)
    yield talk(
        "TK-2024-005",
        "P-0007",
        "ZJ-FGW-BGS",
        "2024-04-20",
        "家庭变故关心谈话",
        obligation="P-0007/FAMILY_CHANGE/2024-04-10",
    )
    yield talk(
        "TK-2024-006",
        "P-0011",
        "ZJ-FGW-XXZX",
        "2024-11-20",
        "工作差错提醒谈话",
        kind="REMINDER",
        obligation="P-0011/WORK_ERROR/2024-10-08",
    )

    # After the rotation case: the 诫勉 decided for P-0004, held as a talk (counted with it).
    yield talk(
        "TK-2024-007",
        "P-0004",
        "ZJ-FGW",
        "2024-10-25",
        "诫勉谈话",
        kind="ADMONITION",
        talker="P-0001",
        case="CASE-2024-ROT",
        record="指出分管期间监督管理不力的问题，责令作出书面检查。",
    )

    # 函询 in 2024.
    inquiries = [
        ("WI-2024-01", "P-0105", "ZJ-FGW-XXZX", "2024-03-04", "反映其违规参加宴请"),
        ("WI-2024-02", "P-0111", "ZJ-FGW-JJS", "2024-05-06", "反映其在项目评审中打招呼"),
        ("WI-2024-03", "P-0115", "ZJ-FGW-NYJ", "2024-09-02", "反映其亲属经商与其职务相关"),
        ("WI-2024-04", "P-0124", "ZJ-FGW-TZC", "2024-12-02", "反映其违规收受购物卡"),
    ]
    for inquiry_id, pid, unit, on, about in inquiries:
        yield f"inquiry:{inquiry_id}", c.SendWrittenInquiry(inquiry_id, pid, unit, about, on)
    yield (
        "reply:WI-2024-01",
        c.RecordInquiryReply("WI-2024-01", "2024-03-15", "说明系亲属聚会，自行付费"),
    )
    yield (
        "conclude:WI-2024-01",
        c.ConcludeWrittenInquiry("WI-2024-01", "ACCEPTED", "2024-03-25", "采信说明，予以了结"),
    )
    yield "reply:WI-2024-02", c.RecordInquiryReply("WI-2024-02", "2024-06-05", "承认曾打听评审进展")
    yield (
        "conclude:WI-2024-02",
        c.ConcludeWrittenInquiry("WI-2024-02", "REMINDED", "2024-06-20", "予以谈话提醒"),
    )
    yield talk(
        "TK-2024-008",
        "P-0111",
        "ZJ-FGW-JJS",
        "2024-06-25",
        "函询后谈话提醒",
        kind="REMINDER",
        inquiry="WI-2024-02",
    )
    yield (
        "conclude:WI-2024-03",
        c.ConcludeWrittenInquiry(
            "WI-2024-03", "TO_VERIFICATION", "2024-10-30", "逾期未回复，转初核"
        ),
    )
