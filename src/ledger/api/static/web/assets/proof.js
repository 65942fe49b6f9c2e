// Checking an inclusion proof in the browser with Web Crypto, the way tools/verify_proof.py
// does offline: the digest's Ed25519 signature (when a trusted key is given), the event's
// stored bytes against its payload hash, its leaf hash, and the RFC 9162 audit path up to
// the digest's Merkle root.
const enc = new TextEncoder();

export function hex(bytes) {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export function unhex(text) {
  return Uint8Array.from(text.match(/../g) || [], (x) => parseInt(x, 16));
}

export function unbase64(text) {
  return Uint8Array.from(atob(text.trim()), (c) => c.charCodeAt(0));
}

async function sha256(...parts) {
  const size = parts.reduce((n, p) => n + p.length, 0);
  const all = new Uint8Array(size);
  let at = 0;
  for (const p of parts) { all.set(p, at); at += p.length; }
  return new Uint8Array(await crypto.subtle.digest("SHA-256", all));
}

const node = (left, right) => sha256(Uint8Array.of(1), left, right);

/** RFC 9162, 2.1.3.2: does `path` lead from the leaf at `index` of a tree of `size` to `root`? */
export async function verifyInclusion(index, size, leaf, path, root) {
  if (!(index >= 0 && index < size)) return false;
  let fn = index, sn = size - 1, r = leaf;
  for (const p of path) {
    if (sn === 0) return false;
    if (fn & 1 || fn === sn) {
      r = await node(p, r);
      while (!(fn & 1) && fn !== 0) { fn >>= 1; sn >>= 1; }
    } else {
      r = await node(r, p);
    }
    fn >>= 1; sn >>= 1;
  }
  return sn === 0 && hex(r) === hex(root);
}

/** Python's json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=True). */
export function canonicalJson(value) {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value).sort().map((k) => `${canonicalJson(k)}:${canonicalJson(value[k])}`).join(",")}}`;
  }
  if (typeof value === "string") {
    return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  }
  return JSON.stringify(value);
}

/** Every check with its outcome: [{check, ok}]; the proof holds when all are ok. */
export async function checkProof(digest, proof, publicKeyText) {
  const checks = [];
  const add = (check, ok) => checks.push({ check, ok: Boolean(ok) });
  if (publicKeyText && publicKeyText.trim()) {
    const trusted = unbase64(publicKeyText.trim().replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""));
    const raw = trusted.length === 32 ? trusted : trusted.slice(-32); // PEM SPKI ends with the raw key
    add("digest names the trusted key", hex(unbase64(digest.publicKey || "")) === hex(raw));
    let valid = false;
    try {
      const key = await crypto.subtle.importKey("raw", raw, { name: "Ed25519" }, false, ["verify"]);
      const body = Object.fromEntries(Object.entries(digest).filter(([k]) => k !== "signature"));
      valid = await crypto.subtle.verify("Ed25519", key, unbase64(digest.signature), enc.encode(canonicalJson(body)));
    } catch { valid = false; }
    add("digest signature (Ed25519)", valid);
  }
  const leaf = proof.leaf;
  add("proof is against this digest (tree size, root)", proof.treeSize === digest.treeSize && proof.root === digest.merkleRoot);
  add("position within the digest", leaf.position === proof.position && proof.position <= digest.position);
  if (proof.storedState != null) {
    add("stored bytes match the payload hash", hex(await sha256(unbase64(proof.storedState))) === leaf.payloadHash);
  }
  const canonical = JSON.stringify([leaf.position, leaf.originatorId, leaf.version, leaf.topic, leaf.payloadHash]);
  const leafHash = await sha256(Uint8Array.of(0), enc.encode(canonical));
  add("leaf hash from the event's fields", hex(leafHash) === proof.leafHash);
  add(
    "audit path leads to the digest's Merkle root",
    await verifyInclusion(proof.leafIndex, digest.treeSize, leafHash, proof.auditPath.map(unhex), unhex(digest.merkleRoot)),
  );
  return checks;
}
