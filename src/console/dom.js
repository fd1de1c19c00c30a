/** Building blocks of the console: elements, API calls, notices, formats. */

/** An element with attributes, properties (keys starting with "."), listeners ("on…"), children. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key.startsWith(".")) node[key.slice(1)] = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  // Signed out (or the session expired): sign in again.
  if (response.status === 401) location.assign("/login");
  const type = response.headers.get("content-type") ?? "";
  const data = type.includes("json") ? await response.json() : await response.text();
  return { ok: response.ok, status: response.status, body: data };
}

export function notify(text, bad = false) {
  const notice = document.getElementById("notice");
  notice.textContent = text;
  notice.classList.toggle("bad", bad);
  clearTimeout(notify.timer);
  notify.timer = setTimeout(() => (notice.textContent = ""), 6000);
}

export function duration(ms) {
  if (ms === null || ms === undefined) return "—";
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  return h < 48 ? `${h} h ${m % 60} min` : `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** A time of the API (Unix milliseconds, its one format) as the reader's local time. */
export const time = (ms) => ms ? new Date(ms).toLocaleString() : "—";

export const ms = (value) => value === null || value === undefined ? "—" : `${value} ms`;

/** Replaces `node`'s children, keeping the keyboard focus on the same control when it exists. */
export function replaceKeepingFocus(node, ...children) {
  const key = document.activeElement?.getAttribute?.("data-key");
  node.replaceChildren(...children.filter((child) => child !== null && child !== undefined));
  if (key) node.querySelector(`[data-key="${CSS.escape(key)}"]`)?.focus();
}

/**
 * A scrollable table with column headings over `body` (a tbody), with an optional caption. On
 * a narrow screen each row is a card whose cells carry their heading (`data-label`), and an empty
 * body says `empty` instead of showing bare headings.
 */
export function table(headings, body, caption, empty = "Nothing to show.") {
  const label = () => {
    for (const row of body.rows) {
      [...row.cells].forEach((cell, i) => cell.dataset.label ??= headings[i] ?? "");
    }
    wrap.dataset.empty = body.rows.length === 0 ? empty : "";
  };
  new MutationObserver(label).observe(body, { childList: true });
  const wrap = el(
    "div",
    { class: "table-wrap" },
    el(
      "table",
      {},
      caption ? el("caption", { class: "muted" }, caption) : null,
      el("thead", {}, el("tr", {}, headings.map((h) => el("th", { scope: "col" }, h)))),
      body,
    ),
  );
  label();
  return wrap;
}

/** A section of a page with its heading, labelled by it. */
export function section(id, title) {
  return el("section", { "aria-labelledby": id }, el("h3", { id }, title));
}
