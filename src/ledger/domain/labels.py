"""Every enumerated value of the domain, with what it is called in Chinese and English.

This table is the one place an enum's values are listed: the domain validates against it
(`values_of`), the GraphQL enums are built from it (`ledger.api.inputs.graphql_enum`).

Dashboards read them through the `labels(lang)` query, exports and reports use them
directly. A test checks that every value of every enum of the schema has both labels.
Terms follow the source text and 《中国共产党问责条例》: 直接责任者 is a degree of a decision,
while the head of the facts unit answers as 本单位负责人 (DIRECT link); 轮岗 is a rotation of
posts, a change of who holds an item is 调整分工.
"""

from __future__ import annotations

LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "UnitKind": {
        "ORGAN": ("省直机关（单位）", "provincial organ"),
        "DEPARTMENT": ("机关处室", "department"),
        "AFFILIATED_UNIT": ("直属单位", "affiliated unit"),
        "PARTY_BRANCH": ("党支部", "party branch"),
        "ORGAN_PARTY_COMMITTEE": ("机关党委", "organ party committee"),
        "WORKING_COMMITTEE": ("省直机关工委", "working committee"),
    },
    "PostRole": {
        "PRINCIPAL": ("党组（党委）书记、主要负责人", "principal"),
        "TEAM_MEMBER": ("班子成员", "leadership-team member"),
        "DISCIPLINE_SECRETARY": ("纪检组长、纪委书记", "discipline secretary"),
        "UNIT_HEAD": ("处室（单位）负责人", "unit head"),
        "BRANCH_SECRETARY": ("支部书记", "branch secretary"),
        "STAFF": ("工作人员", "staff"),
    },
    "ResponsibilityKind": {
        "PRINCIPAL": ("主体责任", "principal responsibility"),
        "IN_CHARGE": ("分管领导责任（一岗双责）", "in charge (one post, two duties)"),
        "SUPERVISORY": ("监督责任", "supervisory responsibility"),
        "DIRECT": ("本单位负责人责任", "head of the unit"),
    },
    "ResponsibilityArea": {
        "EDUCATION": ("宣传教育", "education"),
        "SUPERVISION": ("监督检查", "supervision"),
        "MANAGEMENT": ("日常管理", "management"),
    },
    "ViolationCategory": {
        "EIGHT_PROVISIONS": ("违反中央八项规定精神", "eight provisions"),
        "INTEGRITY": ("违反廉洁纪律", "integrity discipline"),
        "WORK_DISCIPLINE": ("违反工作纪律", "work discipline"),
        "ORGANISATION_DISCIPLINE": ("违反组织纪律", "organisation discipline"),
        "MASS_DISCIPLINE": ("违反群众纪律", "mass discipline"),
        "LIFE_DISCIPLINE": ("违反生活纪律", "life discipline"),
        "DUTY_CRIME": ("职务违法犯罪", "duty crime"),
    },
    "Discovery": {
        "SELF_DISCOVERED": ("自查自纠", "self-discovered"),
        "PASSIVE": ("被动查处", "found by others (passive)"),
    },
    "DisciplineForm": {
        "FIRST": ("第一种形态（批评教育、谈话提醒）", "first form (talks, criticism)"),
        "SECOND": ("第二种形态（轻处分、组织调整）", "second form (light sanctions)"),
        "THIRD": ("第三种形态（重处分、重大职务调整）", "third form (heavy sanctions)"),
        "FOURTH": ("第四种形态（立案审查、移送司法）", "fourth form (referral to judicial organs)"),
    },
    "AccountabilityMeasure": {
        "NONE": ("不予问责", "no measure"),
        "WRITTEN_REVIEW": ("责令书面检查", "written self-criticism"),
        "CIRCULATED_CRITICISM": ("通报批评", "circulated criticism"),
        "ADMONISHMENT": ("诫勉", "admonishment"),
        "ORGANISATIONAL_ADJUSTMENT": ("组织调整或组织处理", "organisational adjustment"),
        "DISCIPLINARY_SANCTION": ("纪律处分", "disciplinary sanction"),
    },
    "CaseSource": {
        "HIGHER_ASSIGNMENT": ("上级交办", "assigned by a higher body"),
        "INSPECTION_TOUR": ("巡视巡察", "inspection tour"),
        "AUDIT": ("审计", "audit"),
        "PETITION": ("信访举报", "petition or report"),
        "STATIONED_GROUP": ("派驻纪检监察组", "stationed discipline group"),
        "TRANSFERRED": ("司法机关、监察机关移送", "transferred by judicial or supervisory organs"),
        "SELF": ("本单位自查自纠", "found by the unit itself"),
    },
    "CadreRank": {
        "BUREAU": ("厅局级", "bureau level"),
        "DIVISION": ("处级", "division level"),
        "SECTION": ("科级", "section level"),
        "OTHER": ("一般干部及其他", "other staff"),
    },
    "AccountabilityDegree": {
        "DIRECT": ("直接责任者", "directly responsible"),
        "PRINCIPAL_LEADERSHIP": ("主要领导责任者", "principal leadership responsibility"),
        "IMPORTANT_LEADERSHIP": ("重要领导责任者", "important leadership responsibility"),
    },
    "GapReason": {
        "VACANT": ("无人在岗", "vacant"),
        "HELD_BY_SUBJECT": ("由被查处人本人担任", "held by the subject"),
    },
    "Grade": {
        "EXCELLENT": ("优秀", "excellent"),
        "GOOD": ("良好", "good"),
        "PASS": ("合格", "pass"),
        "FAIL": ("不合格", "fail"),
    },
    "EvaluationCycleStatus": {
        "OPEN": ("考核中", "open"),
        "FINALIZED": ("已定档", "finalized"),
    },
    # talks, written inquiries and 六必谈 (the first of the four forms)
    "TalkKind": {
        "HEART_TO_HEART": ("谈心谈话", "heart-to-heart talk"),
        "REMINDER": ("提醒谈话", "reminder talk"),
        "SUMMONS": ("约谈", "summons (work talk)"),
        "ADMONITION": ("诫勉谈话", "admonition talk"),
    },
    "TalkObligationReason": {
        "NEW_CADRE": ("新进干部必谈", "new cadre"),
        "POST_CHANGE": ("岗位调整必谈", "change of post"),
        "LOW_RATING": ("年度考核基本称职以下必谈", "rated basically competent or below"),
        "MAJOR_SETBACK": ("遇到重大挫折必谈", "major setback"),
        "FAMILY_CHANGE": ("家庭出现重大变化必谈", "major change in the family"),
        "WORK_ERROR": ("工作中出现重大差错必谈", "major error at work"),
    },
    "TalkTriggerKind": {
        "MAJOR_SETBACK": ("遇到重大挫折", "major setback"),
        "FAMILY_CHANGE": ("家庭出现重大变化", "major change in the family"),
        "WORK_ERROR": ("工作中出现重大差错", "major error at work"),
    },
    "PersonalRating": {
        "EXCELLENT": ("优秀", "excellent"),
        "COMPETENT": ("称职", "competent"),
        "BASICALLY_COMPETENT": ("基本称职", "basically competent"),
        "INCOMPETENT": ("不称职", "incompetent"),
    },
    "TalkObligationStatus": {
        "OPEN": ("待谈", "open"),
        "DONE": ("已谈", "done"),
        "OVERDUE": ("逾期未谈", "overdue"),
    },
    "WrittenInquiryStatus": {
        "SENT": ("已函询，待回复", "sent"),
        "REPLIED": ("已回复，待处置", "replied"),
        "CONCLUDED": ("已办结", "concluded"),
    },
    "InquiryOutcome": {
        "CLOSED": ("予以了结", "closed"),
        "ACCEPTED": ("采信澄清", "explanation accepted"),
        "REMINDED": ("谈话提醒、批评教育", "reminded"),
        "ADMONISHED": ("责令检查、诫勉", "admonished"),
        "TO_VERIFICATION": ("转初步核实", "passed to preliminary verification"),
    },
    "ScoreRule": {  # the rules of derived score lines (not an enum of the schema)
        "PASSIVE_CASE": ("被动查处扣分", "passive case deduction"),
        "LEADERSHIP_CASE_VETO": ("班子成员违纪违法一票否决", "leadership case veto"),
        "PENDING_CASE_VETO": ("待结案（结案后可能一票否决）", "pending leadership case"),
        "MANUAL_DEDUCTION": ("扣分", "manual deduction"),
        "MANUAL_BONUS": ("加分", "bonus"),
        "MANUAL_VETO": ("一票否决", "manual veto"),
        "OVERDUE_RECTIFICATION": ("整改逾期扣分", "overdue rectification deduction"),
        "OVERDUE_TALK": ("六必谈逾期未谈扣分", "overdue 六必谈 talk deduction"),
    },
    "TaskLetterStatus": {
        "ISSUED": ("已函告", "issued"),
        "ACKNOWLEDGED": ("已签字背书", "acknowledged"),
        "COMPLETED": ("已完成", "completed"),
        "WITHDRAWN": ("已撤回", "withdrawn"),
    },
    "TaskStatus": {
        "OPEN": ("未开始", "open"),
        "IN_PROGRESS": ("推进中", "in progress"),
        "DONE": ("已完成", "done"),
        "OVERDUE": ("已逾期", "overdue"),
    },
}
# Oversight instruments (part 三(二) of the source text): findings and their rectification,
# 廉政风险点 and rotation, the principal's "五个不直接分管", 三重一大, 述责述廉.
LABELS.update(
    {
        "FindingSource": {
            "INSPECTION_TOUR": ("巡察", "inspection tour"),
            "SPECIAL_CHECK": ("专项检查", "special check"),
            "AUDIT": ("审计", "audit"),
            "UNANNOUNCED_VISIT": ("明察暗访", "unannounced visit"),
            "OTHER": ("其他", "other"),
        },
        "RectificationStatus": {
            "OPEN": ("整改中", "open"),
            "DONE": ("已整改", "done"),
            "OVERDUE": ("逾期未整改", "overdue"),
        },
        "RectificationVerdict": {
            "ACCEPT": ("验收通过", "accept"),
            "REOPEN": ("退回重新整改", "reopen"),
        },
        "RectificationReview": {
            "PENDING": ("待验收", "awaiting review"),
            "ACCEPTED": ("已验收", "accepted"),
            "REOPENED": ("已退回重新整改", "reopened"),
        },
        "RectificationStepKind": {
            "PROGRESS": ("报告整改进展", "progress reported"),
            "COMPLETED": ("整改完成", "completed"),
            "ACCEPTED": ("验收通过", "accepted"),
            "REOPENED": ("退回重新整改", "reopened"),
        },
        "RiskLevel": {
            "HIGH": ("高风险", "high"),
            "MEDIUM": ("中风险", "medium"),
            "LOW": ("低风险", "low"),
        },
        "UnitFunction": {
            "PERSONNEL": ("人事", "personnel"),
            "FINANCE": ("财务", "finance"),
            "PROJECTS": ("工程项目", "construction projects"),
            "PROCUREMENT": ("物资采购", "procurement"),
            "APPROVALS": ("行政审批", "administrative approvals"),
        },
        "MajorMatter": {
            "MAJOR_DECISION": ("重大决策", "major decision"),
            "CADRE_APPOINTMENT": ("重要干部任免", "important cadre appointment"),
            "MAJOR_PROJECT": ("重大项目安排", "major project"),
            "LARGE_FUND": ("大额资金使用", "use of large funds"),
        },
        "DecisionFlag": {
            "LOW_ATTENDANCE": ("到会班子成员不足半数", "fewer than half of the team attended"),
            "PRINCIPAL_NOT_LAST": ("主要负责人未末位表态", "the principal did not speak last"),
            "RECUSED_SPOKE": ("应回避人员参与表态", "a recused person spoke"),
        },
        "DutyReportKind": {
            "LEADER": ("班子成员述责述廉", "leadership-team member's report"),
            "DISCIPLINE_COMMITTEE": (
                "机关纪委向纪工委述职",
                "organ discipline committee's report to the working committee",
            ),
        },
    }
)
LANGS = ("zh", "en")


def values_of(enum: str) -> tuple[str, ...]:
    """The values of an enum, in order: the domain checks input against them."""
    return tuple(LABELS[enum])


def label(enum: str, value: str, lang: str = "zh") -> str:
    """The label of one value; the value itself where none is known."""
    zh, en = LABELS.get(enum, {}).get(value, (value, value))
    return en if lang == "en" else zh
