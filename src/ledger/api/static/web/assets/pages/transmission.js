// 层层传导 (上热下冷): how letters fare level by level below a unit — signed for, tasks done,
// tasks overdue — as a chart and a table, and the letters themselves with the problems marked.
import { gql } from "../api.js";
import { chart } from "../charts.js";
import { L, t } from "../i18n.js";
import { field, h, isoToLocal, localToIso, pct, select, table, today } from "../ui.js";

const ROOTS = `query Roots { units(kind: ORGAN) { id name } }`;
const LEVELS = `query Transmission($root: ID!, $asOf: Date, $knownAt: DateTime) {
  responsibilityTransmission(rootUnitId: $root, asOf: $asOf, knownAt: $knownAt) { depth letters acknowledgedRate completedRate overdueTasks }
}`;
const LETTERS = `query Letters($after: String, $asOf: Date, $knownAt: DateTime) {
  taskLetters(first: 200, after: $after, knownAt: $knownAt) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id number title issuedOn status acknowledgedOn
      issuer { id } recipient { id name depth organ { id } } acknowledgedBy { name }
      tasks(asOf: $asOf) { id title deadline percent completedOn status(asOf: $asOf) } } }
  }
}`;

async function allLetters(asOf, knownAt) {
  const out = [];
  let after = null;
  for (let page = 0; page < 20; page++) {
    const { taskLetters } = await gql(LETTERS, { after, asOf, knownAt });
    out.push(...taskLetters.edges.map((e) => e.node));
    if (!taskLetters.pageInfo.hasNextPage) break;
    after = taskLetters.pageInfo.endCursor;
  }
  return out;
}

export function transmissionChart(levels, id) {
  return chart(
    {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 48, right: 48, top: 36, bottom: 28 },
      xAxis: { type: "category", data: levels.map((l) => t("tr.level", l.depth)) },
      yAxis: [
        { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
        { type: "value", minInterval: 1, name: t("tr.overdue"), position: "right" },
      ],
      series: [
        { name: t("tr.ack"), type: "bar", data: levels.map((l) => Math.round(l.acknowledgedRate * 1000) / 10), label: { show: true, position: "top", formatter: "{c}%" } },
        { name: t("tr.done"), type: "bar", data: levels.map((l) => Math.round(l.completedRate * 1000) / 10), label: { show: true, position: "top", formatter: "{c}%" } },
        { name: t("tr.overdue"), type: "line", yAxisIndex: 1, data: levels.map((l) => l.overdueTasks), label: { show: true } },
      ],
    },
    { id },
  );
}

export const levelColumns = () => [
  { title: t("tr.depth"), value: (l) => t("tr.level", l.depth) },
  { title: t("tr.letters"), class: "num", value: (l) => l.letters },
  { title: t("tr.ack"), class: "num", value: (l) => pct(l.acknowledgedRate) },
  { title: t("tr.done"), class: "num", value: (l) => pct(l.completedRate) },
  { title: t("tr.overdue"), class: "num", value: (l) => l.overdueTasks },
];

export async function render(root, params, { go }) {
  const roots = (await gql(ROOTS)).units;
  const unit = params.get("root") || roots.find((o) => o.id === "ZJ-FGW")?.id || roots[0]?.id;
  const asOf = params.get("asOf") || today();
  const problems = params.get("problems") === "1";
  const knownAt = params.get("knownAt") || null;
  const state = { root: unit, asOf, knownAt, problems: problems ? "1" : null };
  const set = (patch) => go({ ...state, ...patch });
  const asOfInput = h("input", { type: "date", id: "as-of", value: asOf, onchange: (e) => set({ asOf: e.target.value }) });
  const only = h("input", { type: "checkbox", id: "only-problems", checked: problems, onchange: (e) => set({ problems: e.target.checked ? "1" : null }) });
  root.append(
    h("h1", {}, t("tr.title")),
    h("div", { class: "controls card" },
      field(t("tr.root"), select(roots.map((o) => [o.id, o.name]), unit, (v) => set({ root: v }), { id: "root" })),
      field(t("asOf"), asOfInput),
      field(t("knownAt"), h("input", { type: "datetime-local", step: "0.001", id: "known-at", value: isoToLocal(knownAt), onchange: (e) => set({ knownAt: localToIso(e.target.value) }) })),
      h("label", { class: "inline" }, only, t("tr.onlyProblems")),
    ),
  );
  if (!unit) return;
  const [{ responsibilityTransmission: levels }, letters] = await Promise.all([gql(LEVELS, { root: unit, asOf, knownAt }), allLetters(asOf, knownAt)]);
  root.append(
    h("div", { class: "grid2" },
      h("section", { class: "card" }, transmissionChart(levels, "transmission-chart")),
      h("section", { class: "card" }, table(levelColumns(), levels)),
    ),
  );
  const mine = letters.filter((l) => l.issuer.id === unit || l.recipient.organ?.id === unit || l.recipient.id === unit);
  const overdue = (l) => l.tasks.filter((x) => x.status === "OVERDUE").length;
  const unsigned = (l) => l.status === "ISSUED";
  const shown = problems ? mine.filter((l) => unsigned(l) || overdue(l)) : mine;
  root.append(
    h("section", { class: "card" },
      h("h2", {}, `${t("tr.letterTable")}（${shown.length}/${mine.length}）`),
      table(
        [
          { title: t("tr.number"), value: (l) => l.number },
          { title: t("tr.recipient"), value: (l) => [l.recipient.name, h("span", { class: "muted" }, ` · ${t("tr.level", l.recipient.depth - 1)}`)] },
          { title: t("tr.status"), value: (l) => [L("TaskLetterStatus", l.status), unsigned(l) ? [" ", h("span", { class: "tag red" }, t("tr.unsigned"))] : null] },
          { title: t("tr.ackOn"), value: (l) => (l.acknowledgedOn ? `${l.acknowledgedOn} ${l.acknowledgedBy?.name || ""}` : "—") },
          {
            title: t("tr.tasks"),
            value: (l) => l.tasks.map((x) => h("div", {}, `${x.title}（${x.deadline}）`, " ",
              h("span", { class: `tag ${{ OVERDUE: "red", DONE: "green", IN_PROGRESS: "amber" }[x.status] || ""}` }, `${L("TaskStatus", x.status)} ${x.percent}%`))),
          },
        ],
        shown,
        { rowClass: (l) => (unsigned(l) || overdue(l) ? "problem" : ""), rowProps: (l) => ({ dataset: { letter: l.id } }), empty: t("none") },
      ),
    ),
  );
}
