// 廉政风险岗位: risk posts in a unit's subtree and the holders whose rotation (定期轮岗)
// has fallen due, as of a date.
import { gql } from "../api.js";
import { L, t } from "../i18n.js";
import { field, h, select, table, today } from "../ui.js";

const ROOTS = `query Roots { units(kind: ORGAN) { id name } }`;
const DUE = `query RotationDue($unit: ID, $asOf: Date, $level: RiskLevel) {
  rotationDue(unitId: $unit, asOf: $asOf, level: $level) {
    since dueOn years person { id name } riskPost { id position role level maxYears unit { id name } }
  }
}`;
const POSTS = `query RiskPosts($unit: ID, $asOf: Date) {
  riskPosts(unitId: $unit, asOf: $asOf) {
    id position role level maxYears risks identifiedOn unit { id name }
    holders { since rotationDueOn years person { id name } }
  }
}`;
const LEVEL_TAG = { HIGH: "red", MEDIUM: "amber", LOW: "" };

const postName = (p) => p.position || L("PostRole", p.role) || p.id;

export async function render(root, params, { go }) {
  const roots = (await gql(ROOTS)).units;
  const unit = params.get("unit") || roots.find((o) => o.id === "ZJ-FGW")?.id || roots[0]?.id;
  const asOf = params.get("asOf") || today();
  const level = params.get("level") || "HIGH";
  const state = { unit, asOf, level };
  const set = (patch) => go({ ...state, ...patch });
  root.append(
    h("h1", {}, t("risk.title")),
    h("div", { class: "controls card" },
      field(t("unit"), select(roots.map((o) => [o.id, o.name]), unit, (v) => set({ unit: v }), { id: "unit" })),
      field(t("asOf"), h("input", { type: "date", id: "as-of", value: asOf, onchange: (e) => set({ asOf: e.target.value }) })),
      field(t("risk.level"), select([["ALL", t("re.all")], ...["HIGH", "MEDIUM", "LOW"].map((x) => [x, L("RiskLevel", x)])], level, (v) => set({ level: v }), { id: "level" })),
    ),
  );
  if (!unit) return;
  const [{ rotationDue }, { riskPosts }] = await Promise.all([
    gql(DUE, { unit, asOf, level: level === "ALL" ? null : level }),
    gql(POSTS, { unit, asOf }),
  ]);
  root.append(
    h("section", { class: "card", id: "rotation-due" },
      h("h2", {}, `${t("risk.due")}（${rotationDue.length}）`),
      table(
        [
          { title: t("talks.person"), value: (d) => d.person.name },
          { title: t("risk.post"), value: (d) => [postName(d.riskPost), h("div", { class: "muted" }, d.riskPost.unit.name)] },
          { title: t("risk.level"), value: (d) => h("span", { class: `tag ${LEVEL_TAG[d.riskPost.level]}` }, L("RiskLevel", d.riskPost.level)) },
          { title: t("risk.since"), value: (d) => d.since },
          { title: t("risk.years"), class: "num", value: (d) => `${d.years} / ${d.riskPost.maxYears}` },
          { title: t("risk.dueOn"), value: (d) => d.dueOn },
        ],
        rotationDue,
        { empty: t("none"), rowClass: () => "removed-soft", rowProps: (d) => ({ dataset: { person: d.person.id } }) },
      ),
    ),
    h("section", { class: "card", id: "risk-posts" },
      h("h2", {}, `${t("risk.posts")}（${riskPosts.length}）`),
      table(
        [
          { title: t("risk.post"), value: (p) => [postName(p), h("div", { class: "muted" }, p.unit.name)] },
          { title: t("risk.level"), value: (p) => h("span", { class: `tag ${LEVEL_TAG[p.level]}` }, L("RiskLevel", p.level)) },
          { title: t("risk.risks"), value: (p) => p.risks },
          { title: t("risk.holders"), value: (p) => p.holders.map((x) => h("div", {}, `${x.person.name} · ${x.since} · ${t("risk.dueOn")} ${x.rotationDueOn}`)) },
        ],
        riskPosts,
        { empty: t("none") },
      ),
    ),
  );
}
