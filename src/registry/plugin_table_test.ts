import assert from "node:assert/strict";
import type { Metadata } from "../plugin/mod.ts";
import { fakePlugin } from "./_fake_plugin.ts";
import { rejectsWith, setup, transitions } from "./_registry_setup.ts";

const meta = (name: string, version = "1.0.0", qntxVersion = ""): Metadata => ({
  name,
  version,
  qntxVersion,
  description: "",
  author: "",
  license: "",
});

Deno.test("a supervised plugin is described and its moves recorded; the table never calls it", async () => {
  const { registry, changes, logs } = setup();
  registry.preRegister("code");
  assert.deepEqual(registry.list(), [], "a reserved name is not yet a plugin");
  registry.describe("code", meta("code"), { pausable: true, configurable: true });
  assert.deepEqual(registry.list(), ["code"]);
  assert.equal(registry.get("code"), undefined, "no in-process plugin stands in for it");
  const snapshot = registry.snapshot("code")!;
  assert.deepEqual([snapshot.pausable, snapshot.configurable], [true, true]);
  assert.equal(snapshot.metadata?.version, "1.0.0");

  registry.markReady("code");
  registry.markPaused("code");
  registry.markReady("code");
  registry.recordHealth("code", { healthy: true, paused: false, message: "ok", details: {} }, 0);
  assert.equal(registry.snapshot("code")?.health?.message, "ok");
  // The seed's calls leave it to its supervisor: health keeps the recorded answer, shutdownAll
  // leaves it running, pause names who does it.
  assert.equal((await registry.healthCheckAll()).get("code")?.message, "ok");
  await registry.shutdownAll();
  assert.equal(registry.getState("code"), "running");
  await rejectsWith(registry.pause("code"), "unsupported", /runs as a process: pause it/);
  registry.markStopped("code", "disabled");
  assert.deepEqual(transitions(changes), [
    "code:new->loading",
    "code:loading->running",
    "code:running->paused",
    "code:paused->running",
    "code:running->stopped",
  ]);
  assert.ok(logs.some((line) => line.msg === 'plugin "code" v1.0.0 registered'));

  // A new version on the next launch is recorded and logged.
  registry.markLoading("code", "starting");
  registry.describe("code", meta("code", "1.1.0"), { pausable: false, configurable: true });
  assert.equal(registry.snapshot("code")?.metadata?.version, "1.1.0");
  assert.equal(registry.snapshot("code")?.pausable, false);
  assert.ok(logs.some((line) => line.msg === 'plugin "code" v1.1.0 registered'));
});

Deno.test("describe() refuses what register() refuses, and a name held in process", async () => {
  const { registry } = setup("1.2.0");
  const traits = { pausable: false, configurable: true };
  await rejectsWith(
    () => registry.describe("ghost", meta("ghost"), traits),
    "not_found",
    /not registered/,
  );
  registry.preRegister("code");
  await rejectsWith(
    () => registry.describe("code", meta("other"), traits),
    "invalid",
    /plugin "code" announced the name "other"/,
  );
  await rejectsWith(
    () => registry.describe("code", meta("code", "1.0.0", "^2.0.0"), traits),
    "incompatible",
    /requires QNTX \^2\.0\.0/,
  );
  await rejectsWith(
    () => registry.describe("code", meta("code", "one"), traits),
    "invalid",
    /version/,
  );
  registry.register(fakePlugin("biotech"));
  await rejectsWith(
    () => registry.describe("biotech", meta("biotech"), traits),
    "conflict",
    /already registered in process/,
  );
  // And register() refuses a name a supervisor described.
  registry.describe("code", meta("code"), traits);
  await rejectsWith(() => registry.register(fakePlugin("code")), "conflict", /already registered/);
});

Deno.test("serially() runs one plugin's operations one after another", async () => {
  const { registry } = setup();
  registry.preRegister("code");
  const order: string[] = [];
  let release!: () => void;
  const first = registry.serially("code", async () => {
    order.push("first starts");
    await new Promise<void>((resolve) => release = resolve);
    order.push("first ends");
  });
  const second = registry.serially("code", () => {
    order.push("second");
    return Promise.resolve();
  });
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.deepEqual(order, ["first starts"]);
  release();
  await Promise.all([first, second]);
  assert.deepEqual(order, ["first starts", "first ends", "second"]);
});
