import assert from "node:assert/strict";
import { parseHostConfig } from "../config/mod.ts";
import { JsonLogger, memorySink } from "../log/mod.ts";
import type { DomainPlugin, HealthStatus } from "../plugin/mod.ts";
import { IN_MEMORY } from "../store/mod.ts";
import { startHost } from "./host.ts";

function domain(name: string, onHealth: () => void): DomainPlugin {
  return {
    metadata: () => ({
      name,
      version: "3.0.1",
      qntxVersion: ">=0.1.0",
      description: "",
      author: "",
      license: "",
    }),
    initialize: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
    registerHttp: () => {},
    registerWebSocket: () => new Map(),
    health: (): Promise<HealthStatus> => {
      onHealth();
      return Promise.resolve({ healthy: true, paused: false, message: "probed", details: {} });
    },
  };
}

function start(toml = "") {
  const sink = memorySink();
  const config = parseHostConfig(
    `[server]\nport = 0\n[auth]\nenabled = false\n[plugin]\nhealth_interval = "100ms"\n[biotech]\nthreads = 4\n${toml}`,
    "test",
  );
  const host = startHost(config, {
    logger: new JsonLogger("host", { sink }),
    version: "0.1.0",
    databasePath: IN_MEMORY,
  });
  return { host, logs: sink.records };
}

Deno.test("startHost() serves on a real socket and probes plugin health on a timer", async () => {
  const { host, logs } = start();
  let probed!: () => void;
  const wasProbed = new Promise<void>((resolve) => probed = resolve);
  try {
    host.registry.register(domain("biotech", () => probed()));
    await host.registry.initializeAll(host.services);
    await wasProbed;
    const body = await (await fetch(new URL("/api/plugins", host.url))).json();
    assert.equal(body.plugins[0].state, "running");
    assert.equal(body.plugins[0].health.message, "probed");
    const line = logs.find((l) => l.msg.startsWith("listening on"));
    assert.equal(line?.url, host.url.href);
  } finally {
    await host.shutdown();
  }
  assert.equal(host.registry.getState("biotech"), "stopped");
  assert.equal(logs.at(-1)?.msg, "host stopped");
  await host.shutdown(); // a second call is the same stop, not a second one
});

Deno.test("the host records every plugin state change in the database", async () => {
  const { host } = start();
  try {
    host.registry.register(domain("biotech", () => {}));
    await host.registry.initializeAll(host.services);
    const rows = host.db.prepare(
      "SELECT plugin, from_state, to_state FROM plugin_events ORDER BY id",
    )
      .all();
    assert.deepEqual(rows.map((r) => `${r.plugin} ${r.from_state} ${r.to_state}`), [
      "biotech null loading",
      "biotech loading running",
    ]);
  } finally {
    await host.shutdown();
  }
});

Deno.test("HostServices gives each domain its logger, its config and the database", async () => {
  const { host, logs } = start();
  try {
    host.registry.register(domain("biotech", () => {}));
    const services = host.services;
    services.logger("biotech").info("hello");
    const line = logs.find((l) => l.msg === "hello")!;
    assert.equal(line.logger, "biotech v3.0.1");
    assert.equal(line.plugin, "biotech");
    assert.equal(services.config("biotech").getInt("threads"), 4);
    assert.deepEqual(services.config("finance").getKeys(), []);
    assert.equal(services.database(), host.db);
    assert.equal(typeof services.atsStore().generateAndCreate, "function");
    const queue = services.queue();
    const id = await queue.enqueue({ handlerName: "biotech/gc-content" });
    const job = await queue.getJob(id);
    assert.deepEqual([job?.source, job?.status], ["host", "queued"]);
  } finally {
    await host.shutdown();
  }
});
