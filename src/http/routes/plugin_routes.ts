import type { PluginState } from "../../plugin/mod.ts";
import type { PluginSnapshot } from "../../registry/mod.ts";
import type { AppDeps } from "../app.ts";
import { HttpError } from "../http_error.ts";
import { json } from "../json.ts";
import { eventStream } from "../sse.ts";
import type { Router } from "../router.ts";

const EVENTS_SHOWN = 50;
const LOG_HISTORY = 200;
const EVENT_REFRESH_MS = 2000;

/** The management API of plugins: list, one plugin, pause, resume. */
export function pluginRoutes(router: Router, deps: AppDeps): void {
  const { registry } = deps;

  const now = deps.now ?? Date.now;
  const view = (snapshot: PluginSnapshot) => ({
    ...describe(snapshot),
    uptimeMs: snapshot.state === "running" || snapshot.state === "paused"
      ? now() - snapshot.since
      : null,
    restarts: deps.metrics?.restarts(snapshot.name) ?? 0,
    traffic: deps.metrics?.summary(snapshot.name) ?? null,
    process: deps.insights?.describe(snapshot.name) ?? null,
  });

  // A snapshot: never waits on a plugin (health is probed on a timer, not per request).
  router.get("/api/plugins", () => json({ plugins: registry.snapshots().map(view) }));

  // Every plugin now, then each state change as it happens and a fresh list every 2 s (health,
  // traffic), as server-sent events: what the console shows without reloading.
  router.get("/api/events", ({ request }) =>
    eventStream(
      [{ event: "plugins", data: registry.snapshots().map(view) }],
      (push) => {
        const stop = registry.onStateChange((change) => {
          const snapshot = registry.snapshot(change.plugin);
          push({ event: "state", data: { ...change, plugin: snapshot ? view(snapshot) : null } });
        });
        const timer = setInterval(
          () => push({ event: "plugins", data: registry.snapshots().map(view) }),
          EVENT_REFRESH_MS,
        );
        return () => {
          stop();
          clearInterval(timer);
        };
      },
      request.signal,
    ));

  // QNTX's: the glyph types plugins add to the UI, paths under /api/<plugin>/.
  router.get("/api/plugins/glyphs", () => json({ glyphs: deps.insights?.glyphs?.() ?? [] }));
  // QNTX's provider roles (search) and the plugin serving each.
  router.get(
    "/api/plugins/providers",
    () => json({ providers: deps.insights?.providers?.() ?? [] }),
  );
  router.get("/api/plugins/routes", () => {
    const routes = (deps.insights?.routes() ?? []).map((route) => ({
      ...route,
      path: `/api/${route.plugin}${route.path === "/" ? "" : route.path}`,
    }));
    return json({ routes });
  });

  router.get("/api/plugins/:name", async ({ params }) => {
    const name = params.name!;
    const snapshot = registry.snapshot(name);
    if (!snapshot) throw new HttpError(404, `plugin "${name}" is not registered`);
    return json({
      ...view(snapshot),
      events: deps.events?.recent(name, EVENTS_SHOWN) ?? [],
      // Read from disk now, so an approval names the manifest the operator saw (not in lists).
      manifest: (await deps.approvals?.view(name)) ?? null,
    });
  });

  // History first, then live lines, as server-sent events (`event: log`).
  router.get("/api/plugins/:name/logs", ({ params, url, request }) => {
    const name = params.name!;
    if (!registry.snapshot(name)) throw new HttpError(404, `plugin "${name}" is not registered`);
    const logs = deps.insights?.logs(name);
    if (!logs) throw new HttpError(404, `plugin "${name}" has no process logs`);
    const tail = Number(url.searchParams.get("tail") ?? LOG_HISTORY);
    if (!Number.isInteger(tail) || tail < 0) {
      throw new HttpError(400, `tail must be a whole number, got ${url.searchParams.get("tail")}`);
    }
    const history = logs.lines(tail).map((line) => ({ event: "log", data: line }));
    return eventStream(
      history,
      (push) => logs.subscribe((line) => push({ event: "log", data: line })),
      request.signal,
    );
  });

  for (const action of ["pause", "resume"] as const) {
    router.post(`/api/plugins/:name/${action}`, async ({ params }) => {
      const name = params.name!;
      // Whoever drives the plugin's life pauses it: the supervisor, or the registry in process.
      await (deps.lifecycle ?? registry)[action](name);
      return json(describe(registry.snapshot(name)!));
    });
  }

  // Enable, disable and restart act on the process; the answer is the state right after the
  // request was carried out (follow the state changes for the rest). Enable never starts a
  // second process.
  for (const action of ["enable", "disable", "restart"] as const) {
    router.post(`/api/plugins/:name/${action}`, async ({ params }) => {
      const name = params.name!;
      if (!deps.lifecycle) {
        throw new HttpError(409, `this host runs no plugin processes to ${action}`);
      }
      if (action !== "enable" && !registry.snapshot(name)) {
        throw new HttpError(404, `plugin "${name}" is not registered`);
      }
      if (action === "enable") refuseSecondStart(name, registry.getState(name));
      await deps.lifecycle[action](name);
      const snapshot = registry.snapshot(name);
      if (!snapshot) throw new HttpError(404, `plugin "${name}" was not found`);
      return json(describe(snapshot));
    });
  }

  // The version on disk starts beside the running one and takes over once healthy; the answer
  // names both versions (a 502 says why the new one did not come up, the old one serving on).
  router.post("/api/plugins/:name/upgrade", async ({ params }) => {
    const name = params.name!;
    if (!deps.lifecycle?.upgrade) {
      throw new HttpError(409, "this host runs no plugin processes to upgrade");
    }
    if (!registry.snapshot(name)) throw new HttpError(404, `plugin "${name}" is not registered`);
    const upgrade = await deps.lifecycle.upgrade(name);
    return json({ upgrade, plugin: describe(registry.snapshot(name)!) });
  });
}

/**
 * One process per plugin: `enable` starts only a stopped or failed (or unknown) plugin. For
 * one that runs, is paused or is starting, it changes nothing and answers 409, as pause does
 * for a paused plugin: the request does not fit the plugin's state, and a client can tell
 * from the status alone that nothing was started. The lifecycle holds the same rule for
 * calls that race past this check.
 */
function refuseSecondStart(name: string, state: PluginState | undefined): void {
  if (state !== "running" && state !== "paused" && state !== "loading") return;
  const how = {
    running: `is already running; restart replaces its process (POST /api/plugins/${name}/restart)`,
    paused: `is already running, paused; resume it (POST /api/plugins/${name}/resume)`,
    loading: `is already starting; follow its state (GET /api/plugins/${name})`,
  }[state];
  throw new HttpError(409, `plugin "${name}" ${how}; nothing was changed`, {
    plugin: name,
    state,
  });
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
