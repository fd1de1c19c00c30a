/**
 * The hosts that share this host's database: each with its plugins and their states. A plugin
 * on another host is driven, and its log read, through this host (it relays to that one).
 */

import { api, duration, el, section, table } from "./dom.js";
import { logView } from "./log_view.js";
import { actions } from "./plugin_views.js";
import { cleanups, main } from "./state.js";

const relay = (host) => `/api/hosts/${encodeURIComponent(host)}/plugins`;

function hostCard(host, self) {
  const mine = host.id === self;
  const rows = host.plugins.map((plugin) => [
    mine ? el("a", { href: `#/plugins/${encodeURIComponent(plugin.name)}` }, plugin.name) : el(
      "a",
      { href: `#/hosts/${encodeURIComponent(host.id)}/${encodeURIComponent(plugin.name)}` },
      plugin.name,
    ),
    el("span", { class: `state state-${plugin.state}`, "data-state": plugin.state }, plugin.state),
    // The states relayed here are those of the host's last heartbeat; a plugin's own page has
    // them live.
    mine ? el("span", { class: "muted" }, "on its page") : actions(plugin, relay(host.id)),
  ]);
  return el(
    "article",
    { class: "card", "data-host": host.id, "aria-label": `Host ${host.id}` },
    el(
      "h3",
      {},
      host.id,
      el("span", { class: "muted" }, mine ? "this host" : host.url),
    ),
    el(
      "dl",
      { class: "facts" },
      el("dt", {}, "address"),
      el("dd", {}, host.url),
      el("dt", {}, "version"),
      el("dd", {}, host.version),
      el("dt", {}, "up"),
      el("dd", {}, duration(Date.now() - host.startedAt)),
      el("dt", {}, "last heard"),
      el("dd", {}, `${Math.max(0, Math.round((Date.now() - host.heartbeatAt) / 1000))} s ago`),
    ),
    table(
      ["plugin", "state", "actions"],
      el("tbody", {}, rows.map((cells) => el("tr", {}, cells.map((cell) => el("td", {}, cell))))),
      `Plugins on ${host.id}`,
      "No plugins enabled.",
    ),
  );
}

export function viewHosts() {
  const list = el("div", { class: "cards" });
  main.replaceChildren(el("h2", {}, "Hosts"), list);
  const draw = async () => {
    const { ok, body } = await api("GET", "/api/hosts");
    if (!ok) return list.replaceChildren(el("p", { class: "error" }, body.detail ?? "unreadable"));
    const self = body.hosts[0]?.id;
    list.replaceChildren(
      ...(body.hosts.length > 1 ? [] : [
        el(
          "p",
          { class: "empty" },
          "This host runs alone: hosts that name the same [database] url are listed here.",
        ),
      ]),
      ...body.hosts.map((host) => hostCard(host, self)),
    );
  };
  draw();
  // Hosts beat every 5 s: the list follows them.
  const timer = setInterval(draw, 5_000);
  cleanups.push(() => clearInterval(timer));
  return draw;
}

/** A plugin on another host: its state and actions, and its log, relayed by this host. */
export function viewHostPlugin(host, name) {
  const head = el("div", { class: "plugin-head" });
  const logs = section("logs", "Log");
  main.replaceChildren(
    el("h2", {}, `${name} `, el("span", { class: "muted" }, `on ${host}`)),
    head,
    logs,
  );
  const draw = async () => {
    const { ok, status, body } = await api("GET", relay(host));
    if (!ok) {
      return head.replaceChildren(
        el("p", { class: "error" }, `host ${host}: ${body.detail ?? status}`),
      );
    }
    const plugin = body.plugins.find((p) => p.name === name);
    if (!plugin) return head.replaceChildren(el("p", { class: "error" }, "not on that host"));
    head.replaceChildren(
      el(
        "span",
        { class: `state state-${plugin.state}`, "data-state": plugin.state },
        plugin.state,
      ),
      plugin.lastError ? el("pre", { class: "error" }, plugin.lastError) : null,
      actions(plugin, relay(host)),
    );
  };
  draw();
  logView(name, logs, `${relay(host)}/${encodeURIComponent(name)}/logs`);
  const timer = setInterval(draw, 2_000);
  cleanups.push(() => clearInterval(timer));
  return draw;
}
