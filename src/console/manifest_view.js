/** What a plugin's manifest asks, whether the operator approved it, and the button that does. */

import { api, el, notify, replaceKeepingFocus } from "./dom.js";

/** One item it asks, with the grant by name that allows it (`lead` says how that grant counts). */
const asked = (ask, lead) =>
  ask.grant ? [ask.what, el("span", { class: "muted" }, ` — ${lead}: ${ask.grant}`)] : ask.what;

/** Fills `box` with plugin `name`'s manifest as the host reads it now; again after an approval. */
export async function manifestView(name, box) {
  const path = `/api/plugins/${encodeURIComponent(name)}`;
  const { ok, body } = await api("GET", path);
  if (!ok) {
    box.replaceChildren(el("p", { class: "muted" }, body.detail ?? "The manifest is unknown."));
    return;
  }
  const manifest = body.manifest;
  if (!manifest) {
    box.replaceChildren(
      el("h4", {}, "Manifest"),
      el(
        "p",
        { class: "muted" },
        `No manifest: what this plugin needs is granted by name in [plugin.grants.${name}].`,
      ),
    );
    return;
  }
  if (manifest.problem) {
    box.replaceChildren(
      el("h4", {}, "Manifest"),
      el("pre", { class: "error", "aria-label": "manifest problem" }, manifest.problem),
    );
    return;
  }
  const pending = manifest.asks.length > 0;
  const help = `manifest-help-${name}`;
  const button = el("button", {
    type: "button",
    class: "primary",
    "data-key": `approve:${name}`,
    "aria-describedby": help,
    disabled: !pending,
    onclick: async () => {
      button.disabled = true;
      const result = await api("POST", `${path}/approve`, { sha256: manifest.sha256 });
      if (result.ok) {
        notify(
          `${name}: manifest approved, now ${result.body.state}` +
            (result.body.remaining ? `; ${result.body.remaining}` : ""),
          result.body.state === "failed",
        );
      } else notify(`${name}: approval refused: ${result.body.detail ?? result.status}`, true);
      await manifestView(name, box);
    },
  }, "Approve these permissions");
  const parts = [
    el("h4", {}, "Manifest"),
    el(
      "dl",
      { class: "facts", "aria-label": "manifest" },
      el("dt", {}, "asks for"),
      el("dd", {}, manifest.requested.length ? manifest.requested.join(", ") : "nothing extra"),
      el("dt", {}, "approved"),
      el("dd", { "data-approved": String(manifest.approved) }, manifest.approved ? "yes" : "no"),
      el("dt", {}, "sha256"),
      el("dd", {}, el("code", {}, manifest.sha256)),
    ),
    pending ? el("h5", {}, "Waiting for approval") : null,
    pending
      ? el("ul", {}, manifest.asks.map((ask) => el("li", {}, asked(ask, "or by name"))))
      : null,
    manifest.byNameOnly.length ? el("h5", {}, "Only by a grant by name") : null,
    manifest.byNameOnly.length
      ? el("ul", {}, manifest.byNameOnly.map((ask) => el("li", {}, asked(ask, "only"))))
      : null,
    el(
      "p",
      { id: help, class: "muted" },
      pending
        ? `Approving grants what is waiting, for this manifest only (sha256 ${
          manifest.sha256.slice(0, 12)
        }…); a changed manifest asks again. The plugin restarts.`
        : "Nothing is waiting for approval.",
    ),
    el("div", { class: "actions" }, button),
  ];
  replaceKeepingFocus(box, ...parts);
}
