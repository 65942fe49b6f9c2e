// 审计: an entity's history with actor and chain hash, the ledger's verification, and an
// inclusion proof of one event checked here in the browser against a digest the user keeps.
import { gql, may } from "../api.js";
import { t } from "../i18n.js";
import { checkProof } from "../proof.js";
import { errorBox, field, h, instant, table } from "../ui.js";

const HISTORY = `query History($id: ID!) { history(entityId: $id) { position entityId version type recordedAt actor payload hash } }`;
const VERIFY = `query Verify { verifyLedger { ok checkedEvents headPosition headHash firstBadPosition problem } treeHead { treeSize merkleRoot } }`;
const PROOF = `query Proof($position: Int!, $size: Int) {
  inclusionProof(position: $position, treeSize: $size) { position leafIndex treeSize leafHash auditPath root storedState
    leaf { position originatorId version topic payloadHash canonical } }
}`;

export async function render(root, params, { go }) {
  const entity = params.get("entity") || "R-IC-TZC-NYJ";
  const input = h("input", { id: "entity", value: entity, size: 24 });
  root.append(
    h("h1", {}, t("audit.title")),
    h("form", { class: "controls card", onsubmit: (e) => { e.preventDefault(); go({ entity: input.value.trim() }); } },
      field(t("audit.entity"), input),
      h("button", { type: "submit", class: "primary", id: "show-history" }, t("audit.show")),
    ),
  );

  // Verification of the whole log: for unscoped tokens of the roles that read the log.
  const verification = h("section", { class: "card", id: "verification" }, h("h2", {}, t("audit.verify")));
  async function verify() {
    const body = verification.querySelector(".body") || verification.appendChild(h("div", { class: "body" }));
    body.replaceChildren(h("p", { class: "muted" }, t("loading")));
    const { verifyLedger: v, treeHead } = await gql(VERIFY);
    body.replaceChildren(
      h("div", { class: v.ok ? "ok" : "error", id: "verify-status" },
        v.ok ? `✓ ${t("audit.ok")}` : `✗ ${t("audit.bad")}: #${v.firstBadPosition} ${v.problem || ""}`,
        ` · ${t("audit.checked")} ${v.checkedEvents} · ${t("audit.head")} ${v.headPosition}`),
      h("p", { class: "hash" }, `${t("audit.hash")} ${v.headHash}`, h("br"), `${t("audit.treeHead")} ${treeHead.merkleRoot}（${treeHead.treeSize}）`),
      h("button", { type: "button", onclick: verify }, t("audit.verifyRun")),
    );
  }
  if (may("Query.verifyLedger")) await verify();
  else verification.append(h("p", { class: "notice" }, t("audit.wholeLog")));

  const { history } = await gql(HISTORY, { id: entity });
  let chosen = history[history.length - 1] || null;
  const payload = h("div", { id: "payload" });
  const showPayload = () => payload.replaceChildren(chosen ? h("pre", {}, JSON.stringify(chosen.payload, null, 2)) : "");
  const historyTable = table(
    [
      { title: t("audit.position"), class: "num", value: (e) => e.position },
      { title: t("audit.type"), value: (e) => e.type },
      { title: t("audit.actor"), value: (e) => e.actor },
      { title: t("audit.recordedAt"), value: (e) => instant(e.recordedAt) },
      { title: t("audit.hash"), value: (e) => h("span", { class: "hash", title: e.hash }, `${e.hash.slice(0, 16)}…`) },
    ],
    history,
    {
      empty: t("none"),
      rowClass: (e) => (e === chosen ? "selected" : ""),
      rowProps: (e) => ({ dataset: { position: e.position } }),
      onClick: (e, tr) => {
        chosen = e;
        historyTable.querySelectorAll("tr.selected").forEach((x) => x.classList.remove("selected"));
        tr.classList.add("selected");
        showPayload();
        result.replaceChildren();
      },
    },
  );
  showPayload();

  // The inclusion proof, checked here: nothing but the digest file and (optionally) the key.
  const digestFile = h("input", { type: "file", id: "digest-file", accept: ".json,application/json" });
  const keyText = h("textarea", { id: "public-key", rows: 2, placeholder: "base64 / PEM" });
  const result = h("div", { id: "proof-result" });
  async function prove() {
    result.replaceChildren();
    if (!chosen) return result.append(errorBox({ message: t("audit.pickEvent") }));
    if (!digestFile.files[0]) return result.append(errorBox({ message: t("audit.needDigest") }));
    try {
      const digest = JSON.parse(await digestFile.files[0].text());
      const { inclusionProof } = await gql(PROOF, { position: chosen.position, size: digest.treeSize });
      const checks = await checkProof(digest, inclusionProof, keyText.value);
      const ok = checks.every((c) => c.ok);
      result.append(
        h("div", { class: ok ? "ok" : "error", id: "proof-verdict" }, `${ok ? "✓" : "✗"} ${ok ? t("audit.proofOk") : t("audit.proofBad")}（#${chosen.position} / ${digest.treeSize}）`),
        h("ul", {}, checks.map((c) => h("li", { class: c.ok ? "" : "error" }, `${c.ok ? "✓" : "✗"} ${c.check}`))),
      );
    } catch (error) {
      result.append(errorBox(error));
    }
  }
  root.append(
    h("section", { class: "card" }, h("h2", {}, `${t("audit.history")} · ${entity}`), historyTable, h("h3", {}, t("audit.payload")), payload),
    h("section", { class: "card", id: "proof" },
      h("h2", {}, t("audit.proof")),
      h("div", { class: "controls" }, field(t("audit.digest"), digestFile), field(t("audit.pubkey"), keyText),
        h("button", { type: "button", class: "primary", id: "prove", onclick: prove }, t("audit.prove"))),
      result,
    ),
    verification,
  );
}
