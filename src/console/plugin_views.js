/** The plugins: a card each, and one plugin's page with its config, logs, routes, permissions. */

import { api, duration, el, ms, notify, replaceKeepingFocus, section } from "./dom.js";
import { configForm } from "./config_form.js";
import { logView } from "./log_view.js";
import { manifestView } from "./manifest_view.js";
import { main, plugins } from "./state.js";

/** Whether an action applies to a plugin in its current state. */
function applies(plugin, action) {
  switch (action) {
    case "pause":
      return plugin.state === "running" && plugin.pausable;
    case "resume":
      return plugin.state === "paused";
    case "restart":
      return ["running", "paused", "failed"].includes(plugin.state);
    case "upgrade":
      return plugin.state === "running";
    case "enable":
      return plugin.state === "stopped" || plugin.state === "failed";
    case "disable":
      return plugin.state !== "stopped";
  }
  return false;
}

/**
 * A plugin's action buttons; `base` is where its actions go (`/api/plugins`, or the relay of
 * the host it runs on).
 */
export function actions(plugin, base = "/api/plugins") {
  return el(
    "div",
    { class: "actions", role: "group", "aria-label": `Actions for ${plugin.name}` },
    ["pause", "resume", "restart", "upgrade", "enable", "disable"].map((action) =>
      el("button", {
        type: "button",
        "data-key": `${action}:${plugin.name}`,
        disabled: !applies(plugin, action),
        onclick: async (event) => {
          event.currentTarget.disabled = true;
          const result = await api(
            "POST",
            `${base}/${encodeURIComponent(plugin.name)}/${action}`,
          );
          const { upgrade } = result.body ?? {};
          if (result.ok && upgrade) {
            notify(`${plugin.name}: upgraded from v${upgrade.from} to v${upgrade.to}`);
          } else if (result.ok) notify(`${plugin.name}: ${action} done, now ${result.body.state}`);
          else {notify(
              `${plugin.name}: ${action} refused: ${result.body.detail ?? result.status}`,
              true,
            );}
        },
      }, action)
    ),
  );
}

function stateBadge(plugin) {
  return el(
    "span",
    { class: `state state-${plugin.state}`, "data-state": plugin.state },
    plugin.state,
  );
}

function facts(plugin) {
  const traffic = plugin.traffic ??
    { requests: 0, errorRate: 0, refused: 0, p50Ms: null, p99Ms: null };
  // A plugin that is not running has no health of its own; its last error says why, once.
  const health = plugin.state === "failed" || plugin.state === "stopped"
    ? `not running (${plugin.state})`
    : plugin.health
    ? `${plugin.health.healthy ? "healthy" : "unhealthy"}${
      plugin.health.message ? `: ${plugin.health.message}` : ""
    }`
    : "not probed yet";
  return el(
    "dl",
    { class: "facts" },
    el("dt", {}, "health"),
    el("dd", {}, health),
    el("dt", {}, "uptime"),
    el("dd", {}, duration(plugin.uptimeMs)),
    el("dt", {}, "restarts"),
    el("dd", {}, plugin.restarts),
    el("dt", {}, "requests"),
    el(
      "dd",
      {},
      `${traffic.requests} (${(traffic.errorRate * 100).toFixed(1)} % errors)` +
        (traffic.refused
          ? `; ${traffic.refused} refused by the host while it was not running`
          : ""),
    ),
    el("dt", {}, "latency"),
    el(
      "dd",
      {},
      traffic.requests ? `p50 ${ms(traffic.p50Ms)}, p99 ${ms(traffic.p99Ms)}` : "no requests yet",
    ),
  );
}

function card(plugin) {
  return el(
    "article",
    { class: "card", "data-plugin": plugin.name, "aria-label": `Plugin ${plugin.name}` },
    el(
      "h3",
      {},
      el("a", { href: `#/plugins/${encodeURIComponent(plugin.name)}` }, plugin.name),
      el("span", { class: "muted" }, plugin.version ? `v${plugin.version}` : ""),
      stateBadge(plugin),
    ),
    plugin.description ? el("p", { class: "muted" }, plugin.description) : null,
    facts(plugin),
    plugin.lastError
      ? el("pre", { class: "error", "aria-label": "last error" }, plugin.lastError)
      : null,
    actions(plugin),
  );
}

/** The order plugins are listed in: those that need the operator first. */
const URGENCY = ["failed", "loading", "paused", "stopped", "running"];

export function viewPlugins() {
  const list = el("div", { class: "cards" });
  const summary = el("p", { class: "summary", role: "status", "aria-live": "polite" });
  const filter = el("input", {
    id: "plugin-filter",
    type: "search",
    placeholder: "name or state",
    autocomplete: "off",
  });
  const draw = () => {
    const all = [...plugins.values()];
    const counts = URGENCY.map((state) => [state, all.filter((p) => p.state === state).length])
      .filter(([, n]) => n > 0);
    summary.replaceChildren(
      `${all.length} plugin${all.length === 1 ? "" : "s"}: `,
      ...counts.flatMap(([state, n], i) => [
        i > 0 ? " · " : "",
        el("span", { class: `state state-${state}`, "data-count": state }, `${n} ${state}`),
      ]),
    );
    const wanted = filter.value.trim().toLowerCase();
    const shown = all
      .filter((p) => !wanted || p.name.includes(wanted) || p.state === wanted)
      .sort((a, b) =>
        URGENCY.indexOf(a.state) - URGENCY.indexOf(b.state) || a.name.localeCompare(b.name)
      );
    replaceKeepingFocus(
      list,
      ...(shown.length ? shown.map(card) : [
        el(
          "p",
          { class: "empty" },
          all.length
            ? `No plugin matches "${filter.value}".`
            : "No plugins are enabled: list them in am.toml's [plugin] enabled.",
        ),
      ]),
    );
  };
  filter.addEventListener("input", draw);
  main.replaceChildren(
    el("h2", {}, "Plugins"),
    el(
      "div",
      { class: "filters" },
      summary,
      el("label", { for: "plugin-filter" }, "Filter", filter),
    ),
    list,
  );
  draw();
  return draw;
}

export function viewPlugin(name) {
  const head = el("div");
  const draw = () => {
    const plugin = plugins.get(name);
    if (!plugin) {
      head.replaceChildren(el("p", {}, `Plugin "${name}" is not registered.`));
      return;
    }
    replaceKeepingFocus(
      head,
      el("h2", {}, `${plugin.name} `, stateBadge(plugin)),
      plugin.description ? el("p", { class: "muted" }, plugin.description) : null,
      facts(plugin),
      plugin.lastError
        ? el("pre", { class: "error", "aria-label": "last error" }, plugin.lastError)
        : null,
      actions(plugin),
    );
  };
  const config = section("config-title", "Configuration");
  const logs = section("logs-title", "Logs");
  const routes = section("routes-title", "HTTP routes");
  const access = section("access-title", "Permissions");
  main.replaceChildren(
    el("p", {}, el("a", { href: "#/plugins" }, "← all plugins")),
    head,
    config,
    logs,
    routes,
    access,
  );
  draw();
  configForm(name, config);
  logView(name, logs);
  api("GET", "/api/plugins/routes").then(({ body }) => {
    const mine = (body.routes ?? []).filter((route) => route.plugin === name);
    routes.append(
      mine.length
        ? el(
          "ul",
          {},
          mine.map((r) =>
            el(
              "li",
              {},
              el("code", {}, `${r.method} ${r.path}`),
              r.description ? ` — ${r.description}` : "",
            )
          ),
        )
        : el("p", { class: "muted" }, "No routes declared."),
    );
  });
  // What the manifest asks and its approval, filled in when the host has read it from disk.
  const manifest = el("div", { class: "manifest" });
  const process = plugins.get(name)?.process;
  if (process) access.append(grantList(process));
  access.append(manifest);
  manifestView(name, manifest);
  if (process) {
    access.append(
      el("h4", {}, "Denied attempts"),
      process.denied?.length
        ? el(
          "ul",
          {},
          process.denied.map((d) =>
            el("li", {}, `${new Date(d.at).toLocaleString()}: ${d.permission} ${d.value}`)
          ),
        )
        : el("p", { class: "muted" }, "None recorded."),
    );
  }
  return draw;
}

/** What the sandbox lets a plugin do beyond its own folders: its manifest's asks and grants. */
function grantList(process) {
  const rows = [];
  for (
    const [source, permissions] of [["manifest", process.permissions], ["operator", process.grants]]
  ) {
    for (const [kind, value] of Object.entries(permissions ?? {})) {
      if (Array.isArray(value) && value.length > 0) {
        rows.push([`${kind} (${source})`, value.join(", ")]);
      } else if (value === true) rows.push([`${kind} (${source})`, "yes"]);
    }
  }
  if (rows.length === 0) {
    return el("p", { class: "muted" }, "Nothing beyond its own data folder and sockets.");
  }
  return el(
    "dl",
    { class: "facts", "aria-label": "granted permissions" },
    rows.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]),
  );
}
