"""The demo organisation: a working committee (省直机关工委) over three provincial organs.

The organ ZJ-FGW is the one to explore: departments, affiliated units (one with its own
party secretary and discipline secretary), branches, leaders' responsibility lists with a
mid-2024 change of who oversees what, 25 cases in 2023-2024, task letters and the 2024
evaluation; and the oversight instruments of part 三(二): findings with rectification orders
(some overdue, one reopened), risk posts with holders past their rotation limit, the
principal directly overseeing the office's finance, 三重一大 decisions (one where the principal
spoke first), 述责述廉 reports for 2024 with two leaders still owing one. The two other organs carry the source text's 2017 statistic with ZJ-FGW: 25
报批 cases against 处级 cadres across the provincial organs, 20 of them (80%) in affiliated
units, 14 (56%) under the eight provisions.

A year of the first form's work comes with it (`ledger.demo_talks`): talks (one 约谈 of the
organ's 纪委书记 by the 纪工委), 六必谈 owed for new cadres, changes of post, low ratings and
triggers (some met, some overdue, one open at the end of 2024), and four 函询.

Every command carries an idempotency key derived from its step, so loading the demo twice
appends nothing the second time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from ledger import commands as c
from ledger.demo_talks import talk_steps
from ledger.domain.base import Stamp

if TYPE_CHECKING:
    from ledger.service import Ledger

ACTOR = "demo-loader"
COMMITTEE = "ZJ-SZJG"
ORGAN = "ZJ-FGW"
BRANCH_UNIT = "ZJ-FGW-XXZX"  # the demo BRANCH token acts for this affiliated unit

UNITS = [
    # (id, name, kind, parent)
    (COMMITTEE, "中共浙江省直属机关工作委员会", "WORKING_COMMITTEE", None),
    (ORGAN, "浙江省发展和改革委员会", "ORGAN", COMMITTEE),
    ("ZJ-FGW-BGS", "办公室", "DEPARTMENT", ORGAN),
    ("ZJ-FGW-GHC", "发展规划处", "DEPARTMENT", ORGAN),
    ("ZJ-FGW-TZC", "投资处", "DEPARTMENT", ORGAN),
    ("ZJ-FGW-RSC", "人事处", "DEPARTMENT", ORGAN),
    ("ZJ-FGW-XXZX", "省经济信息中心", "AFFILIATED_UNIT", ORGAN),
    ("ZJ-FGW-JJS", "省发展规划研究院", "AFFILIATED_UNIT", ORGAN),
    ("ZJ-FGW-NYJ", "省能源局", "AFFILIATED_UNIT", ORGAN),
    ("ZJ-FGW-JGDW", "机关党委", "ORGAN_PARTY_COMMITTEE", ORGAN),
    ("ZJ-FGW-BGS-ZB", "办公室党支部", "PARTY_BRANCH", "ZJ-FGW-BGS"),
    ("ZJ-FGW-TZC-ZB", "投资处党支部", "PARTY_BRANCH", "ZJ-FGW-TZC"),
    ("ZJ-FGW-XXZX-ZB", "信息中心党支部", "PARTY_BRANCH", "ZJ-FGW-XXZX"),
    ("ZJ-FGW-JJS-ZB", "规划研究院党支部", "PARTY_BRANCH", "ZJ-FGW-JJS"),
    ("ZJ-FGW-NYJ-ZB", "能源局机关党支部", "PARTY_BRANCH", "ZJ-FGW-NYJ"),
]

PEOPLE = [
    ("P-0001", "王建国"),
    ("P-0002", "李纪清"),
    ("P-0003", "张明远"),
    ("P-0004", "陈思齐"),
    ("P-0005", "刘海峰"),
    ("P-0006", "赵文静"),
    ("P-0007", "孙立新"),
    ("P-0008", "周晓红"),
    ("P-0009", "吴志强"),
    ("P-0010", "郑丽华"),
    ("P-0011", "冯国栋"),
    ("P-0012", "何雨桐"),
    ("P-0013", "许光明"),
    ("P-0014", "高晓峰"),
    ("P-0015", "马春燕"),
    ("P-0016", "林志远"),
    ("P-0017", "黄建业"),
    ("P-0018", "蒋晓洁"),
]

POSTS = [
    # (person, unit, role, from)
    ("P-0001", ORGAN, "PRINCIPAL", "2021-03-01"),
    ("P-0002", ORGAN, "DISCIPLINE_SECRETARY", "2022-01-01"),
    ("P-0003", ORGAN, "TEAM_MEMBER", "2020-06-01"),
    ("P-0004", ORGAN, "TEAM_MEMBER", "2021-09-01"),
    ("P-0005", ORGAN, "TEAM_MEMBER", "2019-12-01"),
    ("P-0006", ORGAN, "TEAM_MEMBER", "2022-04-01"),
    ("P-0007", "ZJ-FGW-BGS", "UNIT_HEAD", "2020-01-01"),
    ("P-0008", "ZJ-FGW-GHC", "UNIT_HEAD", "2021-01-01"),
    ("P-0009", "ZJ-FGW-TZC", "UNIT_HEAD", "2019-05-01"),
    ("P-0010", "ZJ-FGW-RSC", "UNIT_HEAD", "2022-03-01"),
    ("P-0011", "ZJ-FGW-XXZX", "UNIT_HEAD", "2020-08-01"),
    ("P-0012", "ZJ-FGW-JJS", "UNIT_HEAD", "2021-05-01"),
    ("P-0013", "ZJ-FGW-NYJ", "UNIT_HEAD", "2018-10-01"),
    ("P-0014", "ZJ-FGW-XXZX-ZB", "BRANCH_SECRETARY", "2021-01-01"),
    ("P-0015", "ZJ-FGW-JJS-ZB", "BRANCH_SECRETARY", "2022-01-01"),
    ("P-0016", "ZJ-FGW-NYJ-ZB", "BRANCH_SECRETARY", "2020-01-01"),
    # the information centre has its own party committee: its secretary and discipline secretary
    ("P-0017", "ZJ-FGW-XXZX", "PRINCIPAL", "2019-06-01"),
    ("P-0018", "ZJ-FGW-XXZX", "DISCIPLINE_SECRETARY", "2021-03-01"),
]

ITEMS = [
    # (id, holder, kind, area, title, scope, from)
    (
        "R-PRINCIPAL",
        "P-0001",
        "PRINCIPAL",
        "MANAGEMENT",
        "履行党风廉政建设主体责任第一责任人职责",
        [ORGAN],
        "2021-03-01",
    ),
    (
        "R-SUPERVISORY",
        "P-0002",
        "SUPERVISORY",
        "SUPERVISION",
        "履行监督责任，开展专项检查和巡察",
        [ORGAN],
        "2022-01-01",
    ),
    (
        "R-IC-BGS-RSC",
        "P-0003",
        "IN_CHARGE",
        "MANAGEMENT",
        "分管办公室、人事处党风廉政建设",
        ["ZJ-FGW-BGS", "ZJ-FGW-RSC"],
        "2020-06-01",
    ),
    (
        "R-IC-XXZX",
        "P-0004",
        "IN_CHARGE",
        "SUPERVISION",
        "分管省经济信息中心党风廉政建设",
        ["ZJ-FGW-XXZX"],
        "2021-09-01",
    ),
    (
        "R-IC-TZC-NYJ",
        "P-0005",
        "IN_CHARGE",
        "MANAGEMENT",
        "分管投资处、省能源局党风廉政建设",
        ["ZJ-FGW-TZC", "ZJ-FGW-NYJ"],
        "2019-12-01",
    ),
    (
        "R-IC-GHC-JJS",
        "P-0006",
        "IN_CHARGE",
        "EDUCATION",
        "分管发展规划处、省发展规划研究院廉政教育",
        ["ZJ-FGW-GHC", "ZJ-FGW-JJS"],
        "2022-04-01",
    ),
    (
        "R-DIRECT-XXZX",
        "P-0011",
        "DIRECT",
        "MANAGEMENT",
        "信息中心党风廉政建设直接责任",
        ["ZJ-FGW-XXZX"],
        "2020-08-01",
    ),
]

# 轮岗 in mid-2024: the affiliated units change hands between two team members.
ROTATION = [("R-IC-XXZX", "P-0006", "2024-07-01"), ("R-IC-GHC-JJS", "P-0004", "2024-07-01")]


# 25 cases against 处级 cadres over 2023-2024, as in the source text: 20 (80%) in affiliated
# units or their branches, 14 (56%) under the eight provisions.
CADRES = [
    (f"P-01{n:02d}", name)
    for n, name in enumerate(
        [
            "钱志刚",
            "孙雅琴",
            "李国平",
            "周建华",
            "吴晓东",
            "郑海涛",
            "王丽娟",
            "冯建军",
            "陈立群",
            "褚红梅",
            "卫东升",
            "蒋文斌",
            "沈玉兰",
            "韩志明",
            "杨秀英",
            "朱振华",
            "秦晓光",
            "尤丽萍",
            "许建平",
            "何东海",
            "吕晓燕",
            "施国强",
            "张海燕",
            "孔祥瑞",
            "曹文华",
        ],
        start=1,
    )
]
CASE_UNITS = (
    ["ZJ-FGW-XXZX"] * 6
    + ["ZJ-FGW-XXZX-ZB"] * 2
    + ["ZJ-FGW-JJS"] * 5
    + ["ZJ-FGW-JJS-ZB"]
    + ["ZJ-FGW-NYJ"] * 5
    + ["ZJ-FGW-NYJ-ZB"]
    + ["ZJ-FGW-BGS"] * 2
    + ["ZJ-FGW-GHC"]
    + ["ZJ-FGW-TZC"] * 2
)
CASE_CATEGORIES = (
    ["EIGHT_PROVISIONS"] * 14
    + ["INTEGRITY"] * 4
    + ["WORK_DISCIPLINE"] * 3
    + ["ORGANISATION_DISCIPLINE", "LIFE_DISCIPLINE", "DUTY_CRIME", "MASS_DISCIPLINE"]
)
CASE_SUMMARIES = {
    "EIGHT_PROVISIONS": "违规收受礼品礼金、违规公款吃喝",
    "INTEGRITY": "利用职务便利为他人谋取利益",
    "WORK_DISCIPLINE": "履职不力、工作失职",
    "ORGANISATION_DISCIPLINE": "违规干预干部选拔任用",
    "LIFE_DISCIPLINE": "生活作风问题",
    "DUTY_CRIME": "涉嫌职务违法",
    "MASS_DISCIPLINE": "侵害群众利益",
}
FORMS = ("FIRST", "SECOND", "THIRD", "FOURTH")


def demo_cases() -> list[dict]:
    """The demo's cases: deterministic, spread over 2023-2024."""
    cases = []
    for n, (unit, category) in enumerate(zip(CASE_UNITS, CASE_CATEGORIES, strict=True)):
        year = 2023 if n % 2 == 0 else 2024
        month = 1 + (n * 5) % 11
        cases.append(
            {
                "id": f"CASE-{year}-{n + 1:03d}",
                "unit_id": unit,
                "subject_id": CADRES[n][0],
                "category": category,
                "discovery": "PASSIVE" if n % 5 in (0, 1, 3) else "SELF_DISCOVERED",
                "facts_on": f"{year}-{month:02d}-05",
                "facts_until": None,
                "registered_on": f"{year}-{month + 1:02d}-20",
                "summary": CASE_SUMMARIES[category],
                "form": FORMS[n % 4] if n % 3 else None,
            }
        )
    # Facts before the mid-2024 rotation, registered after it: the chain names the holder then.
    cases[2].update(
        id="CASE-2024-ROT",
        registered_on="2024-09-15",
        facts_on="2024-05-10",
        summary="2024年5月违规收受管理服务对象礼金，9月立案",
    )
    # The head of the planning institute: a leadership case, concluded with a 处分 in 2024
    # (the violation is established: it vetoes the institute's 2024 evaluation).
    cases[9].update(
        subject_id="P-0012",
        unit_id="ZJ-FGW-JJS",
        facts_on="2024-03-12",
        registered_on="2024-04-25",
        category="EIGHT_PROVISIONS",
        summary="单位主要负责人违规公款吃喝",
        form="SECOND",
    )
    for case in cases:
        case.update(subject_rank="DIVISION", submitted_for_approval=False, staff_from="2019-01-01")
    return cases


# 2017 across the committee's three organs: 25 报批 cases against 处级 cadres, 20 in
# affiliated units (or their branches), 14 under the eight provisions (the source text).
OTHER_ORGANS = [
    (
        "ZJ-CZT",
        "浙江省财政厅",
        [
            ("ZJ-CZT-YSC", "预算处", "DEPARTMENT"),
            ("ZJ-CZT-PJZX", "省财政票据管理中心", "AFFILIATED_UNIT"),
            ("ZJ-CZT-KYS", "省财政科学研究所", "AFFILIATED_UNIT"),
        ],
    ),
    (
        "ZJ-JTT",
        "浙江省交通运输厅",
        [
            ("ZJ-JTT-GHC", "综合规划处", "DEPARTMENT"),
            ("ZJ-JTT-GLJ", "省公路与运输管理中心", "AFFILIATED_UNIT"),
            ("ZJ-JTT-GKJ", "省港航管理中心", "AFFILIATED_UNIT"),
        ],
    ),
]
UNITS_2017 = (
    ["ZJ-FGW-XXZX", "ZJ-FGW-JJS", "ZJ-FGW-NYJ", "ZJ-FGW-XXZX-ZB"] * 2  # 8 affiliated
    + ["ZJ-CZT-PJZX", "ZJ-CZT-KYS"] * 3  # 6 affiliated
    + ["ZJ-JTT-GLJ", "ZJ-JTT-GKJ"] * 3  # 6 affiliated
    + ["ZJ-FGW-TZC", "ZJ-FGW-BGS", "ZJ-CZT-YSC", "ZJ-CZT-YSC", "ZJ-JTT-GHC"]  # 5 departments
)
CATEGORIES_2017 = ["EIGHT_PROVISIONS"] * 14 + ["INTEGRITY"] * 6 + ["WORK_DISCIPLINE"] * 5
SOURCES_2017 = ("PETITION", "INSPECTION_TOUR", "HIGHER_ASSIGNMENT", "AUDIT", "STATIONED_GROUP")
SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔"


def cases_2017() -> list[dict]:
    cases = []
    for n, (unit, category) in enumerate(zip(UNITS_2017, CATEGORIES_2017, strict=True)):
        month = 1 + n % 11
        cases.append(
            {
                "id": f"CASE-2017-{n + 1:03d}",
                "subject_id": f"P-17{n + 1:02d}",
                "subject_name": f"{SURNAMES[n]}某{'甲乙丙丁戊'[n % 5]}",
                "unit_id": unit,
                "category": category,
                "discovery": "PASSIVE",
                "facts_on": f"2016-{month:02d}-10",
                "facts_until": None,
                "registered_on": f"2017-{month:02d}-20",
                "summary": CASE_SUMMARIES[category],
                "form": FORMS[1 + n % 3],
                "source": SOURCES_2017[n % len(SOURCES_2017)],
                "subject_rank": "DIVISION",
                "submitted_for_approval": True,
                "staff_from": "2015-01-01",
            }
        )
    return cases


BRANCHES = [
    "ZJ-FGW-JGDW",
    "ZJ-FGW-BGS-ZB",
    "ZJ-FGW-TZC-ZB",
    "ZJ-FGW-XXZX-ZB",
    "ZJ-FGW-JJS-ZB",
    "ZJ-FGW-NYJ-ZB",
]
AFFILIATED = ["ZJ-FGW-XXZX", "ZJ-FGW-JJS", "ZJ-FGW-NYJ"]
HEADS = {
    "ZJ-FGW-XXZX": "P-0011",
    "ZJ-FGW-JJS": "P-0012",
    "ZJ-FGW-NYJ": "P-0013",
    "ZJ-FGW-XXZX-ZB": "P-0014",
    "ZJ-FGW-JJS-ZB": "P-0015",
    "ZJ-FGW-NYJ-ZB": "P-0016",
}
LETTER_TASKS = [
    ("EDU", "开展警示教育和廉政党课", "EDUCATION", "2024-06-30"),
    ("SUP", "开展廉政风险点排查和专项检查", "SUPERVISION", "2024-09-30"),
    ("MGT", "落实“三重一大”集体决策制度", "MANAGEMENT", "2024-12-31"),
]
# The 2024 cycle: the planning institute scores 95 and is vetoed by its head's case.
CYCLE_SCORES = {"ZJ-FGW-XXZX": (27, 35, 26), "ZJ-FGW-JJS": (29, 38, 28), "ZJ-FGW-NYJ": (28, 36, 27)}


def demo_letters() -> list[dict]:
    """2024 letters to every affiliated unit and branch: signing and completion thin out lower
    down the tree (上热下冷), and some tasks run past their deadlines."""
    letters = []
    for n, unit in enumerate(AFFILIATED + BRANCHES, 1):
        is_branch = unit in BRANCHES
        done = ["EDU"] if is_branch and n % 2 else ([] if is_branch else ["EDU", "SUP"])
        letters.append(
            {
                "id": f"LTR-2024-{n:02d}",
                "number": f"浙发改党函〔2024〕{n}号",
                "recipient": unit,
                "head": HEADS.get(unit),
                "acknowledge": unit in HEADS and (not is_branch or n % 2 == 0),
                "done": done,
                "progress": {} if done else {"SUP": 40},
            }
        )
    return letters


def steps() -> Iterator[tuple[str, c.Command]]:
    """Each step is (idempotency key, command); keys make a second load a no-op."""
    for uid, name, kind, parent in UNITS:
        yield f"unit:{uid}", c.RegisterUnit(uid, name, kind, parent)
    for organ, name, units in OTHER_ORGANS:
        yield f"unit:{organ}", c.RegisterUnit(organ, name, "ORGAN", COMMITTEE)
        for uid, uname, kind in units:
            yield f"unit:{uid}", c.RegisterUnit(uid, uname, kind, organ)
    for pid, name in PEOPLE:
        yield f"person:{pid}", c.RegisterPerson(pid, name)
    for pid, uid, role, start in POSTS:
        yield f"post:{pid}:{uid}:{role}", c.AssumePost(pid, uid, role, start)
    for iid, holder, kind, area, title, scope, start in ITEMS:
        yield (
            f"item:{iid}",
            c.AssignResponsibility(iid, holder, kind, area, title, tuple(scope), start),
        )
    for iid, to, effective in ROTATION:
        yield f"rotate:{iid}:{effective}", c.TransferResponsibility(iid, to, effective)
    for pid, name in CADRES:
        yield f"person:{pid}", c.RegisterPerson(pid, name)
    yield from case_steps()
    yield from letter_steps()
    yield from evaluation_steps()
    yield from talk_steps()
    yield from oversight_steps()


def case_steps() -> Iterator[tuple[str, c.Command]]:
    for case in cases_2017():
        yield (
            f"person:{case['subject_id']}",
            c.RegisterPerson(case["subject_id"], case["subject_name"]),
        )
    for case in demo_cases() + cases_2017():
        if case["subject_id"] != "P-0012":
            yield (
                f"post:{case['subject_id']}",
                c.AssumePost(case["subject_id"], case["unit_id"], "STAFF", case["staff_from"]),
            )
        yield (
            f"case:{case['id']}",
            c.RegisterCase(
                id=case["id"],
                unit_id=case["unit_id"],
                subject_id=case["subject_id"],
                category=case["category"],
                discovery=case["discovery"],
                facts_on=case["facts_on"],
                facts_until=case["facts_until"],
                registered_on=case["registered_on"],
                summary=case["summary"],
                source=case.get("source"),
                subject_rank=case["subject_rank"],
                submitted_for_approval=case["submitted_for_approval"],
            ),
        )
        if case["form"]:
            yield (
                f"conclude:{case['id']}",
                c.ConcludeCase(case["id"], case["form"], "依规依纪作出处理", case["registered_on"]),
            )
    yield (
        "measure:CASE-2024-ROT:P-0004",
        c.DetermineAccountability(
            "CASE-2024-ROT",
            "P-0004",
            "ADMONISHMENT",
            "分管期间对信息中心监督管理不力（一案双查）",
            "2024-10-20",
            measures=("CIRCULATED_CRITICISM",),
            degree="IMPORTANT_LEADERSHIP",
        ),
    )
    yield (
        "measure:CASE-2024-ROT:ZJ-FGW-XXZX",
        c.DetermineOrganisationAccountability(
            "CASE-2024-ROT",
            "ZJ-FGW-XXZX",
            "CIRCULATED_CRITICISM",
            "信息中心党委落实主体责任不力",
            "2024-10-20",
        ),
    )


def letter_steps() -> Iterator[tuple[str, c.Command]]:
    tasks = tuple(c.TaskSpec(*task) for task in LETTER_TASKS)
    for letter in demo_letters():
        key = f"letter:{letter['id']}"
        yield (
            key,
            c.IssueTaskLetter(
                id=letter["id"],
                number=letter["number"],
                title="2024年党风廉政建设主要工作任务函告书",
                issuer_id=ORGAN,
                recipient_id=letter["recipient"],
                issued_on="2024-02-20",
                tasks=tasks,
            ),
        )
        if letter["acknowledge"]:
            yield f"{key}:ack", c.AcknowledgeTaskLetter(letter["id"], letter["head"], "2024-02-28")
        for task, percent in letter["progress"].items():
            yield (
                f"{key}:progress:{task}",
                c.ReportTaskProgress(letter["id"], task, percent, "已制定方案并部署", "2024-05-15"),
            )
        for task in letter["done"]:
            on = "2024-06-20" if task == "EDU" else "2024-09-20"
            yield f"{key}:done:{task}", c.CompleteTask(letter["id"], task, on, "会议纪要及台账")


def evaluation_steps() -> Iterator[tuple[str, c.Command]]:
    yield (
        "cycle:EV-2024",
        c.OpenEvaluationCycle(
            id="EV-2024",
            year=2024,
            title="2024年度直属单位党风廉政建设责任制考核",
            period_from="2024-01-01",
            period_to="2024-12-31",
            unit_ids=tuple(AFFILIATED),
            criteria=(
                c.Criterion("EDU", "宣传教育", 30),
                c.Criterion("SUP", "监督检查", 40),
                c.Criterion("MGT", "日常管理", 30),
            ),
        ),
    )
    for unit, points in CYCLE_SCORES.items():
        for code, value in zip(("EDU", "SUP", "MGT"), points, strict=True):
            yield f"score:EV-2024:{unit}:{code}", c.RecordScore("EV-2024", unit, code, value)


# ---------------------------------------------------------------------- oversight (part 三(二))
# A 巡察 of the information centre and a 专项检查 of the energy bureau found problems; some
# orders ran late (one reopened after review); the cycle deducts a point per order still
# overdue at the year's end. Risk posts with holders past their limit; the office carries
# finance, and the principal oversees it directly from 2023 (a finding of 五个不直接分管);
# 三重一大 decisions, one where the principal spoke first, one with too few attending, one
# where a member who withdrew still spoke; 述责述廉 for 2024, two leaders not yet reported.

FINDINGS = [
    # (id, unit, source, found on, description)
    (
        "F-2024-01",
        "ZJ-FGW-XXZX",
        "INSPECTION_TOUR",
        "2024-04-15",
        "巡察发现：“三重一大”事项决策程序不规范，廉政风险防控台账不全",
    ),
    ("F-2024-02", "ZJ-FGW-NYJ", "SPECIAL_CHECK", "2024-05-20", "专项检查发现：公务用车管理不规范"),
    ("F-2024-03", "ZJ-FGW-JJS", "AUDIT", "2024-07-08", "审计发现：科研经费报销审核不严"),
]
RECTIFICATIONS = [
    # (id, finding, owner, requirement, ordered on, due on)
    (
        "RECT-2024-01",
        "F-2024-01",
        "P-0011",
        "完善“三重一大”集体决策制度",
        "2024-04-20",
        "2024-06-30",
    ),
    ("RECT-2024-02", "F-2024-01", "P-0011", "补齐廉政风险防控台账", "2024-04-20", "2024-08-31"),
    ("RECT-2024-03", "F-2024-02", "P-0013", "建立公务用车使用登记制度", "2024-05-25", "2024-09-30"),
    ("RECT-2024-04", "F-2024-03", "P-0012", "修订科研经费报销审核办法", "2024-07-15", "2024-10-31"),
]
RISK_POSTS = [
    # (id, unit, level, max years, risks, role, named position)
    ("RP-FGW-RSC", "ZJ-FGW-RSC", "HIGH", 5, "干部选拔任用、人事档案管理", "UNIT_HEAD", None),
    ("RP-FGW-TZC", "ZJ-FGW-TZC", "HIGH", 5, "投资项目审核、资金安排", "UNIT_HEAD", None),
    ("RP-FGW-NYJ", "ZJ-FGW-NYJ", "HIGH", 5, "能源项目核准、专项资金分配", "UNIT_HEAD", None),
    ("RP-XXZX-CASH", "ZJ-FGW-XXZX", "HIGH", 3, "现金收付、票据管理", None, "出纳"),
    ("RP-FGW-BGS", "ZJ-FGW-BGS", "MEDIUM", 8, "公务接待、办公用品采购", "UNIT_HEAD", None),
]
UNIT_FUNCTIONS = [
    ("ZJ-FGW-RSC", ("PERSONNEL",)),
    ("ZJ-FGW-BGS", ("FINANCE", "PROCUREMENT")),
    ("ZJ-FGW-TZC", ("PROJECTS", "APPROVALS")),
]
TEAM = ["P-0001", "P-0002", "P-0003", "P-0004", "P-0005", "P-0006"]
DECISIONS = [
    # (id, matter, title, decided on, attendees, speaking order, recusals)
    (
        "MD-2024-01",
        "LARGE_FUND",
        "省能源局专项资金安排",
        "2024-03-15",
        TEAM,
        ["P-0003", "P-0004", "P-0005", "P-0006", "P-0002", "P-0001"],
        (),
    ),
    (
        "MD-2024-02",
        "MAJOR_PROJECT",
        "数字化改革项目立项",
        "2024-06-12",
        ["P-0001", "P-0003", "P-0004", "P-0005"],
        ["P-0001", "P-0003", "P-0004", "P-0005"],  # the principal spoke first
        (),
    ),
    (
        "MD-2024-03",
        "CADRE_APPOINTMENT",
        "处级干部任免",
        "2024-09-05",
        ["P-0001", "P-0002"],  # two of six attended
        ["P-0002", "P-0001"],
        (),
    ),
    (
        "MD-2024-04",
        "MAJOR_DECISION",
        "信息中心机房改造项目承接单位确定",
        "2024-11-08",
        TEAM,
        ["P-0003", "P-0005", "P-0004", "P-0006", "P-0002", "P-0001"],
        (("P-0005", "承接单位负责人系其近亲属"),),  # withdrew, yet spoke
    ),
]
DIGEST_2024_JGDW = "3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855d"


def oversight_steps() -> Iterator[tuple[str, c.Command]]:
    for fid, unit, source, on, description in FINDINGS:
        yield f"finding:{fid}", c.RecordFinding(fid, unit, source, on, description)
    for rid, fid, owner, requirement, on, due in RECTIFICATIONS:
        yield f"rect:{rid}", c.OrderRectification(rid, fid, owner, requirement, on, due)
    yield (
        "rect:RECT-2024-01:done",
        c.CompleteRectification("RECT-2024-01", "2024-06-25", "党委会议纪要、制度文本"),
    )
    yield (
        "rect:RECT-2024-01:ok",
        c.ReviewRectification("RECT-2024-01", "ACCEPT", "2024-07-05", "整改到位"),
    )
    yield (
        "rect:RECT-2024-02:50",
        c.ReportRectificationProgress("RECT-2024-02", 50, "已梳理风险点", "2024-07-10"),
    )
    yield (
        "rect:RECT-2024-03:done",
        c.CompleteRectification("RECT-2024-03", "2024-10-20", "登记制度文本"),
    )
    yield (
        "rect:RECT-2024-03:reopen",
        c.ReviewRectification(
            "RECT-2024-03", "REOPEN", "2024-10-28", "登记制度未落实到车辆调度", "2024-12-15"
        ),
    )
    yield (
        "rect:RECT-2024-04:done",
        c.CompleteRectification("RECT-2024-04", "2024-10-10", "修订后的审核办法"),
    )
    yield (
        "rect:RECT-2024-04:ok",
        c.ReviewRectification("RECT-2024-04", "ACCEPT", "2024-10-18", "整改到位"),
    )
    yield "rule:EV-2024:overdue", c.ChooseOverdueRectificationRule("EV-2024", 1.0)

    for rpid, unit, level, years, risks, role, position in RISK_POSTS:
        yield (
            f"risk:{rpid}",
            c.RegisterRiskPost(rpid, unit, level, years, risks, "2023-01-01", role, position),
        )
    yield (
        "risk:RP-XXZX-CASH:holders",
        c.RecordRiskPostHolders(
            "RP-XXZX-CASH", (c.HolderPeriod("P-0102", "2020-01-01"),), "岗位人员台账"
        ),
    )

    for unit, functions in UNIT_FUNCTIONS:
        yield f"functions:{unit}", c.DeclareUnitFunctions(unit, functions, "2019-01-01", "三定方案")
    yield (
        "item:R-IC-P1-BGS",
        c.AssignResponsibility(
            "R-IC-P1-BGS",
            "P-0001",
            "IN_CHARGE",
            "MANAGEMENT",
            "分管办公室（财务、采购）",
            ("ZJ-FGW-BGS",),
            "2023-01-01",
        ),
    )
    for did, matter, title, on, attendees, speakers, recusals in DECISIONS:
        yield (
            f"decision:{did}",
            c.RecordMajorDecision(
                did,
                ORGAN,
                matter,
                title,
                on,
                tuple(attendees),
                tuple(speakers),
                tuple(c.Recusal(p, why) for p, why in recusals),
            ),
        )

    for person in ("P-0001", "P-0002", "P-0003", "P-0004"):
        yield (
            f"report:2024:{person}",
            c.FileDutyReport(
                f"DR-2024-{person}",
                "LEADER",
                2024,
                ORGAN,
                "2025-01-20",
                person_id=person,
                summary="2024年度履行党风廉政建设责任和廉洁自律情况",
            ),
        )
    yield (
        "report:2024:ZJ-FGW-JGDW",
        c.FileDutyReport(
            "DR-2024-JGDW",
            "DISCIPLINE_COMMITTEE",
            2024,
            "ZJ-FGW-JGDW",
            "2025-01-25",
            summary="2024年度机关纪委履行监督责任情况",
            document_hash=DIGEST_2024_JGDW,
        ),
    )


def load(ledger: Ledger, on_step: Callable[[], None] | None = None) -> tuple[int, int]:
    """Load the demo; returns (steps run, events appended)."""
    before = ledger.app.head()
    count = 0
    for key, command in steps():
        ledger.app.execute(command, Stamp(ACTOR, f"demo:{key}"), wait=False)
        count += 1
        if on_step:
            on_step()
    ledger.wait_for(ledger.app.head())  # each step did not wait: the read models catch up once
    return count, ledger.app.head() - before


def step_count() -> int:
    return sum(1 for _ in steps())
