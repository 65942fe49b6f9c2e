// The ledger's GraphiQL: queries and mutations are POSTed with the Headers tab's token;
// subscriptions go over a websocket (graphql-transport-ws, the vendored graphql-ws client)
// with the same token in connection_init. Without a token the fetcher answers how to get
// one instead of asking the server (which would only refuse). Configured by the page's
// <script id="ledger-graphiql-config" type="application/json">.
import { createClient } from "./graphql-ws/client.js";

const config = JSON.parse(document.getElementById("ledger-graphiql-config").textContent);
const endpoint = config.endpoint;

// Drop an Authorization header whose token is still empty ("Bearer ").
export function requestHeaders(editorHeaders) {
  const headers = { "Content-Type": "application/json", Accept: "application/json" };
  const given = editorHeaders || {};
  for (const name of Object.keys(given)) {
    let value = given[name];
    if (value === undefined || value === null) continue;
    value = String(value);
    if (name.toLowerCase() === "authorization" && /^\s*(bearer)?\s*$/i.test(value)) continue;
    headers[name] = value;
  }
  return headers;
}

function authorization(headers) {
  const name = Object.keys(headers).find((n) => n.toLowerCase() === "authorization");
  return name ? headers[name] : null;
}

// The operation that runs: the one named, else the first. Strings and comments are blanked
// first, and selection sets skipped, so that no field name counts as a keyword.
export function operationType(query, operationName) {
  const text = query
    .replace(/"""[\s\S]*?"""/g, '""')
    .replace(/"(?:[^"\\\n]|\\.)*"/g, '""')
    .replace(/#[^\n]*/g, "");
  let first = null;
  let i = 0;
  while (i < text.length) {
    const rest = text.slice(i);
    const m = /^\s*(?:(query|mutation|subscription|fragment)\b\s*([_A-Za-z][_0-9A-Za-z]*)?|(\{))/.exec(rest);
    if (!m) {
      i += 1;
      continue;
    }
    const kind = m[3] ? "query" : m[1];
    if (kind !== "fragment") {
      if (operationName && m[2] === operationName) return kind;
      if (first === null) first = kind;
    }
    // skip to the end of this definition's selection set
    let j = i + m[0].length - (m[3] ? 1 : 0);
    while (j < text.length && text[j] !== "{") j += 1;
    let depth = 0;
    for (; j < text.length; j += 1) {
      if (text[j] === "{") depth += 1;
      else if (text[j] === "}" && --depth === 0) break;
    }
    i = j + 1;
  }
  return first || "query";
}

let socket = null;
let socketAuth = null;
function subscriptions(auth) {
  if (socket === null || socketAuth !== auth) {
    if (socket !== null) socket.dispose();
    const url = new URL(endpoint, window.location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    socket = createClient({ url: url.href, connectionParams: { Authorization: auth }, retryAttempts: 0 });
    socketAuth = auth;
  }
  return socket;
}

export function fetcher(graphQLParams, opts) {
  const headers = requestHeaders(opts && opts.headers);
  const auth = authorization(headers);
  if (!auth) return Promise.resolve(structuredClone(config.noToken));
  if (operationType(graphQLParams.query || "", graphQLParams.operationName) === "subscription") {
    return subscriptions(auth).iterate({
      query: graphQLParams.query,
      variables: graphQLParams.variables || undefined,
      operationName: graphQLParams.operationName || undefined,
    });
  }
  return fetch(endpoint, {
    method: "POST",
    headers,
    body: JSON.stringify(graphQLParams),
    credentials: "same-origin",
  }).then((response) =>
    response.text().then((text) => {
      try {
        return JSON.parse(text);
      } catch (e) {
        return text;
      }
    }),
  );
}

window.ledgerGraphiQL = { operationType, fetcher };
const root = ReactDOM.createRoot(document.getElementById("graphiql"));
root.render(
  React.createElement(GraphiQL, {
    fetcher,
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: true,
    defaultHeaders: config.defaultHeaders,
    defaultQuery: config.defaultQuery,
    defaultEditorToolsVisibility: "headers",
  }),
);
