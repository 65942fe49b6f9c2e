// 责任清单: an organ's leadership team and each member's list as of a date, as known at a
// record time; against an earlier record time, rows added, removed or corrected stand out.
import { gql, may } from "../api.js";
import { L, t } from "../i18n.js";
import { field, h, instant, isoToLocal, localToIso, select, table, today } from "../ui.js";

const TEAM_ROLES = ["PRINCIPAL", "DISCIPLINE_SECRETARY", "TEAM_MEMBER"];

const ORGANS = `query Organs { units(kind: ORGAN) { id name } }`;
const TEAM = `query Team($unit: ID!, $asOf: Date, $knownAt: DateTime) {
  unit(id: $unit) { id name posts(asOf: $asOf, knownAt: $knownAt) { role from to person { id name } } }
}`;
const LIST = `query List($person: ID!, $asOf: Date, $knownAt: DateTime) {
  responsibilityList(personId: $person, asOf: $asOf, knownAt: $knownAt) {
    knownAt items { id kind area title validFrom validTo holder { id name } scope { id name } }
  }
}`;
const CHANGES = `query Changes($type: String) { events(type: $type, first: 20) { events { position entityId type recordedAt actor } } }`;
const CHANGE_TYPES = ["ResponsibilityCorrected", "ResponsibilityTransferred", "PostCorrected"];

async function team(unit, asOf, knownAt) {
  const data = await gql(TEAM, { unit, asOf, knownAt });
  const posts = (data.unit?.posts || []).filter((p) => TEAM_ROLES.includes(p.role));
  posts.sort((a, b) => TEAM_ROLES.indexOf(a.role) - TEAM_ROLES.indexOf(b.role) || a.person.id.localeCompare(b.person.id));
  return { unit: data.unit, posts };
}

async function lists(people, asOf, knownAt) {
  const answers = await Promise.all(people.map((p) => gql(LIST, { person: p, asOf, knownAt })));
  return new Map(people.map((p, i) => [p, answers[i].responsibilityList.items]));
}

function summary(item) {
  return {
    kind: L("ResponsibilityKind", item.kind),
    area: L("ResponsibilityArea", item.area),
    title: item.title,
    validFrom: item.validFrom,
    validTo: item.validTo || "",
    scope: item.scope.map((u) => u.name).join("、"),
  };
}

/** Rows of one member: now's items, each marked against the earlier answer (if any). */
export function compare(now, before) {
  if (!before) return now.map((item) => ({ item, change: null }));
  const earlier = new Map(before.map((i) => [i.id, i]));
  const later = new Set(now.map((i) => i.id));
  const rows = now.map((item) => {
    const old = earlier.get(item.id);
    if (!old) return { item, change: "added" };
    const a = summary(old), b = summary(item);
    const changed = Object.keys(b).filter((k) => a[k] !== b[k]);
    return changed.length ? { item, change: "corrected", was: Object.fromEntries(changed.map((k) => [k, a[k]])) } : { item, change: null };
  });
  for (const old of before) if (!later.has(old.id)) rows.push({ item: old, change: "removed" });
  return rows;
}

function cell(row, key) {
  const value = summary(row.item)[key];
  const was = row.was && key in row.was ? h("span", { class: "was" }, `${t("was")}：${row.was[key] || "—"}`) : null;
  return [value, was];
}

export async function render(root, params, { go }) {
  const organs = (await gql(ORGANS)).units;
  const organ = params.get("organ") || organs.find((o) => o.id === "ZJ-FGW")?.id || organs[0]?.id;
  const asOf = params.get("asOf") || today();
  const knownAt = params.get("knownAt") || null;
  const compareTo = params.get("compareTo") || null;
  const state = { organ, asOf, knownAt, compareTo };
  const set = (patch) => go({ ...state, ...patch });

  const knownInput = h("input", { type: "datetime-local", step: "0.001", id: "known-at", value: isoToLocal(knownAt) });
  knownInput.addEventListener("change", () => set({ knownAt: localToIso(knownInput.value) }));
  const compareInput = h("input", { type: "datetime-local", step: "0.001", id: "compare-to", value: isoToLocal(compareTo) });
  compareInput.addEventListener("change", () => set({ compareTo: localToIso(compareInput.value) }));
  const asOfInput = h("input", { type: "date", id: "as-of", value: asOf });
  asOfInput.addEventListener("change", () => set({ asOf: asOfInput.value }));

  root.append(
    h("h1", {}, t("lists.title")),
    h("div", { class: "controls card" },
      field(t("organ"), select(organs.map((o) => [o.id, o.name]), organ, (v) => set({ organ: v }), { id: "organ" })),
      field(t("asOf"), asOfInput),
      field(t("knownAt"), knownInput),
      field(t("compareTo"), compareInput),
      h("button", { type: "button", id: "clear-times", onclick: () => set({ knownAt: null, compareTo: null }) }, t("clear")),
    ),
  );
  if (!organ) return;

  const [current, earlier] = await Promise.all([
    team(organ, asOf, knownAt),
    compareTo ? team(organ, asOf, compareTo) : null,
  ]);
  const people = [...new Map([...current.posts, ...(earlier?.posts || [])].map((p) => [p.person.id, p])).values()];
  const ids = people.map((p) => p.person.id);
  const [now, before] = await Promise.all([lists(ids, asOf, knownAt), compareTo ? lists(ids, asOf, compareTo) : null]);

  if (compareTo) {
    root.append(
      h("p", { class: "legend" }, t("change.legend"),
        h("span", { class: "tag green" }, t("change.added")), " ",
        h("span", { class: "tag red" }, t("change.removed")), " ",
        h("span", { class: "tag amber" }, t("change.corrected")),
        h("span", { class: "muted" }, ` ${instant(compareTo)} → ${knownAt ? instant(knownAt) : t("now")}`)),
    );
  }
  const columns = [
    { title: t("item"), value: (r) => r.item.id },
    { title: t("kind"), value: (r) => cell(r, "kind") },
    { title: t("area"), value: (r) => cell(r, "area") },
    { title: t("title"), value: (r) => cell(r, "title") },
    { title: t("scope"), value: (r) => cell(r, "scope") },
    { title: t("validFrom"), value: (r) => cell(r, "validFrom") },
    { title: t("validTo"), value: (r) => cell(r, "validTo") },
    { title: "", class: "change", value: (r) => (r.change ? h("span", { class: `tag ${{ added: "green", removed: "red", corrected: "amber" }[r.change]}` }, t(`change.${r.change}`)) : "") },
  ];
  const heldNow = new Set(current.posts.map((p) => p.person.id));
  for (const post of people) {
    const rows = compare(now.get(post.person.id) || [], before ? before.get(post.person.id) || [] : null);
    root.append(
      h("section", { class: "card member", dataset: { person: post.person.id } },
        h("h3", {}, post.person.name, h("span", { class: "muted" }, `${L("PostRole", post.role)} · ${post.from}${post.to ? ` — ${post.to}` : ""}`),
          heldNow.has(post.person.id) ? null : h("span", { class: "tag red" }, t("change.removed"))),
        table(columns, rows, { rowClass: (r) => r.change || "", rowProps: (r) => ({ dataset: { item: r.item.id, change: r.change || "" } }), empty: t("lists.noItems") }),
      ),
    );
  }

  // Record times at which lists changed after the fact (for roles that read the log).
  if (may("Query.events")) {
    const found = (await Promise.all(CHANGE_TYPES.map((type) => gql(CHANGES, { type })))).flatMap((d) => d.events.events);
    found.sort((a, b) => b.position - a.position);
    if (found.length) {
      root.append(
        h("section", { class: "card" },
          h("h3", {}, t("lists.recentChanges")),
          table(
            [
              { title: t("audit.recordedAt"), value: (e) => instant(e.recordedAt) },
              { title: t("audit.type"), value: (e) => e.type },
              { title: t("item"), value: (e) => e.entityId },
              { title: t("audit.actor"), value: (e) => e.actor },
              {
                title: "",
                value: (e) => h("button", { type: "button", class: "compare-before", onclick: () => set({ knownAt: null, compareTo: new Date(new Date(e.recordedAt).getTime() - 1).toISOString() }) }, t("lists.compareBefore")),
              },
            ],
            found.slice(0, 10),
          ),
        ),
      );
    }
  }
}
