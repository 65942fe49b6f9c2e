// Small DOM helpers: every text goes in as text (never as HTML).
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") el.className = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k.startsWith("on")) el.addEventListener(k.slice(2).toLowerCase(), v);
    else if (k in el && typeof v !== "string") el[k] = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** A table: columns [{title, value(row) -> node|text, class}], rows; options rowClass(row),
 * onClick(row, tr), rowProps(row). */
export function table(columns, rows, { rowClass, onClick, rowProps, empty } = {}) {
  const head = h("tr", {}, columns.map((c) => h("th", { class: c.class }, c.title)));
  const body = rows.map((row) => {
    const tr = h(
      "tr",
      { class: [rowClass?.(row), onClick ? "clickable" : ""].filter(Boolean).join(" "), ...(rowProps?.(row) || {}) },
      columns.map((c) => h("td", { class: c.class }, c.value(row))),
    );
    if (onClick) tr.addEventListener("click", () => onClick(row, tr));
    return tr;
  });
  if (!rows.length && empty) body.push(h("tr", {}, h("td", { colspan: columns.length, class: "muted" }, empty)));
  return h("table", {}, h("thead", {}, head), h("tbody", {}, body));
}

export function field(label, input) {
  return h("label", {}, label, input);
}

export function select(options, value, onChange, props = {}) {
  const el = h(
    "select",
    { onchange: (e) => onChange(e.target.value), ...props },
    options.map(([v, text]) => h("option", { value: v, selected: v === value }, text)),
  );
  return el;
}

export function pct(x) {
  return `${(x * 100).toFixed(x * 100 % 1 ? 1 : 0)}%`;
}

export function num(x) {
  return Number.isInteger(x) ? String(x) : x.toFixed(1);
}

/** Today in China, where the ledger's dates are kept (yyyy-mm-dd). */
export function today() {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai" }).format(new Date());
}

/** A record time for display: yyyy-mm-dd hh:mm:ss.mmm in China. */
export function instant(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false,
  }).formatToParts(d);
  const p = Object.fromEntries(parts.map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}.${String(d.getUTCMilliseconds()).padStart(3, "0")}`;
}

/** datetime-local value (local time of the browser) -> ISO instant, or null. */
export function localToIso(value) {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** ISO instant -> datetime-local value in the browser's time, to the millisecond. */
export function isoToLocal(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  const pad = (n, w = 2) => String(n).padStart(w, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function errorBox(error) {
  const code = error?.code ? `[${error.code}] ` : "";
  return h("div", { class: "error", role: "alert" }, code + (error?.message || String(error)));
}
