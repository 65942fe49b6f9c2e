// 六必谈: talks due under the six must-talk rules in a unit's subtree, as of a date — the
// counts for every role, the obligations themselves (who, why, by when) for the roles that
// read personal data, overdue ones first.
import { gql, may } from "../api.js";
import { L, t } from "../i18n.js";
import { field, h, select, table, today } from "../ui.js";

const ROOTS = `query Roots { units(kind: ORGAN) { id name } }`;
const SUMMARY = `query TalkSummary($root: ID!, $asOf: Date) {
  talkObligationSummary(rootUnitId: $root, asOf: $asOf) { open done overdue byReason { reason open done overdue } }
}`;
const OBLIGATIONS = `query TalkObligations($unit: ID, $asOf: Date, $status: TalkObligationStatus, $after: String) {
  talkObligations(unitId: $unit, asOf: $asOf, status: $status, first: 200, after: $after) {
    obligations { id reason status aroseOn dueOn metOn person { id name } unit { id name } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const ORDER = { OVERDUE: 0, OPEN: 1, DONE: 2 };
const TAG = { OVERDUE: "red", OPEN: "amber", DONE: "green" };

export async function render(root, params, { go }) {
  const roots = (await gql(ROOTS)).units;
  const unit = params.get("unit") || roots.find((o) => o.id === "ZJ-FGW")?.id || roots[0]?.id;
  const asOf = params.get("asOf") || today();
  const status = params.get("status") || "";
  const state = { unit, asOf, status };
  const set = (patch) => go({ ...state, ...patch });
  root.append(
    h("h1", {}, t("talks.title")),
    h("div", { class: "controls card" },
      field(t("unit"), select(roots.map((o) => [o.id, o.name]), unit, (v) => set({ unit: v }), { id: "unit" })),
      field(t("asOf"), h("input", { type: "date", id: "as-of", value: asOf, onchange: (e) => set({ asOf: e.target.value }) })),
      field(t("tr.status"), select([["", t("re.all")], ...["OVERDUE", "OPEN", "DONE"].map((s) => [s, L("TalkObligationStatus", s)])], status, (v) => set({ status: v }), { id: "status" })),
    ),
  );
  if (!unit) return;
  const { talkObligationSummary: s } = await gql(SUMMARY, { root: unit, asOf });
  root.append(
    h("section", { class: "card", id: "talk-summary" },
      h("p", { class: "legend" },
        h("span", { class: "tag red" }, `${L("TalkObligationStatus", "OVERDUE")} ${s.overdue}`), " ",
        h("span", { class: "tag amber" }, `${L("TalkObligationStatus", "OPEN")} ${s.open}`), " ",
        h("span", { class: "tag green" }, `${L("TalkObligationStatus", "DONE")} ${s.done}`)),
      table(
        [
          { title: t("talks.reason"), value: (r) => L("TalkObligationReason", r.reason) },
          { title: L("TalkObligationStatus", "OVERDUE"), class: "num", value: (r) => r.overdue },
          { title: L("TalkObligationStatus", "OPEN"), class: "num", value: (r) => r.open },
          { title: L("TalkObligationStatus", "DONE"), class: "num", value: (r) => r.done },
        ],
        s.byReason,
        { empty: t("none") },
      ),
    ),
  );
  if (!may("Query.talkObligations")) {
    root.append(h("p", { class: "notice" }, t("talks.personal")));
    return;
  }
  const obligations = [];
  let after = null;
  for (let page = 0; page < 10; page++) {
    const { talkObligations: p } = await gql(OBLIGATIONS, { unit, asOf, status: status || null, after });
    obligations.push(...p.obligations);
    if (!p.pageInfo.hasNextPage) break;
    after = p.pageInfo.endCursor;
  }
  obligations.sort((a, b) => ORDER[a.status] - ORDER[b.status] || a.dueOn.localeCompare(b.dueOn));
  root.append(
    h("section", { class: "card" },
      h("h2", {}, `${t("talks.due")}（${obligations.length}）`),
      table(
        [
          { title: t("talks.person"), value: (o) => o.person?.name || "—" },
          { title: t("unit"), value: (o) => o.unit?.name || "—" },
          { title: t("talks.reason"), value: (o) => L("TalkObligationReason", o.reason) },
          { title: t("talks.arose"), value: (o) => o.aroseOn },
          { title: t("talks.dueOn"), value: (o) => o.dueOn },
          { title: t("tr.status"), value: (o) => [h("span", { class: `tag ${TAG[o.status]}` }, L("TalkObligationStatus", o.status)), o.metOn ? ` ${o.metOn}` : ""] },
        ],
        obligations,
        { empty: t("none"), rowProps: (o) => ({ dataset: { obligation: o.id, status: o.status } }) },
      ),
    ),
  );
}
