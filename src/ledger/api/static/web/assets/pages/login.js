// Sign in: paste or upload a token. It is checked against the server, then kept in this
// tab's session storage (never in the address).
import { claims, gql, session } from "../api.js";
import { t } from "../i18n.js";
import { PAGES, allowed } from "../app.js";
import { errorBox, h } from "../ui.js";

export async function render(root, { onSignedIn }) {
  const area = h("textarea", { id: "token", rows: 5, placeholder: "eyJhbGciOi…", autocomplete: "off", spellcheck: false });
  const file = h("input", { type: "file", id: "token-file", accept: ".txt,.jwt,.token,text/plain" });
  const status = h("div", { id: "login-status" });
  file.addEventListener("change", async () => {
    if (file.files[0]) area.value = (await file.files[0].text()).trim();
  });
  async function submit(event) {
    event.preventDefault();
    const token = area.value.trim().replace(/^Bearer\s+/i, "");
    if (!token) return;
    session.set(token);
    try {
      await gql("query SignIn { __typename }");
    } catch (error) {
      session.clear();
      status.replaceChildren(errorBox({ code: error.code, message: t("login.bad") }));
      return;
    }
    await onSignedIn();
  }
  const c = claims();
  root.replaceChildren(
    h("div", { class: "card login" },
      h("h1", {}, t("login.title")),
      h("form", { onsubmit: submit },
        h("p", {}, t("login.paste")),
        area,
        h("p", {}, t("login.file"), " ", file),
        h("p", {}, h("button", { type: "submit", class: "primary", id: "sign-in" }, t("login.submit"))),
      ),
      h("p", { class: "muted" }, t("login.help")),
      status,
      c ? h("p", {}, t("login.hidden"), PAGES.filter((p) => !allowed(p)).map((p) => t(`page.${p.id}`)).join("、") || t("none")) : null,
    ),
  );
}
