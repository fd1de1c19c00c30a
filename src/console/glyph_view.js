/**
 * Glyphs: the UI that plugins add (QNTX's RegisterGlyphs). Each runs in a sandboxed frame of
 * its own (glyph_frame.html): an opaque origin that can neither read the console nor call the
 * host as the operator. The console fetches the glyph's content, style and module from the
 * plugin's routes, and answers the glyph's own requests, to its own plugin's routes only.
 */

import { api, el, notify } from "./dom.js";
import { cleanups, main } from "./state.js";

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]);
const MAX_BODY = 1024 * 1024;
const MAX_ANSWER = 4 * 1024 * 1024;
const MAX_IN_FLIGHT = 8;

const glyphId = (glyph) => `${glyph.plugin}/${glyph.symbol}`;

export function viewGlyphs(id) {
  const list = el("ul", { class: "glyphs", "aria-label": "Glyphs" });
  const panel = el("div");
  main.replaceChildren(
    el("h2", {}, "Glyphs"),
    el(
      "p",
      { class: "muted" },
      "Views that plugins add. Each runs apart from the console: it reaches its own plugin's " +
        "routes through the console, nothing else.",
    ),
    list,
    panel,
  );
  (async () => {
    const result = await api("GET", "/api/plugins/glyphs");
    if (!result.ok) return notify(result.body.detail ?? "could not list the glyphs", true);
    const glyphs = result.body.glyphs;
    list.replaceChildren(
      ...(glyphs.length === 0
        ? [el("li", { class: "muted" }, "No running plugin adds a glyph.")]
        : glyphs.map((glyph) =>
          el(
            "li",
            {},
            el(
              "a",
              {
                href: `#/glyphs/${encodeURIComponent(glyphId(glyph))}`,
                "aria-current": glyphId(glyph) === id ? "true" : undefined,
                "data-glyph": glyphId(glyph),
              },
              el("span", { class: "symbol", "aria-hidden": "true" }, glyph.symbol),
              ` ${glyph.title}`,
            ),
            el(
              "span",
              { class: "muted" },
              ` ${glyph.plugin}${glyph.label ? ` · ${glyph.label}` : ""}`,
            ),
          )
        )),
    );
    const chosen = glyphs.find((glyph) => glyphId(glyph) === id);
    if (id && !chosen) panel.replaceChildren(el("p", {}, `No running plugin adds glyph "${id}".`));
    if (chosen) panel.replaceChildren(glyphPanel(chosen));
  })();
  // Live plugin updates do not reload a glyph: it keeps its state until the operator leaves.
  return () => {};
}

/**
 * One glyph in its sandboxed frame, with what it was refused. The frame's first "ready" gets a
 * MessageChannel port, and every later word goes over that port alone: a frame that navigates
 * away (which no policy stops) leaves the port behind, and its new page is never answered.
 */
function glyphPanel(glyph) {
  const status = el("p", { class: "muted", role: "status" }, "loading…");
  const refused = el("ul", { class: "refused", "aria-label": "Requests refused to this glyph" });
  const frame = el("iframe", {
    src: "/console/glyph_frame.html",
    sandbox: "allow-scripts",
    title: `${glyph.title} (a glyph of plugin ${glyph.plugin})`,
    referrerpolicy: "no-referrer",
    width: glyph.defaultWidth || 480,
    height: glyph.defaultHeight || 320,
    "data-glyph": glyphId(glyph),
  });
  let port;
  let inFlight = 0;
  const refuse = (text) => {
    refused.append(el("li", {}, text));
    notify(`glyph ${glyph.symbol} of ${glyph.plugin}: ${text}`, true);
  };
  const fromGlyph = async (message) => {
    if (typeof message !== "object" || message === null) return;
    if (message.qntx === "rendered" && status.textContent === "loading…") status.textContent = "";
    else if (message.qntx === "failed") status.textContent = `the glyph failed: ${message.error}`;
    else if (message.qntx === "fetch") {
      if (inFlight >= MAX_IN_FLIGHT) {
        return port.postMessage({ qntx: "response", id: message.id, error: "too many at once" });
      }
      inFlight++;
      try {
        port.postMessage({
          qntx: "response",
          id: message.id,
          ...await relay(glyph.plugin, message, refuse),
        });
      } finally {
        inFlight--;
      }
    }
  };
  const onMessage = async (event) => {
    // The frame's origin is opaque ("null"): it is known by its window, and says ready once.
    if (event.source !== frame.contentWindow || port || event.data?.qntx !== "ready") return;
    const channel = new MessageChannel();
    port = channel.port1;
    port.onmessage = (message) => fromGlyph(message.data);
    const parts = await glyphParts(glyph);
    if (parts.error) status.textContent = `the glyph could not be loaded: ${parts.error}`;
    frame.contentWindow?.postMessage({ qntx: "glyph", ...parts }, "*", [channel.port2]);
  };
  globalThis.addEventListener("message", onMessage);
  cleanups.push(() => {
    globalThis.removeEventListener("message", onMessage);
    port?.close();
  });
  return el(
    "section",
    { class: "glyph-panel", "aria-label": glyph.title },
    el("h3", {}, `${glyph.symbol} ${glyph.title} `, el("span", { class: "muted" }, glyph.plugin)),
    status,
    frame,
    refused,
  );
}

/**
 * The glyph's content, style and module, read from its plugin with the operator's session. A
 * redirect is an error: it could lead the session anywhere on the host.
 */
async function glyphParts(glyph) {
  const about = { plugin: glyph.plugin, symbol: glyph.symbol, title: glyph.title };
  const read = async (path) => {
    if (!path) return undefined;
    if (!path.startsWith(`/api/${glyph.plugin}/`)) throw new Error(`${path} is not its plugin's`);
    const response = await fetch(path, { redirect: "error" });
    if (!response.ok) throw new Error(`${path} answered ${response.status}`);
    return await response.text();
  };
  try {
    const [content, css, module] = await Promise.all(
      [glyph.contentPath, glyph.cssPath, glyph.modulePath].map(read),
    );
    return { ...about, content, css, module };
  } catch (error) {
    return { ...about, error: error.message };
  }
}

/**
 * One request of a glyph, made for it when it stays within its own plugin's routes
 * (`/api/<plugin>/…`, a relative path is taken from there); anything else is refused and shown.
 */
async function relay(plugin, message, refuse) {
  const base = new URL(`/api/${plugin}/`, location.origin);
  let url;
  try {
    url = new URL(String(message.path), base);
  } catch {
    refuse(`"${String(message.path).slice(0, 100)}" is not a path`);
    return { error: "not a path" };
  }
  const own = url.origin === location.origin &&
    (url.pathname.startsWith(base.pathname) || url.pathname === base.pathname.slice(0, -1));
  if (!own) {
    refuse(`refused ${message.method} ${url.href.slice(0, 200)}: outside /api/${plugin}/`);
    return { error: `a glyph reaches only its own plugin's routes (/api/${plugin}/…)` };
  }
  if (!METHODS.has(message.method)) {
    refuse(`refused method ${String(message.method).slice(0, 20)}`);
    return { error: `method ${message.method} is not allowed` };
  }
  if (message.body !== undefined && typeof message.body !== "string") {
    return { error: "a body must be text" };
  }
  if (message.body !== undefined && message.body.length > MAX_BODY) {
    return { error: `the body is over ${MAX_BODY} bytes` };
  }
  const headers = typeof message.contentType === "string"
    ? { "content-type": message.contentType.slice(0, 200) }
    : {};
  const response = await fetch(url, {
    method: message.method,
    headers,
    body: message.body,
    credentials: "same-origin",
    redirect: "error",
  }).catch((error) => ({ failed: error }));
  if (response.failed) return { error: `the request failed: ${response.failed.message}` };
  if (Number(response.headers.get("content-length") ?? 0) > MAX_ANSWER) {
    await response.body?.cancel();
    return { error: `the answer is over ${MAX_ANSWER} bytes` };
  }
  try {
    const body = await response.text();
    if (body.length > MAX_ANSWER) return { error: `the answer is over ${MAX_ANSWER} bytes` };
    return { status: response.status, contentType: response.headers.get("content-type"), body };
  } catch (error) {
    return { error: `the answer broke off: ${error.message}` };
  }
}
