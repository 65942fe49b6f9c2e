// 一案双查: one case with its accountability chain drawn level by level from the facts unit
// up to the organ, the gaps (责任空档), the decisions and their state, and who held each
// role over the facts period — as the ledger knew it at a chosen record time.
import { gql } from "../api.js";
import { chart } from "../charts.js";
import { L, t } from "../i18n.js";
import { field, h, isoToLocal, localToIso, select, table } from "../ui.js";

const CASES = `query Cases { cases { id category registeredOn unit { id name } } }`;
const CASE = `query Case($id: ID!, $knownAt: DateTime) {
  case(id: $id) {
    id category discovery factsOn factsUntil registeredOn summary form decision concludedOn
    unit { id name depth } subject { id name }
    accountabilityChain(knownAt: $knownAt) {
      knownAt
      links { kind person { id name } unit { id name depth } post { role from to } basis { id title } measure heldFrom heldTo }
      gaps { kind unit { id name depth } from to reason }
    }
    decisions(knownAt: $knownAt) { id person { name } unit { name } measures degree reason on revokedOn stale link { kind person { name } } }
  }
}`;

const KIND_ORDER = ["DIRECT", "IN_CHARGE", "PRINCIPAL", "SUPERVISORY"];

/** The chain's levels from the organ (top) down to the facts unit, each with its links
 * and gaps. */
export function levels(chain) {
  const byUnit = new Map();
  const level = (unit) => {
    if (!byUnit.has(unit.id)) byUnit.set(unit.id, { unit, links: [], gaps: [] });
    return byUnit.get(unit.id);
  };
  chain.links.forEach((l) => level(l.unit).links.push(l));
  chain.gaps.forEach((g) => level(g.unit).gaps.push(g));
  for (const x of byUnit.values()) x.links.sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind));
  return [...byUnit.values()].sort((a, b) => a.unit.depth - b.unit.depth);
}

function linkBox(l) {
  return h("div", { class: "link", dataset: { kind: l.kind } },
    h("strong", {}, L("ResponsibilityKind", l.kind)), " ",
    l.person.name, h("span", { class: "muted" }, ` · ${L("PostRole", l.post.role)}`),
    h("div", { class: "muted" }, `${t("case.held")}：${l.heldFrom} — ${l.heldTo || "…"}`),
    l.basis ? h("div", { class: "muted" }, `${t("case.basis")}：${l.basis.title}`) : null,
    l.measure ? h("div", {}, h("span", { class: "tag amber" }, L("AccountabilityMeasure", l.measure))) : null,
  );
}

function gapBox(g) {
  return h("div", { class: "link gap", dataset: { gap: g.kind } },
    h("strong", {}, `${t("case.gaps")}：${L("ResponsibilityKind", g.kind)}`),
    h("div", {}, `${g.from} — ${g.to} · ${L("GapReason", g.reason)}`),
  );
}

export function ladder(chain) {
  const rows = levels(chain);
  return h("div", { class: "ladder-down", id: "chain" },
    rows.map((x, i) => [
      i ? h("div", { class: "level-arrow" }, "▲") : null,
      h("div", { class: "level", dataset: { unit: x.unit.id } },
        h("h3", {}, x.unit.name, h("span", { class: "muted" }, ` · ${t("case.level")} ${x.unit.depth}`)),
        x.links.map(linkBox), x.gaps.map(gapBox)),
    ]),
  );
}

const DAY = 86400000;
const ms = (d) => new Date(`${d}T00:00:00Z`).getTime();

/** Who held each role of the chain, as bars on a time axis, with the facts period marked. */
export function timeline(c, id) {
  const links = c.accountabilityChain.links;
  const cats = links.map((l) => `${L("ResponsibilityKind", l.kind)} · ${l.person.name}（${l.unit.name}）`);
  const factsFrom = ms(c.factsOn), factsTo = ms(c.factsUntil || c.factsOn) + DAY;
  const starts = links.map((l) => ms(l.heldFrom));
  const min = Math.max(Math.min(factsFrom - 365 * DAY, ...starts), factsFrom - 4 * 365 * DAY);
  const max = Math.max(factsTo + 365 * DAY, ...links.filter((l) => l.heldTo).map((l) => ms(l.heldTo) + 90 * DAY));
  const data = links.map((l, i) => [i, Math.max(ms(l.heldFrom), min), l.heldTo ? ms(l.heldTo) + DAY : max]);
  const gaps = c.accountabilityChain.gaps.map((g) => [{ xAxis: ms(g.from), itemStyle: { color: "rgba(180,35,24,.15)" } }, { xAxis: ms(g.to) + DAY }]);
  return chart(
    {
      tooltip: { formatter: (p) => `${cats[p.value[0]]}<br>${new Date(p.value[1]).toISOString().slice(0, 10)} — ${links[p.value[0]].heldTo || "…"}` },
      grid: { left: 260, right: 24, top: 24, bottom: 28 },
      xAxis: { type: "time", min, max },
      yAxis: { type: "category", data: cats, inverse: true },
      series: [
        {
          type: "custom",
          renderItem: (params, api) => {
            const start = api.coord([api.value(1), api.value(0)]);
            const end = api.coord([api.value(2), api.value(0)]);
            const height = api.size([0, 1])[1] * 0.5;
            return { type: "rect", shape: { x: start[0], y: start[1] - height / 2, width: Math.max(end[0] - start[0], 2), height }, style: api.style() };
          },
          encode: { x: [1, 2], y: 0 },
          data,
          markArea: { silent: true, itemStyle: { color: "rgba(200,16,46,.12)" }, data: [[{ name: t("case.factsPeriod"), xAxis: factsFrom }, { xAxis: factsTo }], ...gaps] },
          markLine: { silent: true, symbol: "none", lineStyle: { color: "#c8102e", type: "dashed" }, label: { show: false }, data: [{ xAxis: factsFrom }] },
        },
      ],
    },
    { id, className: "chart small" },
  );
}

function decisionState(d) {
  if (d.revokedOn) return h("span", { class: "tag" }, `${t("case.revoked")} ${d.revokedOn}`);
  if (d.stale) return h("span", { class: "tag red" }, t("case.stale"));
  return h("span", { class: "tag green" }, t("case.valid"));
}

export async function render(root, params, { go }) {
  const cases = (await gql(CASES)).cases;
  const id = params.get("case") || cases.find((c) => c.id === "CASE-2024-ROT")?.id || cases[0]?.id;
  const knownAt = params.get("knownAt") || null;
  const knownInput = h("input", { type: "datetime-local", step: "0.001", id: "known-at", value: isoToLocal(knownAt) });
  knownInput.addEventListener("change", () => go({ case: id, knownAt: localToIso(knownInput.value) }));
  root.append(
    h("h1", {}, t("case.title")),
    h("div", { class: "controls card" },
      field(t("case.pick"), select(cases.map((c) => [c.id, `${c.id} · ${c.unit.name} · ${L("ViolationCategory", c.category)}`]), id, (v) => go({ case: v, knownAt }), { id: "case-pick" })),
      field(t("knownAt"), knownInput),
    ),
  );
  if (!id) return;
  const { case: c } = await gql(CASE, { id, knownAt });
  const chain = c.accountabilityChain;
  root.append(
    h("section", { class: "card" },
      h("dl", { class: "kv" },
        h("dt", {}, t("case.unit")), h("dd", {}, c.unit.name),
        h("dt", {}, t("case.subject")), h("dd", {}, c.subject?.name || "—"),
        h("dt", {}, t("case.category")), h("dd", {}, L("ViolationCategory", c.category)),
        h("dt", {}, t("case.discovery")), h("dd", {}, L("Discovery", c.discovery)),
        h("dt", {}, t("case.facts")), h("dd", {}, c.factsUntil ? `${c.factsOn} — ${c.factsUntil}` : c.factsOn),
        h("dt", {}, t("case.registered")), h("dd", {}, c.registeredOn),
        h("dt", {}, t("case.form")), h("dd", {}, c.form ? `${L("DisciplineForm", c.form)}（${t("case.concluded")} ${c.concludedOn}）` : "—"),
        h("dt", {}, t("case.summary")), h("dd", {}, c.summary || "—"),
      ),
    ),
    h("div", { class: "grid2" },
      h("section", { class: "card" }, h("h2", {}, t("case.chain")), ladder(chain),
        chain.gaps.length ? null : h("p", { class: "muted" }, t("case.noGaps"))),
      h("section", { class: "card" }, h("h2", {}, t("case.timeline")), timeline(c, "timeline-chart")),
    ),
    h("section", { class: "card", id: "decisions" },
      h("h2", {}, t("case.decisions")),
      table(
        [
          { title: t("case.person"), value: (d) => d.person?.name || d.unit?.name || "" },
          { title: t("case.measure"), value: (d) => d.measures.map((m) => L("AccountabilityMeasure", m)).join("、") },
          { title: t("case.degree"), value: (d) => L("AccountabilityDegree", d.degree) || "—" },
          { title: t("case.reasonCol"), value: (d) => d.reason },
          { title: t("case.on"), value: (d) => d.on },
          { title: t("case.state"), value: decisionState },
        ],
        c.decisions,
        { empty: t("case.noDecisions"), rowProps: (d) => ({ dataset: { decision: d.id } }) },
      ),
    ),
  );
}
