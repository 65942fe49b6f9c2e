// The ledger's web front: a hash router over the pages, the sign-in, the language switch.
// Every page reads the ledger through the public GraphQL API with the user's own token.
import { claims, gql, may, permissionTable, session } from "./api.js";
import { currentLang, loadLabels, setLang, t } from "./i18n.js";
import { disposeCharts } from "./charts.js";
import { errorBox, h } from "./ui.js";

// Each page with the restricted reads it cannot do without (from the permission table):
// a role that may not read them does not see the page in the menu.
export const PAGES = [
  { id: "lists", needs: [] },
  { id: "transmission", needs: [] },
  { id: "evaluation", needs: [] },
  { id: "case", needs: ["Query.accountabilityChain"] },
  { id: "audit", needs: ["Query.history"] },
  { id: "live", needs: ["Subscription.ledgerEvents"] },
  { id: "talks", needs: [] },
  { id: "rectifications", needs: [] },
  { id: "risk", needs: [] },
  { id: "report", needs: [] },
];

const main = document.getElementById("main");
let cleanup = null;

function route() {
  const [path, query] = location.hash.replace(/^#\/?/, "").split("?");
  return { id: path || "lists", params: new URLSearchParams(query || "") };
}

export function allowed(page) {
  return page.needs.every((coordinate) => may(coordinate));
}

/** Go to a page with these parameters (history entry; the hash never carries a token). */
export function go(id, params = {}) {
  const query = new URLSearchParams(
    Object.entries(params).filter(([, v]) => v !== null && v !== undefined && v !== ""),
  ).toString();
  const hash = `#/${id}${query ? `?${query}` : ""}`;
  if (location.hash === hash) render();
  else location.hash = hash;
}

function renderChrome(active) {
  document.title = `${t(`page.${active}`)} · ${t("brand")}`;
  document.getElementById("brand").textContent = t("brand");
  document.getElementById("lang").textContent = t("switchLang");
  const nav = document.getElementById("nav");
  const who = document.getElementById("who");
  const c = claims();
  nav.replaceChildren(
    ...(c
      ? PAGES.filter(allowed).map((p) =>
          h("a", { href: `#/${p.id}`, class: p.id === active ? "active" : "", dataset: { page: p.id } }, t(`page.${p.id}`)),
        )
      : []),
  );
  who.replaceChildren(
    ...(c
      ? [
          h("span", { id: "who-role" }, `${c.sub} · ${t(`role.${c.role}`)}`),
          h("span", {}, ` · ${Array.isArray(c.units) ? c.units.join("、") || t("none") : t("allUnits")}`),
          h("button", { type: "button", id: "sign-out", onclick: signOut }, t("signOut")),
        ]
      : []),
  );
}

function signOut() {
  session.clear();
  location.hash = "#/login";
  render();
}

async function render() {
  if (cleanup) {
    try { cleanup(); } catch { /* the page is gone anyway */ }
    cleanup = null;
  }
  disposeCharts();
  const { id, params } = route();
  main.dataset.state = "loading";
  main.dataset.page = session.token ? id : "login";
  if (!session.token || id === "login") {
    renderChrome("login");
    const { render: login } = await import("./pages/login.js");
    await login(main, { onSignedIn });
    main.dataset.state = "ready";
    return;
  }
  const page = PAGES.find((p) => p.id === id) || PAGES[0];
  renderChrome(page.id);
  main.replaceChildren(h("p", { class: "muted" }, t("loading")));
  if (!allowed(page)) {
    main.replaceChildren(h("div", { class: "notice" }, t("forbiddenPage")));
    main.dataset.state = "ready";
    return;
  }
  try {
    const module = await import(`./pages/${page.id}.js`);
    const root = h("div", { class: `page page-${page.id}` });
    main.replaceChildren(root);
    cleanup = (await module.render(root, params, { go: (p) => go(page.id, p), lang: currentLang() })) || null;
    main.dataset.state = "ready";
  } catch (error) {
    if (error.code === "UNAUTHENTICATED") {
      session.clear();
      location.hash = "#/login";
      return;
    }
    main.replaceChildren(errorBox(error));
    main.dataset.state = "error";
  }
}

async function onSignedIn() {
  await loadLabels();
  go("lists");
}

document.getElementById("lang").addEventListener("click", async () => {
  setLang(currentLang() === "zh" ? "en" : "zh");
  if (session.token) await loadLabels().catch(() => {});
  render();
});

window.addEventListener("hashchange", render);

(async () => {
  setLang(currentLang());
  await permissionTable();
  if (session.token) {
    try {
      await loadLabels();
    } catch (error) {
      if (error.code === "UNAUTHENTICATED") session.clear();
    }
  }
  render();
})();
