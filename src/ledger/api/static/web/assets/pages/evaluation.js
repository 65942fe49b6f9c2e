// 考核: a cycle's ranking with totals, grades and vetoes; every score line of a unit on
// click; pending vetoes; the export the appraisal staff hand on (CSV / XLSX).
import { download, gql } from "../api.js";
import { chart } from "../charts.js";
import { L, currentLang, t } from "../i18n.js";
import { errorBox, field, h, num, select, table } from "../ui.js";

const CYCLES = `query Cycles { evaluationCycles { id year title status } }`;
const CYCLE = `query Cycle($id: ID!) {
  evaluationCycle(id: $id) {
    id year title status periodFrom periodTo
    results { unit { id name } baseScore total vetoed grade eligibleForAwards rank
      deductions { points } bonuses { points } pending { reason case { id } } }
  }
}`;
const RESULT = `query Result($cycle: ID!, $unit: ID!) {
  evaluationResult(cycleId: $cycle, unitId: $unit) {
    unit { id name } total grade
    criteria { rule points reason case { id } } deductions { rule points reason case { id } }
    bonuses { rule points reason case { id } } vetoReasons { rule points reason case { id } }
    pending { rule points reason case { id } }
  }
}`;

const GRADE_TAG = { EXCELLENT: "green", GOOD: "green", PASS: "amber", FAIL: "red" };
const sum = (lines) => lines.reduce((a, x) => a + x.points, 0);

export function ruleName(group, line) {
  return group === "criteria" ? line.reason : L("ScoreRule", line.rule);
}

export function scoreLines(result) {
  const groups = [
    ["criteria", t("ev.criteria")],
    ["deductions", t("ev.deductions")],
    ["bonuses", t("ev.bonuses")],
    ["vetoReasons", t("ev.vetoReasons")],
    ["pending", t("ev.pending")],
  ];
  return groups.flatMap(([key, title]) => result[key].map((line) => ({ group: title, key, line })));
}

export function rankingChart(results, id) {
  const ordered = [...results].sort((a, b) => (a.rank ?? 99) - (b.rank ?? 99));
  return chart(
    {
      tooltip: { trigger: "axis" },
      grid: { left: 120, right: 130, top: 16, bottom: 24 },
      xAxis: { type: "value", min: 0, max: 100 },
      yAxis: { type: "category", inverse: true, data: ordered.map((r) => r.unit.name) },
      series: [
        {
          type: "bar",
          data: ordered.map((r) => ({
            value: r.total,
            itemStyle: { color: r.vetoed ? "#9ca3af" : { EXCELLENT: "#067647", GOOD: "#1d4ed8", PASS: "#a15c07", FAIL: "#c8102e" }[r.grade] },
          })),
          label: {
            show: true,
            position: "right",
            formatter: (p) => `${num(p.value)} ${L("Grade", ordered[p.dataIndex].grade)}${ordered[p.dataIndex].vetoed ? ` · ${t("ev.veto")}` : ""}`,
          },
        },
      ],
    },
    { id, className: "chart small" },
  );
}

export async function render(root, params, { go }) {
  const cycles = (await gql(CYCLES)).evaluationCycles;
  root.append(h("h1", {}, t("ev.title")));
  if (!cycles.length) {
    root.append(h("p", { class: "muted" }, t("ev.noCycle")));
    return;
  }
  const id = params.get("cycle") || cycles[0].id;
  const { evaluationCycle: cycle } = await gql(CYCLE, { id });
  const results = cycle?.results || [];
  const unitParam = params.get("unit");
  const status = h("span", { id: "export-status" });
  async function exportAs(format) {
    status.replaceChildren();
    try {
      await download(`export/evaluation?cycle=${encodeURIComponent(id)}&format=${format}&lang=${currentLang()}`, `${id}.${format}`);
    } catch (error) {
      status.replaceChildren(errorBox(error));
    }
  }
  root.append(
    h("div", { class: "controls card" },
      field(t("ev.cycle"), select(cycles.map((c) => [c.id, `${c.year} · ${c.title}`]), id, (v) => go({ cycle: v }), { id: "cycle" })),
      h("div", {}, h("div", { class: "muted" }, `${t("ev.period")}：${cycle.periodFrom} — ${cycle.periodTo} · ${t("ev.status")}：${L("EvaluationCycleStatus", cycle.status)}`)),
      h("div", {}, `${t("ev.export")}：`,
        h("button", { type: "button", id: "export-csv", onclick: () => exportAs("csv") }, "CSV"), " ",
        h("button", { type: "button", id: "export-xlsx", onclick: () => exportAs("xlsx") }, "XLSX"), " ", status),
    ),
  );

  const detail = h("section", { class: "card", id: "score-lines" }, h("h2", {}, t("ev.lines")));
  async function show(row, tr) {
    root.querySelectorAll("tr.selected").forEach((x) => x.classList.remove("selected"));
    tr?.classList.add("selected");
    const { evaluationResult: result } = await gql(RESULT, { cycle: id, unit: row.unit.id });
    detail.replaceChildren(
      h("h2", {}, `${result.unit.name} · ${t("ev.total")} ${num(result.total)} · ${L("Grade", result.grade)}`),
      table(
        [
          { title: "", value: (r) => r.group },
          { title: t("ev.rule"), value: (r) => ruleName(r.key, r.line) },
          { title: t("ev.points"), class: "num", value: (r) => (r.line.points > 0 && r.key !== "criteria" ? `+${num(r.line.points)}` : num(r.line.points)) },
          { title: t("ev.reason"), value: (r) => r.line.reason },
          { title: t("ev.case"), value: (r) => (r.line.case ? h("a", { href: `#/case?case=${encodeURIComponent(r.line.case.id)}` }, r.line.case.id) : "") },
        ],
        scoreLines(result),
        { rowClass: (r) => ({ deductions: "removed-soft", vetoReasons: "veto", pending: "corrected" })[r.key] || "", rowProps: (r) => ({ dataset: { rule: r.line.rule } }) },
      ),
    );
  }

  const ranking = table(
    [
      { title: t("ev.rank"), class: "num", value: (r) => r.rank ?? "" },
      { title: t("unit"), value: (r) => r.unit.name },
      { title: t("ev.base"), class: "num", value: (r) => num(r.baseScore) },
      { title: t("ev.deductions"), class: "num", value: (r) => num(sum(r.deductions)) },
      { title: t("ev.bonuses"), class: "num", value: (r) => num(sum(r.bonuses)) },
      { title: t("ev.total"), class: "num", value: (r) => num(r.total) },
      { title: t("ev.grade"), value: (r) => h("span", { class: `tag ${GRADE_TAG[r.grade]}` }, L("Grade", r.grade)) },
      { title: t("ev.veto"), value: (r) => (r.vetoed ? h("span", { class: "tag red" }, t("ev.veto")) : t("no")) },
      { title: t("ev.awards"), value: (r) => (r.eligibleForAwards ? t("yes") : t("no")) },
    ],
    results,
    { onClick: (r, tr) => show(r, tr).catch((error) => detail.replaceChildren(errorBox(error))), rowProps: (r) => ({ dataset: { unit: r.unit.id } }) },
  );
  root.append(
    h("div", { class: "grid2" }, h("section", { class: "card" }, ranking), h("section", { class: "card" }, rankingChart(results, "ranking-chart"))),
    detail,
  );
  const pending = results.flatMap((r) => r.pending.map((line) => ({ unit: r.unit, line })));
  root.append(
    h("section", { class: "card", id: "pending" },
      h("h2", {}, t("ev.pending")),
      table(
        [
          { title: t("unit"), value: (p) => p.unit.name },
          { title: t("ev.reason"), value: (p) => p.line.reason },
          { title: t("ev.case"), value: (p) => p.line.case?.id || "" },
        ],
        pending,
        { empty: t("none") },
      ),
    ),
  );
  const chosen = results.find((r) => r.unit.id === unitParam);
  if (chosen) await show(chosen, ranking.querySelector(`tr[data-unit="${CSS.escape(chosen.unit.id)}"]`));
}
