// 整改: rectification orders on findings (巡察, 专项检查, 审计, 明察暗访) in a unit's
// subtree, as of a date: overdue ones first, those due within 30 days marked.
import { gql } from "../api.js";
import { L, t } from "../i18n.js";
import { field, h, select, table, today } from "../ui.js";

const ROOTS = `query Roots { units(kind: ORGAN) { id name } }`;
const RECTIFICATIONS = `query Rectifications($unit: ID, $asOf: Date, $status: RectificationStatus) {
  rectifications(unitId: $unit, asOf: $asOf, status: $status) {
    id requirement orderedOn dueOn status percent completedOn review
    unit { id name } owner { id name } finding { id source foundOn description }
  }
}`;
const ORDER = { OVERDUE: 0, OPEN: 1, DONE: 2 };
const DAY = 86400000;

export async function render(root, params, { go }) {
  const roots = (await gql(ROOTS)).units;
  const unit = params.get("unit") || roots.find((o) => o.id === "ZJ-FGW")?.id || roots[0]?.id;
  const asOf = params.get("asOf") || today();
  const status = params.get("status") || "";
  const state = { unit, asOf, status };
  const set = (patch) => go({ ...state, ...patch });
  root.append(
    h("h1", {}, t("re.title")),
    h("div", { class: "controls card" },
      field(t("unit"), select(roots.map((o) => [o.id, o.name]), unit, (v) => set({ unit: v }), { id: "unit" })),
      field(t("asOf"), h("input", { type: "date", id: "as-of", value: asOf, onchange: (e) => set({ asOf: e.target.value }) })),
      field(t("tr.status"), select([["", t("re.all")], ...["OVERDUE", "OPEN", "DONE"].map((s) => [s, L("RectificationStatus", s)])], status, (v) => set({ status: v }), { id: "status" })),
    ),
  );
  const { rectifications } = await gql(RECTIFICATIONS, { unit, asOf, status: status || null });
  const soon = (r) => r.status === "OPEN" && (new Date(r.dueOn) - new Date(asOf)) / DAY <= 30;
  const rows = [...rectifications].sort((a, b) => ORDER[a.status] - ORDER[b.status] || a.dueOn.localeCompare(b.dueOn));
  const counts = Object.fromEntries(["OVERDUE", "OPEN", "DONE"].map((s) => [s, rectifications.filter((r) => r.status === s).length]));
  root.append(
    h("p", { class: "legend" },
      h("span", { class: "tag red" }, `${L("RectificationStatus", "OVERDUE")} ${counts.OVERDUE}`), " ",
      h("span", { class: "tag amber" }, `${t("re.dueSoon")} ${rectifications.filter(soon).length}`), " ",
      h("span", { class: "tag" }, `${L("RectificationStatus", "OPEN")} ${counts.OPEN}`), " ",
      h("span", { class: "tag green" }, `${L("RectificationStatus", "DONE")} ${counts.DONE}`)),
    h("section", { class: "card" },
      table(
        [
          { title: t("re.finding"), value: (r) => (r.finding ? [L("FindingSource", r.finding.source), " · ", r.finding.foundOn, h("div", { class: "muted" }, r.finding.description)] : "—") },
          { title: t("re.requirement"), value: (r) => r.requirement },
          { title: t("unit"), value: (r) => r.unit.name },
          { title: t("re.owner"), value: (r) => r.owner.name },
          { title: t("re.due"), value: (r) => [r.dueOn, soon(r) ? [" ", h("span", { class: "tag amber" }, t("re.dueSoon"))] : null] },
          { title: t("tr.status"), value: (r) => [h("span", { class: `tag ${{ OVERDUE: "red", DONE: "green" }[r.status] || ""}` }, `${L("RectificationStatus", r.status)} ${r.percent}%`), r.review ? h("div", { class: "muted" }, L("RectificationReview", r.review)) : null] },
        ],
        rows,
        { empty: t("none"), rowClass: (r) => (r.status === "OVERDUE" ? "removed-soft" : soon(r) ? "corrected" : ""), rowProps: (r) => ({ dataset: { rectification: r.id, status: r.status } }) },
      ),
    ),
  );
}
