// Chinese first, English as a switch. Enum values are named by the API's own `labels`
// query; the page's own words are here.
import { gql } from "./api.js";

const STRINGS = {
  zh: {
    brand: "清廉机关 · 问责台账",
    switchLang: "English",
    "page.lists": "责任清单", "page.transmission": "层层传导", "page.evaluation": "考核",
    "page.case": "一案双查", "page.audit": "审计", "page.live": "实时", "page.report": "政治生态分析报告",
    "page.login": "登录",
    signOut: "退出", role: "角色", units: "单位范围", allUnits: "全部单位", expires: "有效至",
    subject: "用户",
    "role.ADMIN": "管理员", "role.RECORDER": "录入人员", "role.APPRAISER": "考核人员",
    "role.BRANCH": "基层单位", "role.INSPECTOR": "检查人员", "role.VIEWER": "看板",
    "login.title": "登录", "login.paste": "粘贴令牌（ledger token issue 或 make demo 打印的令牌）",
    "login.file": "或上传令牌文件", "login.submit": "登录",
    "login.help": "令牌只保存在本标签页的会话存储中，不会出现在网址里；关闭标签页即失效。",
    "login.bad": "令牌无效或已过期",
    "login.hidden": "本角色看不到的页面已隐藏：",
    now: "现在", loading: "正在加载…", none: "（无）", forbiddenPage: "本角色无权查看此页。",
    organ: "机关", unit: "单位", asOf: "有效日期（asOf）", knownAt: "记录时点（knownAt，空为现在）",
    compareTo: "与此记录时点比较", clear: "清除",
    "lists.title": "领导班子责任清单", "lists.member": "班子成员", "lists.items": "条目",
    "lists.noItems": "该日无责任条目", "lists.recentChanges": "近期更正与调整（点击比较更正前后）",
    "lists.compareBefore": "比较此前",
    "change.added": "新增", "change.removed": "移除", "change.corrected": "更正",
    "change.legend": "与比较时点相比：",
    was: "原为",
    item: "编号", kind: "责任类型", area: "方面", title: "内容", validFrom: "起", validTo: "止",
    scope: "范围", post: "职务",
    "tr.title": "层层传导（上热下冷）", "tr.root": "起点单位", "tr.depth": "层级", "tr.letters": "函告书",
    "tr.ack": "签字背书率", "tr.done": "任务完成率", "tr.overdue": "逾期任务",
    "tr.level": (d) => (d === 0 ? "本级" : `下${d}级`),
    "tr.letterTable": "函告书", "tr.onlyProblems": "只看未签字或有逾期任务的",
    "tr.number": "文号", "tr.recipient": "收函单位", "tr.status": "状态", "tr.ackOn": "签字日期",
    "tr.tasks": "任务", "tr.unsigned": "未签字", "tr.overdueTag": "逾期",
    "ev.title": "党风廉政建设责任制考核", "ev.cycle": "考核周期", "ev.year": "年度",
    "ev.rank": "排名", "ev.base": "基础分", "ev.deductions": "扣分", "ev.bonuses": "加分",
    "ev.total": "总分", "ev.grade": "等次", "ev.veto": "一票否决", "ev.awards": "评奖评先",
    "ev.lines": "得分明细（点击上表一行查看）", "ev.rule": "规则", "ev.points": "分值", "ev.reason": "理由",
    "ev.case": "案件", "ev.pending": "待结案事项（结案后可能一票否决）", "ev.noCycle": "没有考核周期",
    "ev.export": "导出", "ev.criteria": "指标得分", "ev.vetoReasons": "否决事由",
    "ev.period": "考核期", "ev.status": "状态", yes: "是", no: "否",
    "case.title": "一案双查", "case.pick": "案件", "case.chain": "责任链（自案发单位逐级至机关）",
    "case.gaps": "责任空档", "case.decisions": "问责决定", "case.timeline": "案发期间各责任岗位在任情况",
    "case.facts": "案发", "case.registered": "立案", "case.category": "类别", "case.discovery": "发现方式",
    "case.form": "处置形态", "case.concluded": "结案", "case.subject": "当事人", "case.summary": "案情",
    "case.unit": "案发单位", "case.held": "任职期间", "case.basis": "依据条目", "case.measure": "问责措施",
    "case.degree": "责任程度", "case.on": "决定日期", "case.state": "状态",
    "case.stale": "依据已被更正（需纠错）", "case.revoked": "已撤销", "case.valid": "有效",
    "case.level": "层级", "case.noDecisions": "尚无问责决定", "case.noGaps": "无责任空档",
    "case.person": "人员或组织", "case.reasonCol": "事由", "case.factsPeriod": "案发期间",
    "audit.title": "审计", "audit.entity": "实体编号", "audit.show": "查看历史",
    "audit.history": "事件历史", "audit.position": "位置", "audit.type": "事件", "audit.actor": "记录人",
    "audit.recordedAt": "记录时间", "audit.hash": "链哈希", "audit.verify": "台账校验",
    "audit.verifyRun": "重新校验整本台账", "audit.ok": "校验通过", "audit.bad": "校验失败",
    "audit.checked": "已校验事件", "audit.head": "最新位置", "audit.treeHead": "默克尔树根",
    "audit.proof": "包含性证明（在浏览器中用 Web Crypto 验证）", "audit.digest": "摘要文件（ledger digest --out）",
    "audit.pubkey": "公钥（可选，用于验证摘要签名）", "audit.prove": "证明此事件", "audit.pickEvent": "先在上表选择一个事件",
    "audit.needDigest": "请先上传摘要文件", "audit.proofOk": "证明成立", "audit.proofBad": "证明不成立",
    "audit.payload": "内容", "audit.wholeLog": "整本台账的校验只对不限单位的令牌开放。",
    "live.title": "实时事件", "live.waiting": "已订阅，等待新事件…", "live.connected": "已连接",
    "live.closed": "连接已关闭", "live.count": "收到事件",
    "page.rectifications": "整改", "re.title": "问题整改（巡察、专项检查、审计、明察暗访）", "re.all": "全部",
    "re.dueSoon": "30日内到期", "re.finding": "发现问题", "re.requirement": "整改要求", "re.owner": "整改责任人", "re.due": "整改期限",
    "page.talks": "六必谈", "talks.title": "谈心谈话与“六必谈”", "talks.reason": "事由", "talks.person": "人员",
    "talks.arose": "产生日期", "talks.dueOn": "应谈期限", "talks.due": "应谈事项", "talks.personal": "谁应谈、为何应谈属个人信息，本角色只看统计。",
    "page.risk": "风险岗位", "risk.title": "廉政风险岗位与定期轮岗", "risk.level": "风险等级", "risk.due": "应轮岗未轮岗",
    "risk.post": "岗位", "risk.since": "连续任职起", "risk.years": "已任年数/上限", "risk.dueOn": "应轮岗日期",
    "risk.posts": "风险岗位", "risk.risks": "风险点", "risk.holders": "在岗人员",
    "report.title": "政治生态分析报告", "report.half": "半年度", "report.print": "打印 / 存为 PDF",
    "report.unit": "单位", "report.generated": "生成时间",
  },
  en: {
    brand: "Clean organs · accountability ledger",
    switchLang: "中文",
    "page.lists": "Responsibility lists", "page.transmission": "Transmission", "page.evaluation": "Evaluation",
    "page.case": "Case chain", "page.audit": "Audit", "page.live": "Live", "page.report": "Political ecology report",
    "page.login": "Sign in",
    signOut: "Sign out", role: "role", units: "units", allUnits: "all units", expires: "expires",
    subject: "user",
    "role.ADMIN": "administrator", "role.RECORDER": "recorder", "role.APPRAISER": "appraiser",
    "role.BRANCH": "branch", "role.INSPECTOR": "inspector", "role.VIEWER": "viewer",
    "login.title": "Sign in", "login.paste": "Paste a token (from `ledger token issue` or `make demo`)",
    "login.file": "or upload a token file", "login.submit": "Sign in",
    "login.help": "The token stays in this tab's session storage, never in an address; closing the tab forgets it.",
    "login.bad": "The token is not valid or has expired",
    "login.hidden": "Pages this role may not see are hidden: ",
    now: "now", loading: "Loading…", none: "(none)", forbiddenPage: "This role may not see this page.",
    organ: "Organ", unit: "Unit", asOf: "Valid on (asOf)", knownAt: "As known at (knownAt; empty: now)",
    compareTo: "Compare with record time", clear: "Clear",
    "lists.title": "Leadership team responsibility lists", "lists.member": "Team member", "lists.items": "items",
    "lists.noItems": "no items on that day", "lists.recentChanges": "Recent corrections and transfers (click to compare before and after)",
    "lists.compareBefore": "compare before",
    "change.added": "added", "change.removed": "removed", "change.corrected": "corrected",
    "change.legend": "Against the compared record time: ",
    was: "was",
    item: "Item", kind: "Kind", area: "Area", title: "Title", validFrom: "From", validTo: "To",
    scope: "Scope", post: "Post",
    "tr.title": "Transmission down the levels", "tr.root": "Root unit", "tr.depth": "Level", "tr.letters": "Letters",
    "tr.ack": "Signed", "tr.done": "Tasks done", "tr.overdue": "Overdue tasks",
    "tr.level": (d) => (d === 0 ? "root" : `level ${d}`),
    "tr.letterTable": "Task letters", "tr.onlyProblems": "only unsigned or with overdue tasks",
    "tr.number": "Number", "tr.recipient": "Recipient", "tr.status": "Status", "tr.ackOn": "Signed on",
    "tr.tasks": "Tasks", "tr.unsigned": "unsigned", "tr.overdueTag": "overdue",
    "ev.title": "Evaluation", "ev.cycle": "Cycle", "ev.year": "Year",
    "ev.rank": "Rank", "ev.base": "Base", "ev.deductions": "Deductions", "ev.bonuses": "Bonuses",
    "ev.total": "Total", "ev.grade": "Grade", "ev.veto": "Veto", "ev.awards": "Awards",
    "ev.lines": "Score lines (click a row above)", "ev.rule": "Rule", "ev.points": "Points", "ev.reason": "Reason",
    "ev.case": "Case", "ev.pending": "Pending cases (would veto once concluded)", "ev.noCycle": "No evaluation cycle",
    "ev.export": "Export", "ev.criteria": "Criteria", "ev.vetoReasons": "Veto reasons",
    "ev.period": "Period", "ev.status": "Status", yes: "yes", no: "no",
    "case.title": "Case and its accountability chain", "case.pick": "Case", "case.chain": "Chain (facts unit up to the organ)",
    "case.gaps": "Gaps", "case.decisions": "Decisions", "case.timeline": "Who held each role during the facts",
    "case.facts": "Facts", "case.registered": "Registered", "case.category": "Category", "case.discovery": "Discovery",
    "case.form": "Form", "case.concluded": "Concluded", "case.subject": "Subject", "case.summary": "Summary",
    "case.unit": "Facts unit", "case.held": "Held", "case.basis": "Basis item", "case.measure": "Measure",
    "case.degree": "Degree", "case.on": "On", "case.state": "State",
    "case.stale": "stale (its link was corrected)", "case.revoked": "revoked", "case.valid": "in force",
    "case.level": "Level", "case.noDecisions": "no decision yet", "case.noGaps": "no gap",
    "case.person": "Person or organisation", "case.reasonCol": "Reason", "case.factsPeriod": "facts period",
    "audit.title": "Audit", "audit.entity": "Entity id", "audit.show": "Show history",
    "audit.history": "History", "audit.position": "Position", "audit.type": "Event", "audit.actor": "Actor",
    "audit.recordedAt": "Recorded at", "audit.hash": "Chain hash", "audit.verify": "Verification",
    "audit.verifyRun": "Verify the whole ledger again", "audit.ok": "verified", "audit.bad": "verification failed",
    "audit.checked": "events checked", "audit.head": "head position", "audit.treeHead": "Merkle root",
    "audit.proof": "Inclusion proof (checked in this browser with Web Crypto)", "audit.digest": "Digest file (ledger digest --out)",
    "audit.pubkey": "Public key (optional: checks the digest's signature)", "audit.prove": "Prove this event", "audit.pickEvent": "pick an event in the table first",
    "audit.needDigest": "upload a digest file first", "audit.proofOk": "proof holds", "audit.proofBad": "proof fails",
    "audit.payload": "Payload", "audit.wholeLog": "Verifying the whole ledger needs a token not limited to units.",
    "live.title": "Live events", "live.waiting": "Subscribed; waiting for new events…", "live.connected": "connected",
    "live.closed": "connection closed", "live.count": "events received",
    "page.rectifications": "Rectification", "re.title": "Findings and rectification", "re.all": "all",
    "re.dueSoon": "due within 30 days", "re.finding": "Finding", "re.requirement": "Requirement", "re.owner": "Owner", "re.due": "Due",
    "page.talks": "Talks due", "talks.title": "Talks and the six must-talk rules", "talks.reason": "Reason", "talks.person": "Person",
    "talks.arose": "Arose", "talks.dueOn": "Due", "talks.due": "Talks due", "talks.personal": "Who must be talked with, and why, is personal data: this role sees the counts.",
    "page.risk": "Risk posts", "risk.title": "Risk posts and rotation", "risk.level": "Risk level", "risk.due": "Rotation overdue",
    "risk.post": "Post", "risk.since": "Held since", "risk.years": "Years / limit", "risk.dueOn": "Rotation due",
    "risk.posts": "Risk posts", "risk.risks": "Risks", "risk.holders": "Holders",
    "report.title": "Political ecology analysis report", "report.half": "Half-year", "report.print": "Print / save as PDF",
    "report.unit": "Unit", "report.generated": "Generated",
  },
};

let lang = localStorage.getItem("ledger.lang") === "en" ? "en" : "zh";
let labels = new Map();

export function currentLang() {
  return lang;
}

export function setLang(value) {
  lang = value === "en" ? "en" : "zh";
  localStorage.setItem("ledger.lang", lang);
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
}

/** A word of the page, in the current language (a function entry takes arguments). */
export function t(key, ...args) {
  const entry = STRINGS[lang][key] ?? STRINGS.zh[key] ?? key;
  return typeof entry === "function" ? entry(...args) : entry;
}

/** Load the API's labels of every enum value in the current language. */
export async function loadLabels() {
  const data = await gql("query Labels($lang: String) { labels(lang: $lang) { enum value label } }", { lang });
  labels = new Map(data.labels.map((x) => [`${x.enum}.${x.value}`, x.label]));
}

/** The label of an enum value (the value itself when the API has none). */
export function L(enumName, value) {
  if (value === null || value === undefined) return "";
  return labels.get(`${enumName}.${value}`) ?? value;
}
