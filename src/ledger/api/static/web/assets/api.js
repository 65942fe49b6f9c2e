// The ledger's public GraphQL API, with the user's own token. The token lives in this
// tab's session storage only: never in a URL, never in local storage, never in a cookie.
const KEY = "ledger.token";
export const GRAPHQL = new URL("../graphql", location.href).href;

export const session = {
  get token() { return sessionStorage.getItem(KEY); },
  set(token) { sessionStorage.setItem(KEY, token.trim()); },
  clear() { sessionStorage.removeItem(KEY); },
};

/** The token's claims (sub, role, units, exp), read without checking the signature: the
 * server checks it on every request; the page only uses them to show who is signed in and
 * to hide what the role may not read. */
export function claims(token = session.token) {
  if (!token) return null;
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const bytes = Uint8Array.from(atob(part), (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return null;
  }
}

export class ApiError extends Error {
  constructor(errors) {
    super(errors.map((e) => e.message).join("; "));
    this.errors = errors;
    this.code = errors[0]?.extensions?.code || "INTERNAL";
  }
}

/** POST a query; the data, or an ApiError carrying the first error's extensions.code. With
 * `partial`, the whole body ({data, errors}) comes back instead of throwing. */
export async function gql(query, variables = {}, { partial = false } = {}) {
  const headers = { "Content-Type": "application/json", Accept: "application/json" };
  if (session.token) headers.Authorization = `Bearer ${session.token}`;
  const response = await fetch(GRAPHQL, {
    method: "POST",
    headers,
    body: JSON.stringify({ query, variables }),
    credentials: "omit",
  });
  let body;
  try {
    body = await response.json();
  } catch {
    throw new ApiError([{ message: `HTTP ${response.status}`, extensions: { code: "INTERNAL" } }]);
  }
  if (partial) return body;
  if (body.errors?.length) throw new ApiError(body.errors);
  return body.data;
}

/** A file the server makes (an export), fetched with the token in the header and handed
 * to the browser as a download: the token never goes into the address. */
export async function download(path, filename) {
  const response = await fetch(new URL(path, location.href).href, {
    headers: { Authorization: `Bearer ${session.token}` },
    credentials: "omit",
  });
  if (!response.ok) {
    let errors = [{ message: `HTTP ${response.status}`, extensions: { code: "INTERNAL" } }];
    try { errors = (await response.json()).errors || errors; } catch { /* not JSON */ }
    throw new ApiError(errors);
  }
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const a = Object.assign(document.createElement("a"), { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  return blob;
}

let table = null;
/** The permission table (GET /web/permissions.json), fetched once. */
export async function permissionTable() {
  if (!table) table = await (await fetch(new URL("permissions.json", location.href).href)).json();
  return table;
}

/** May the signed-in role read this GraphQL coordinate (e.g. "Query.history")? */
export function may(coordinate) {
  const c = claims();
  if (!c || !table) return false;
  const rule = table.reads[coordinate];
  if (!rule) return true;
  if (!rule.roles.includes(c.role)) return false;
  return !(rule.wholeLog && Array.isArray(c.units));
}
