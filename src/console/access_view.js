/** Who may use the host: named tokens (made, shown once, revoked) and the audit log. */

import { api, el, notify, table } from "./dom.js";
import { main } from "./state.js";

export function viewAccess() {
  const tokens = el("tbody");
  const audit = el("tbody");
  const made = el("p", { class: "made", role: "status", "aria-live": "polite" });
  const form = el(
    "form",
    { class: "search", "aria-label": "Make a token" },
    el(
      "label",
      {},
      "name",
      el("input", { name: "name", required: true, pattern: "[a-z0-9][a-z0-9._-]{0,62}" }),
    ),
    el(
      "label",
      {},
      "scope",
      el(
        "select",
        { name: "scope" },
        el("option", { value: "read" }, "read: safe methods only"),
        el("option", { value: "admin" }, "admin: everything"),
      ),
    ),
    el("button", { type: "submit", class: "primary" }, "Make token"),
  );
  const load = async () => {
    const list = await api("GET", "/api/auth/tokens");
    if (list.status === 404) {
      made.textContent = "This host runs without credentials ([auth] enabled = false).";
      return;
    }
    if (!list.ok) return notify(list.body.detail ?? "could not list tokens", true);
    tokens.replaceChildren(
      ...list.body.tokens.map((token) =>
        el(
          "tr",
          {},
          el("td", {}, token.name),
          el("td", {}, token.scope),
          el("td", {}, new Date(token.createdAt).toLocaleString()),
          el("td", {}, token.lastUsedAt ? new Date(token.lastUsedAt).toLocaleString() : "never"),
          el(
            "td",
            {},
            el("button", {
              type: "button",
              "aria-label": `Revoke ${token.name}`,
              onclick: async () => {
                const result = await api(
                  "DELETE",
                  `/api/auth/tokens/${encodeURIComponent(token.name)}`,
                );
                if (!result.ok) return notify(result.body.detail ?? "could not revoke", true);
                notify(`revoked ${token.name}`);
                load();
              },
            }, "Revoke"),
          ),
        )
      ),
    );
    const log = await api("GET", "/api/audit?limit=200");
    if (!log.ok) return notify(log.body.detail ?? "could not read the audit log", true);
    audit.replaceChildren(
      ...log.body.entries.map((entry) =>
        el(
          "tr",
          {},
          el("td", {}, new Date(entry.at).toLocaleString()),
          el("td", {}, entry.actor),
          el("td", {}, entry.action),
          el("td", {}, entry.client),
          el("td", { class: entry.status >= 400 ? "bad" : "" }, String(entry.status)),
        )
      ),
    );
  };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const result = await api("POST", "/api/auth/tokens", {
      name: String(data.get("name")),
      scope: String(data.get("scope")),
    });
    if (!result.ok) return notify(result.body.detail ?? "could not make the token", true);
    // Shown once: the host keeps only its hash.
    made.replaceChildren(
      `Token "${result.body.name}" (${result.body.scope}), shown once: `,
      el("code", { class: "secret" }, result.body.token),
    );
    form.reset();
    load();
  });
  main.replaceChildren(
    el("h2", {}, "Access"),
    el("h3", {}, "Tokens"),
    form,
    made,
    table(["name", "scope", "made", "last used", ""], tokens),
    el("h3", {}, "Audit log"),
    table(["time", "who", "action", "client", "answer"], audit, "Newest first"),
  );
  load();
  return () => {};
}
