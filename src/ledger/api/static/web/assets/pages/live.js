// Live: new events as they are committed, by the ledgerEvents subscription
// (graphql-transport-ws, the token in connection_init, never in the address).
import { session } from "../api.js";
import { t } from "../i18n.js";
import { h, instant } from "../ui.js";
import { createClient } from "../vendor/graphql-ws/client.js";

const SUBSCRIPTION = "subscription Live { ledgerEvents { position entityId type recordedAt actor hash } }";

export async function render(root) {
  const status = h("p", { id: "live-status", class: "muted" }, t("loading"));
  const count = h("span", { id: "live-count" }, "0");
  const body = h("tbody", { id: "live-events" });
  root.append(
    h("h1", {}, t("live.title")),
    h("div", { class: "card" }, status, h("p", {}, `${t("live.count")}：`, count)),
    h("section", { class: "card" },
      h("table", {},
        h("thead", {}, h("tr", {}, [t("audit.position"), t("audit.type"), t("audit.entity"), t("audit.actor"), t("audit.recordedAt"), t("audit.hash")].map((x) => h("th", {}, x)))),
        body)),
  );
  const url = new URL("../graphql", location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  const client = createClient({
    url: url.href,
    connectionParams: { Authorization: `Bearer ${session.token}` },
    lazy: false,
    retryAttempts: 3,
    on: {
      connected: () => {
        status.textContent = `${t("live.connected")} · ${t("live.waiting")}`;
        root.dataset.live = "connected";
      },
      closed: () => { status.textContent = t("live.closed"); },
    },
  });
  let received = 0;
  const stop = client.subscribe(
    { query: SUBSCRIPTION },
    {
      next: ({ data, errors }) => {
        if (errors?.length) {
          status.textContent = errors.map((e) => e.message).join("; ");
          return;
        }
        const e = data.ledgerEvents;
        received += 1;
        count.textContent = String(received);
        body.prepend(h("tr", { class: "live-new", dataset: { entity: e.entityId, position: e.position } },
          h("td", { class: "num" }, e.position), h("td", {}, e.type), h("td", {}, e.entityId), h("td", {}, e.actor),
          h("td", {}, instant(e.recordedAt)), h("td", { class: "hash" }, `${e.hash.slice(0, 16)}…`)));
        while (body.children.length > 200) body.lastChild.remove();
      },
      error: (error) => { status.textContent = `${t("live.closed")}: ${error?.reason || error?.message || error}`; },
      complete: () => {},
    },
  );
  return () => { stop(); client.dispose(); };
}
