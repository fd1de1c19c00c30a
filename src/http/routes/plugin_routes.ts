import type { PluginSnapshot } from "../../registry/mod.ts";
import type { AppDeps } from "../app.ts";
import { HttpError } from "../http_error.ts";
import { json } from "../json.ts";
import type { Router } from "../router.ts";

const EVENTS_SHOWN = 50;

/** The management API of plugins: list, one plugin, pause, resume. */
export function pluginRoutes(router: Router, deps: AppDeps): void {
  const { registry } = deps;

  // A snapshot: never waits on a plugin (health is probed on a timer, not per request).
  router.get("/api/plugins", () => json({ plugins: registry.snapshots().map(describe) }));

  router.get("/api/plugins/:name", ({ params }) => {
    const name = params.name!;
    const snapshot = registry.snapshot(name);
    if (!snapshot) throw new HttpError(404, `plugin "${name}" is not registered`);
    return json({ ...describe(snapshot), events: deps.events?.recent(name, EVENTS_SHOWN) ?? [] });
  });

  for (const action of ["pause", "resume"] as const) {
    router.post(`/api/plugins/:name/${action}`, async ({ params }) => {
      const name = params.name!;
      await registry[action](name);
      return json(describe(registry.snapshot(name)!));
    });
  }

  // Enable, disable and restart act on the process; the answer is the state right after the
  // request was carried out (follow the state changes for the rest).
  for (const action of ["enable", "disable", "restart"] as const) {
    router.post(`/api/plugins/:name/${action}`, async ({ params }) => {
      const name = params.name!;
      if (!deps.lifecycle) {
        throw new HttpError(409, `this host runs no plugin processes to ${action}`);
      }
      if (action !== "enable" && !registry.snapshot(name)) {
        throw new HttpError(404, `plugin "${name}" is not registered`);
      }
      await deps.lifecycle[action](name);
      const snapshot = registry.snapshot(name);
      if (!snapshot) throw new HttpError(404, `plugin "${name}" was not found`);
      return json(describe(snapshot));
    });
  }
}

/** A plugin as the API shows it. */
function describe(snapshot: PluginSnapshot): Record<string, unknown> {
  const { metadata, health, lastError, ...rest } = snapshot;
  return {
    ...rest,
    version: metadata?.version ?? null,
    description: metadata?.description ?? "",
    author: metadata?.author ?? "",
    license: metadata?.license ?? "",
    qntxVersion: metadata?.qntxVersion ?? "",
    lastError: lastError ?? null,
    health: health ?? null,
  };
}
