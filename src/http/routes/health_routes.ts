import { PLUGIN_STATES, type PluginState } from "../../plugin/mod.ts";
import type { AppDeps } from "../app.ts";
import { json } from "../json.ts";
import type { Router } from "../router.ts";

/** `GET /healthz`: the host is serving; counts of plugins by state. */
export function healthRoutes(router: Router, deps: AppDeps): void {
  const now = deps.now ?? Date.now;
  router.get("/healthz", () => {
    const plugins = Object.fromEntries(PLUGIN_STATES.map((state) => [state, 0])) as Record<
      PluginState,
      number
    >;
    for (const state of deps.registry.getAllStates().values()) plugins[state]++;
    return json({
      status: "ok",
      version: deps.version,
      uptimeMs: now() - deps.startedAt,
      plugins,
    }, { headers: { "cache-control": "no-store" } });
  });
}
