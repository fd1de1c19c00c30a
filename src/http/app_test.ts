import assert from "node:assert/strict";
import { JsonLogger, memorySink } from "../log/mod.ts";
import type { DomainPlugin, PausablePlugin } from "../plugin/mod.ts";
import { newRegistry } from "../registry/mod.ts";
import { IN_MEMORY, openDatabase, PluginEventLog } from "../store/mod.ts";
import { createApp } from "./app.ts";

function plugin(name: string, pausable: boolean): DomainPlugin | PausablePlugin {
  const base: DomainPlugin = {
    metadata: () => ({
      name,
      version: "2.1.0",
      qntxVersion: "^1.0.0",
      description: `the ${name} domain`,
      author: "QNTX",
      license: "MIT",
    }),
    initialize: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
    registerHttp: () => {},
    registerWebSocket: () => new Map(),
    health: () => Promise.resolve({ healthy: true, paused: false, message: "ok", details: {} }),
  };
  return pausable
    ? { ...base, pause: () => Promise.resolve(), resume: () => Promise.resolve() }
    : base;
}

async function setup() {
  const sink = memorySink();
  const logger = new JsonLogger("test", { sink });
  const registry = newRegistry("1.0.0", logger);
  const db = openDatabase({ path: IN_MEMORY });
  const events = new PluginEventLog(db);
  registry.onStateChange((change) => events.append(change));
  registry.register(plugin("code", true));
  registry.register(plugin("finance", false));
  registry.preRegister("biotech");
  await registry.initializeAll({} as never);
  let now = 10_000;
  const app = createApp({
    registry,
    logger,
    version: "1.0.0",
    startedAt: 4_000,
    now: () => now,
    events,
  });
  const call = (method: string, path: string) =>
    app(new Request(`http://127.0.0.1${path}`, { method }));
  return { call, registry, db, tick: (ms: number) => now += ms, logs: sink.records };
}

Deno.test("GET /healthz reports the version, uptime and plugins by state", async () => {
  const { call, db } = await setup();
  const response = await call("GET", "/healthz");
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), {
    status: "ok",
    version: "1.0.0",
    uptimeMs: 6000,
    plugins: { loading: 1, running: 2, paused: 0, stopped: 0, failed: 0 },
  });
  db.close();
});

Deno.test("GET /api/plugins lists every plugin with metadata, state, health and errors", async () => {
  const { call, registry, db } = await setup();
  await registry.healthCheckAll();
  const body = await (await call("GET", "/api/plugins")).json();
  assert.deepEqual(body.plugins.map((p: { name: string }) => p.name), [
    "biotech",
    "code",
    "finance",
  ]);
  const [biotech, code, finance] = body.plugins;
  assert.equal(biotech.state, "loading");
  assert.equal(biotech.version, null);
  assert.equal(code.state, "running");
  assert.equal(code.version, "2.1.0");
  assert.equal(code.description, "the code domain");
  assert.equal(code.pausable, true);
  assert.equal(code.health.healthy, true);
  assert.equal(code.lastError, null);
  assert.equal(finance.pausable, false);
  db.close();
});

Deno.test("POST /api/plugins/<name>/pause and resume move the plugin and answer its state", async () => {
  const { call, db } = await setup();
  const paused = await call("POST", "/api/plugins/code/pause");
  assert.equal(paused.status, 200);
  assert.equal((await paused.json()).state, "paused");
  const again = await call("POST", "/api/plugins/code/pause");
  assert.equal(again.status, 409);
  assert.match((await again.json()).detail, /it is paused; only a running plugin can be paused/);
  const resumed = await call("POST", "/api/plugins/code/resume");
  assert.equal((await resumed.json()).state, "running");
  const detail = await (await call("GET", "/api/plugins/code")).json();
  // newest first: resumed, paused, initialized, registered
  assert.deepEqual(
    detail.events.map((e: { to: string }) => e.to),
    ["running", "paused", "running", "loading"],
  );
  db.close();
});

Deno.test("management errors are problem+json with the right status", async (t) => {
  const { call, db } = await setup();
  const rows: [string, string, number, RegExp][] = [
    ["POST", "/api/plugins/nope/pause", 404, /plugin "nope" is not registered/],
    ["POST", "/api/plugins/finance/pause", 409, /does not implement pause and resume/],
    ["POST", "/api/plugins/biotech/resume", 409, /does not implement pause and resume/],
    ["GET", "/api/plugins/nope", 404, /plugin "nope" is not registered/],
    ["DELETE", "/api/plugins", 405, /does not accept DELETE/],
    ["GET", "/no/such/route", 404, /no route for \/no\/such\/route/],
  ];
  for (const [method, path, status, detail] of rows) {
    await t.step(`${method} ${path} → ${status}`, async () => {
      const response = await call(method, path);
      assert.equal(response.status, status);
      assert.equal(response.headers.get("content-type"), "application/problem+json");
      assert.match((await response.json()).detail, detail);
    });
  }
  db.close();
});
