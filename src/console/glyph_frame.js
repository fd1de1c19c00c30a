// The frame a plugin's glyph runs in: an opaque origin (sandboxed, no same-origin), no fetch,
// XHR or WebSocket of its own (connect-src 'none'). The console sends the glyph's content,
// style and module, fetched with the operator's credentials, and a port: over it the glyph
// reaches its own plugin's routes, and only those (`qntx.fetch`; the console checks each path).
const pending = new Map();
let next = 0;
let port;

/** `fetch` for the glyph: its own plugin's routes only, answered by the console. */
function qntxFetch(path, init = {}) {
  const id = ++next;
  const request = {
    method: String(init.method ?? "GET").toUpperCase(),
    body: init.body === undefined ? undefined : String(init.body),
    contentType: init.headers?.["content-type"],
  };
  port.postMessage({ qntx: "fetch", id, path: String(path), ...request });
  return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
}

function answered(message) {
  const waiting = pending.get(message.id);
  if (!waiting) return;
  pending.delete(message.id);
  if (message.error) return waiting.reject(new Error(message.error));
  waiting.resolve({
    ok: message.status >= 200 && message.status < 300,
    status: message.status,
    contentType: message.contentType,
    text: () => Promise.resolve(message.body),
    json: () => Promise.resolve(JSON.parse(message.body)),
  });
}

async function start(glyph) {
  document.title = glyph.title;
  const style = document.createElement("style");
  style.textContent = glyph.css ?? "";
  const root = document.createElement("div");
  root.className = "glyph";
  document.body.replaceChildren(style, root);
  // Markup only: no script in it runs (the frame's policy allows none inline).
  if (glyph.content) root.innerHTML = glyph.content;
  if (glyph.module) {
    const url = URL.createObjectURL(new Blob([glyph.module], { type: "text/javascript" }));
    try {
      const module = await import(url);
      const render = module.render ?? module.default;
      if (typeof render !== "function") throw new Error("the module exports no render function");
      const qntx = { plugin: glyph.plugin, symbol: glyph.symbol, fetch: qntxFetch };
      await render(root, qntx);
    } finally {
      URL.revokeObjectURL(url);
    }
  }
  port.postMessage({ qntx: "rendered" });
}

addEventListener("message", (event) => {
  if (event.source !== parent || port || event.data?.qntx !== "glyph" || !event.ports[0]) return;
  port = event.ports[0];
  port.onmessage = (reply) => {
    if (reply.data?.qntx === "response") answered(reply.data);
  };
  // The console could not read the glyph's parts: it says why; nothing is drawn.
  if (event.data.error) return;
  start(event.data).catch((error) =>
    port.postMessage({ qntx: "failed", error: String(error?.message ?? error) })
  );
});
parent.postMessage({ qntx: "ready" }, "*");
