/** The shared attestation store, searchable. */

import { api, el, notify, table } from "./dom.js";
import { main } from "./state.js";

export function viewAttestations() {
  const fields = ["subject", "predicate", "context", "actor", "source"];
  const form = el("form", { class: "search", role: "search", "aria-label": "Search attestations" });
  for (const field of fields) {
    form.append(el("label", {}, field, el("input", { name: field, type: "search" })));
  }
  form.append(
    el("label", {}, "from", el("input", { name: "from", type: "datetime-local" })),
    el("label", {}, "to", el("input", { name: "to", type: "datetime-local" })),
    el("button", { type: "submit", class: "primary" }, "Search"),
  );
  const body = el("tbody");
  const more = el("button", { type: "button", hidden: true }, "More");
  const status = el("p", { class: "muted", role: "status" });
  let next = null;
  const load = async (append) => {
    const query = new URLSearchParams({ limit: "50" });
    const data = new FormData(form);
    for (const field of fields) {
      for (
        const value of String(data.get(field) ?? "").split(",").map((v) => v.trim()).filter(Boolean)
      ) query.append(field, value);
    }
    for (const bound of ["from", "to"]) {
      const text = String(data.get(bound) ?? "");
      if (text) query.set(bound, String(new Date(text).getTime()));
    }
    if (append && next) query.set("cursor", next);
    const result = await api("GET", `/api/attestations?${query}`);
    if (!result.ok) return notify(result.body.detail ?? "search failed", true);
    next = result.body.next;
    more.hidden = !next;
    const rows = result.body.attestations.map((a) =>
      el(
        "tr",
        {},
        el("td", { class: "nowrap" }, new Date(a.timestamp).toLocaleString()),
        el("td", {}, a.subjects.join(", ")),
        el("td", {}, a.predicates.join(", ")),
        el("td", {}, a.contexts.join(", ")),
        el("td", {}, a.actors.join(", ")),
        el("td", {}, a.source),
        el("td", {}, attributes(a.attributes)),
      )
    );
    if (append) body.append(...rows);
    else body.replaceChildren(...rows);
    status.textContent = `${body.childElementCount} attestation${
      body.childElementCount === 1 ? "" : "s"
    } shown`;
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    load(false);
  });
  more.addEventListener("click", () => load(true));
  main.replaceChildren(
    el("h2", {}, "Attestations"),
    form,
    status,
    table(
      ["time", "subjects", "predicates", "contexts", "actors", "source", "attributes"],
      body,
      "Newest first",
      "No attestation matches.",
    ),
    more,
  );
  load(false);
  return () => {};
}

/** An attestation's attributes, folded: their count, opened to pretty JSON. */
function attributes(value) {
  const keys = value && typeof value === "object" ? Object.keys(value) : [];
  if (keys.length === 0) return "—";
  return el(
    "details",
    { class: "attributes" },
    el("summary", {}, `${keys.length} ${keys.length === 1 ? "attribute" : "attributes"}`),
    el("pre", {}, JSON.stringify(value, null, 2)),
  );
}
