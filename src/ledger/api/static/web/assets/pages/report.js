// 政治生态分析报告: the half-yearly political-ecology report a 机关纪委 writes for a unit
// and its subtree — cases by category, discovery and unit kind against the half before; the
// four forms (talks and 函询 in the first); transmission of responsibility; the year's
// evaluation; rectifications; 六必谈 talks due; risk posts due for rotation — with
// charts, and the text around them built from the same figures. Printable (A4); `ledger
// report political-ecology` renders this page to PDF with chromium.
import { gql, may } from "../api.js";
import { chart } from "../charts.js";
import { L, currentLang, t } from "../i18n.js";
import { field, h, num, pct, select, table } from "../ui.js";

const UNITS = `query Units { units { id name kind depth } }`;
const STATS = `query Stats($root: ID!, $from: Date, $to: Date) {
  caseStatistics(rootUnitId: $root, from: $from, to: $to) {
    total rootUnit { id name }
    byCategory { key count share } byDiscovery { key count share } byForm { key count share }
    byUnitKind { key count share } bySource { key count share }
  }
}`;
const TRANSMISSION = `query Tr($root: ID!, $asOf: Date) { responsibilityTransmission(rootUnitId: $root, asOf: $asOf) { depth letters acknowledgedRate completedRate overdueTasks } }`;
const CYCLES = `query Cy($year: Int, $unit: ID) { evaluationCycles(year: $year, unitId: $unit) { id } }`;
const RESULTS = `query Results($id: ID!) { evaluationCycle(id: $id) {
  id title status results { unit { id name } total grade vetoed rank eligibleForAwards } } }`;
const FOUR_FORMS = `query FourForms($root: ID!, $from: Date!, $to: Date!) {
  fourForms(rootUnitId: $root, from: $from, to: $to) { total forms { form count share talks inquiries cases } talksByKind { kind count } }
}`;
const TALKS = `query Talks($root: ID!, $asOf: Date) {
  talkObligationSummary(rootUnitId: $root, asOf: $asOf) { open done overdue byReason { reason open done overdue } }
}`;
const ROTATION = `query Rotation($unit: ID, $asOf: Date) {
  rotationDue(unitId: $unit, asOf: $asOf, level: null) { since dueOn years person { name } riskPost { position role level maxYears unit { name } } }
}`;
const RECTIFICATIONS = `query Re($unit: ID, $asOf: Date) { rectifications(unitId: $unit, asOf: $asOf) {
  id requirement dueOn status completedOn unit { name } finding { source } } }`;

/** "2024H1" -> its first and last day, the half before, and how to name it. */
export function half(text) {
  const m = /^(\d{4})H([12])$/.exec(text || "");
  if (!m) return null;
  const year = Number(m[1]), n = Number(m[2]);
  const range = (y, k) => (k === 1 ? [`${y}-01-01`, `${y}-06-30`] : [`${y}-07-01`, `${y}-12-31`]);
  const [from, to] = range(year, n);
  const [prevFrom, prevTo] = n === 1 ? range(year - 1, 2) : range(year, 1);
  const name = (y, k) => (currentLang() === "zh" ? `${y}年${k === 1 ? "上" : "下"}半年` : `${y} H${k}`);
  return { year, n, from, to, prevFrom, prevTo, name: name(year, n), prevName: n === 1 ? name(year - 1, 2) : name(year, 1) };
}

function defaultHalf() {
  const d = new Date();
  // the last half-year that has ended
  return d.getMonth() < 6 ? `${d.getFullYear() - 1}H2` : `${d.getFullYear()}H1`;
}

const name = (enumName, key) => (key === "UNCONCLUDED" ? "尚未结案" : key === "UNKNOWN" ? "未记录" : L(enumName, key));
const count = (buckets, key) => buckets.find((b) => b.key === key)?.count || 0;
const share = (buckets, key) => buckets.find((b) => b.key === key)?.share || 0;
const top = (buckets) => [...buckets].filter((b) => b.count).sort((a, b) => b.count - a.count);

function pie(buckets, enumName, id) {
  return chart(
    {
      tooltip: { trigger: "item" },
      legend: { bottom: 0, type: "scroll" },
      series: [{
        type: "pie", radius: ["35%", "62%"], center: ["50%", "44%"],
        label: { formatter: "{b}\n{c}（{d}%）" },
        data: top(buckets).map((b) => ({ name: name(enumName, b.key), value: b.count })),
      }],
    },
    { id },
  );
}

function bars(buckets, enumName, id, previous, names = ["", ""]) {
  const keys = [...new Set([...buckets, ...(previous || [])].filter((b) => b.count).map((b) => b.key))];
  return chart(
    {
      tooltip: { trigger: "axis" },
      legend: previous ? { top: 0 } : undefined,
      grid: { left: 150, right: 40, top: previous ? 28 : 8, bottom: 24 },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", inverse: true, data: keys.map((k) => name(enumName, k)) },
      series: [
        ...(previous ? [{ name: names[0], type: "bar", data: keys.map((k) => count(previous, k)), itemStyle: { color: "#9ca3af" } }] : []),
        { name: names[1], type: "bar", data: keys.map((k) => count(buckets, k)), label: { show: true, position: "right" } },
      ],
    },
    { id },
  );
}

const P = (...parts) => h("p", {}, ...parts);

function caseText(unit, span, stats, prev) {
  const diff = stats.total - prev.total;
  const trend = diff === 0 ? "与上一半年度持平" : `较${span.prevName}（${prev.total}件）${diff > 0 ? "增加" : "减少"}${Math.abs(diff)}件`;
  const cats = top(stats.byCategory);
  const kinds = top(stats.byUnitKind);
  const out = [
    P(`${span.name}，${unit.name}（含所属单位）共立案${stats.total}件，${trend}。`,
      cats.length ? `从违纪类型看，${cats.slice(0, 3).map((b) => `${L("ViolationCategory", b.key)}${b.count}件、占${pct(b.share)}`).join("；")}。` : ""),
  ];
  if (kinds.length) {
    out.push(P(`从发案单位看，${kinds.map((b) => `${L("UnitKind", b.key)}${b.count}件（${pct(b.share)}）`).join("，")}。`,
      share(stats.byUnitKind, "AFFILIATED_UNIT") >= 0.5 ? "直属单位是发案的主要领域，对直属单位的监督仍是薄弱环节。" : ""));
  }
  const passive = share(stats.byDiscovery, "PASSIVE");
  if (stats.total) {
    out.push(P(`从发现方式看，被动查处${count(stats.byDiscovery, "PASSIVE")}件、占${pct(passive)}，自查自纠${count(stats.byDiscovery, "SELF_DISCOVERED")}件。`,
      passive >= 0.5 ? "被动查处占比偏高，说明单位自身发现问题、抓早抓小的能力仍显不足。" : "自查自纠占多数，日常监督发挥了作用。"));
  }
  return out;
}

function fourFormsText(ff, stats) {
  const by = Object.fromEntries(ff.forms.map((f) => [f.form, f]));
  const first = by.FIRST || { count: 0, talks: 0, inquiries: 0, cases: 0 };
  const open = count(stats.byForm, "UNCONCLUDED");
  const light = (by.FIRST?.count || 0) + (by.SECOND?.count || 0);
  return P(
    `运用监督执纪“四种形态”共${ff.total}人次：第一种形态${first.count}人次（谈话${first.talks}次、函询了结${first.inquiries}件、结案${first.cases}件），`,
    ["SECOND", "THIRD", "FOURTH"].map((f) => `${L("DisciplineForm", f).replace(/（.*/, "")}${by[f]?.count || 0}人次`).join("，"),
    open ? `；另有${open}件案件尚未结案。` : "。",
    ff.total ? `第一、二种形态占${pct(light / ff.total)}，` + (light / ff.total >= 0.7 ? "体现了抓早抓小、防微杜渐。" : "“红脸出汗”的常态化运用还需加强。") : "",
  );
}

function talksText(s) {
  const total = s.open + s.done + s.overdue;
  if (!total) return P("本期无“六必谈”应谈事项。");
  const reasons = s.byReason.filter((r) => r.open + r.done + r.overdue).map((r) => `${L("TalkObligationReason", r.reason)}${r.open + r.done + r.overdue}人`);
  return P(`按照“六必谈”制度，截至期末应谈${total}人（${reasons.join("、")}），已谈${s.done}人，待谈${s.open}人，逾期未谈${s.overdue}人。`,
    s.overdue ? "谈心谈话制度落实不到位，需限期补谈。" : "谈心谈话按期落实。");
}

function transmissionText(levels) {
  const below = levels.filter((l) => l.letters > 0);
  if (!below.length) return P("本期未发函告书。");
  const parts = below.map((l) => `${t("tr.level", l.depth)}签字背书率${pct(l.acknowledgedRate)}、任务完成率${pct(l.completedRate)}`);
  const falling = below.length > 1 && below[below.length - 1].acknowledgedRate < below[0].acknowledgedRate;
  const overdue = below.reduce((a, l) => a + l.overdueTasks, 0);
  return P(`党风廉政建设主要工作任务函告书落实情况：${parts.join("；")}。`,
    falling ? "签字背书和任务完成逐级递减，存在“上热下冷”、压力传导层层衰减的问题。" : "各层级落实情况较为均衡。",
    overdue ? `截至期末，逾期未完成任务${overdue}项，需督促限期完成。` : "");
}

function evaluationText(cycle) {
  const vetoed = cycle.results.filter((r) => r.vetoed);
  const excellent = cycle.results.filter((r) => r.grade === "EXCELLENT");
  return P(`${cycle.title}（${L("EvaluationCycleStatus", cycle.status)}）共考核${cycle.results.length}个单位，`,
    excellent.length ? `${excellent.map((r) => r.unit.name).join("、")}为优秀；` : "",
    vetoed.length ? `${vetoed.map((r) => r.unit.name).join("、")}因班子成员违纪违法被一票否决，当年不得评奖评先。` : "无一票否决单位。");
}

function suggestions(stats, levels, cycle, rect, talks, rotation) {
  const out = [];
  if (share(stats.byUnitKind, "AFFILIATED_UNIT") >= 0.5) out.push("把直属单位作为监督重点，压实直属单位党组织主体责任和纪检组织监督责任。");
  if (share(stats.byCategory, "EIGHT_PROVISIONS") >= 0.3) out.push("紧盯违反中央八项规定精神问题，重要节点开展明察暗访，防止“四风”反弹回潮。");
  if (share(stats.byDiscovery, "PASSIVE") >= 0.5) out.push("提高自我发现问题能力，用好谈心谈话、提醒、函询、诫勉等手段，抓早抓小。");
  const below = levels.filter((l) => l.letters > 0);
  if (below.length > 1 && below[below.length - 1].acknowledgedRate < below[0].acknowledgedRate) out.push("推动函告书逐级签字背书、逐项销号，解决“上热下冷”问题。");
  if (cycle && cycle.results.some((r) => r.vetoed)) out.push("对被一票否决单位开展专题约谈，落实“一案双查”，倒查领导责任。");
  if (rect && rect.some((r) => r.status === "OVERDUE")) out.push("对逾期未完成的整改事项挂牌督办，明确整改责任人和完成时限。");
  if (rotation?.length) out.push("对超期任职的廉政风险岗位人员制定轮岗计划，按期交流。");
  out.push(talks?.overdue ? `对逾期未谈的${talks.overdue}人限期补谈，落实“六必谈”制度。` : "坚持“六必谈”制度，每半年定期分析政治生态，及时发现苗头性倾向性问题。");
  return h("ol", {}, out.map((x) => h("li", {}, x)));
}

export async function render(root, params, { go }) {
  const units = (await gql(UNITS)).units.filter((u) => u.kind !== "PARTY_BRANCH");
  const unitId = params.get("unit") || units.find((u) => u.id === "ZJ-FGW")?.id || units[0]?.id;
  const halfText = params.get("half") || defaultHalf();
  const span = half(halfText);
  const halves = [];
  for (let y = new Date().getFullYear(); y >= 2017; y--) halves.push(`${y}H2`, `${y}H1`);
  root.append(
    h("div", { class: "controls card no-print" },
      field(t("report.unit"), select(units.map((u) => [u.id, `${"　".repeat(Math.max(0, u.depth - 1))}${u.name}`]), unitId, (v) => go({ unit: v, half: halfText }), { id: "report-unit" })),
      field(t("report.half"), select(halves.map((x) => [x, half(x).name]), halfText, (v) => go({ unit: unitId, half: v }), { id: "report-half" })),
      h("button", { type: "button", class: "primary", id: "print", onclick: () => window.print() }, t("report.print")),
    ),
  );
  if (!unitId || !span) return;
  const unit = units.find((u) => u.id === unitId);
  const [{ caseStatistics: stats }, { caseStatistics: prev }, { responsibilityTransmission: levels }, { evaluationCycles: cycles }] = await Promise.all([
    gql(STATS, { root: unitId, from: span.from, to: span.to }),
    gql(STATS, { root: unitId, from: span.prevFrom, to: span.prevTo }),
    gql(TRANSMISSION, { root: unitId, asOf: span.to }),
    gql(CYCLES, { year: span.year, unit: unitId }),
  ]);
  const [rect, { fourForms: ff }, { talkObligationSummary: talks }, { rotationDue }] = await Promise.all([
    may("Query.rectifications") ? gql(RECTIFICATIONS, { unit: unitId, asOf: span.to }).then((d) => d.rectifications) : null,
    gql(FOUR_FORMS, { root: unitId, from: span.from, to: span.to }),
    gql(TALKS, { root: unitId, asOf: span.to }),
    gql(ROTATION, { unit: unitId, asOf: span.to }),
  ]);
  const cycle = cycles.length ? (await gql(RESULTS, { id: cycles[0].id })).evaluationCycle : null;
  const n = { i: 0 };
  const section = (title) => h("h2", {}, `${"一二三四五六七八九十"[n.i++]}、${title}`);
  const report = h("article", { class: "report", id: "report", lang: "zh-CN" },
    h("h1", {}, `${unit.name}${span.name}政治生态分析报告`),
    h("div", { class: "subtitle" }, `统计期间：${span.from} 至 ${span.to} · 数据来源：问责台账（截至 ${new Date().toISOString().slice(0, 10)} 所记录）`),
    P(`根据省直机关清廉机关建设要求，机关纪委每半年对本单位政治生态情况进行分析。现将${span.name}${unit.name}及所属单位党风廉政建设和反腐败工作情况分析如下。`),
    section("案件总体情况"),
    ...caseText(unit, span, stats, prev),
    h("div", { class: "grid2" }, pie(stats.byCategory, "ViolationCategory", "chart-category"), bars(stats.byUnitKind, "UnitKind", "chart-unit-kind", prev.byUnitKind, [span.prevName, span.name])),
    table(
      [
        { title: "违纪类型", value: (b) => L("ViolationCategory", b.key) },
        { title: "本期（件）", class: "num", value: (b) => b.count },
        { title: "占比", class: "num", value: (b) => pct(b.share) },
        { title: `${span.prevName}（件）`, class: "num", value: (b) => count(prev.byCategory, b.key) },
      ],
      top(stats.byCategory),
      { empty: "本期无立案" },
    ),
    section("监督执纪“四种形态”运用"),
    fourFormsText(ff, stats),
    chart({
      tooltip: { trigger: "axis" }, legend: { top: 0 }, grid: { left: 150, right: 40, top: 28, bottom: 24 },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", inverse: true, data: ff.forms.map((f) => L("DisciplineForm", f.form).replace(/（.*/, "")) },
      series: [
        { name: "谈话", type: "bar", stack: "n", data: ff.forms.map((f) => f.talks) },
        { name: "函询", type: "bar", stack: "n", data: ff.forms.map((f) => f.inquiries) },
        { name: "案件", type: "bar", stack: "n", data: ff.forms.map((f) => f.cases), label: { show: true, position: "right", formatter: (p) => ff.forms[p.dataIndex].count } },
      ],
    }, { id: "chart-forms" }),
    section("主体责任层层传导"),
    transmissionText(levels),
    chart({
      legend: { top: 0 }, grid: { left: 48, right: 48, top: 30, bottom: 24 },
      xAxis: { type: "category", data: levels.map((l) => t("tr.level", l.depth)) },
      yAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
      series: [
        { name: t("tr.ack"), type: "bar", data: levels.map((l) => Math.round(l.acknowledgedRate * 100)), label: { show: true, position: "top", formatter: "{c}%" } },
        { name: t("tr.done"), type: "bar", data: levels.map((l) => Math.round(l.completedRate * 100)), label: { show: true, position: "top", formatter: "{c}%" } },
      ],
    }, { id: "chart-transmission" }),
    section("党风廉政建设责任制考核"),
    cycle ? evaluationText(cycle) : P(`${span.year}年度未开展或尚未录入考核。`),
    cycle ? table(
      [
        { title: "排名", class: "num", value: (r) => r.rank ?? "" },
        { title: "单位", value: (r) => r.unit.name },
        { title: "总分", class: "num", value: (r) => num(r.total) },
        { title: "等次", value: (r) => L("Grade", r.grade) },
        { title: "一票否决", value: (r) => (r.vetoed ? "是" : "否") },
      ],
      cycle.results,
    ) : null,
    section("问题整改"),
    rect === null
      ? P("（本角色无权查看整改事项。）")
      : rect.length
        ? [P(`截至${span.to}，在办整改事项${rect.length}项，其中已完成${rect.filter((r) => r.status === "DONE").length}项，逾期未完成${rect.filter((r) => r.status === "OVERDUE").length}项。`),
          table([
            { title: "整改要求", value: (r) => r.requirement },
            { title: "整改单位", value: (r) => r.unit.name },
            { title: "来源", value: (r) => L("FindingSource", r.finding?.source) },
            { title: "期限", value: (r) => r.dueOn },
            { title: "状态", value: (r) => L("RectificationStatus", r.status) },
          ], rect)]
        : P("本期无整改事项。"),
    section("谈心谈话与“六必谈”"),
    talksText(talks),
    section("廉政风险岗位定期轮岗"),
    rotationDue.length
      ? [P(`截至${span.to}，在廉政风险岗位任职超过轮岗年限、应轮岗未轮岗${rotationDue.length}人，需按期交流轮岗。`),
        table([
          { title: "人员", value: (d) => d.person.name },
          { title: "岗位", value: (d) => `${d.riskPost.unit.name} ${d.riskPost.position || L("PostRole", d.riskPost.role)}` },
          { title: "风险等级", value: (d) => L("RiskLevel", d.riskPost.level) },
          { title: "连续任职起", value: (d) => d.since },
          { title: "应轮岗日期", value: (d) => d.dueOn },
        ], rotationDue)]
      : P("廉政风险岗位人员均在轮岗年限内。"),
    section("存在的问题与下一步工作建议"),
    suggestions(stats, levels, cycle, rect, talks, rotationDue),
    h("p", { class: "subtitle" }, `${unit.name}机关纪委 · ${t("report.generated")} ${new Date().toISOString().slice(0, 10)}`),
  );
  root.append(report);
}
