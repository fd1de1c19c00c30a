import assert from "node:assert/strict";
import type { HealthStatus } from "../plugin/mod.ts";
import { fakePausablePlugin, fakePlugin, NO_SERVICES } from "./_fake_plugin.ts";
import { rejectsWith, setup, transitions } from "./_registry_setup.ts";
import type { RegistryErrorCode } from "./errors.ts";

Deno.test("initializeAll() goes in name order and marks each plugin running", async () => {
  const { registry, changes } = setup();
  const calls: string[] = [];
  for (const name of ["code", "alpha", "biotech"]) registry.register(fakePlugin(name, { calls }));
  await registry.initializeAll(NO_SERVICES);
  assert.deepEqual(calls, ["alpha.initialize", "biotech.initialize", "code.initialize"]);
  assert.deepEqual([...registry.getAllStates().values()], ["running", "running", "running"]);
  assert.equal(changes.filter((change) => change.to === "running").length, 3);
});

Deno.test("initializeAll() records each failure, goes on, and names every failed plugin", async () => {
  const { registry } = setup();
  const calls: string[] = [];
  registry.register(fakePlugin("alpha", { calls, initialize: { fail: "bad genome path" } }));
  registry.register(fakePlugin("biotech", { calls }));
  registry.register(fakePlugin("code", { calls, initialize: { fail: "git not found" } }));
  await assert.rejects(
    registry.initializeAll(NO_SERVICES),
    /2 plugins failed to initialize: "alpha" \(bad genome path\); "code" \(git not found\)/,
  );
  assert.deepEqual(calls, ["alpha.initialize", "biotech.initialize", "code.initialize"]);
  assert.equal(registry.getState("biotech"), "running");
  assert.equal(registry.getState("alpha"), "failed");
  assert.equal(registry.snapshot("alpha")?.lastError, "initialize failed: bad genome path");
  assert.equal(registry.snapshot("code")?.lastError, "initialize failed: git not found");
});

Deno.test("initializeAll() does not let a hung plugin hold the others past its deadline", async () => {
  const { registry } = setup("1.0.0", { deadlines: { initialize: 50 } });
  const calls: string[] = [];
  const hung = fakePlugin("alpha", { calls, initialize: "hang" });
  registry.register(hung);
  registry.register(fakePlugin("biotech", { calls }));
  const started = performance.now();
  await assert.rejects(
    registry.initializeAll(NO_SERVICES),
    /1 plugin failed to initialize: "alpha" \(initialize of plugin "alpha" timed out after 50 ms\)/,
  );
  assert.ok(performance.now() - started < 1000, "the hung plugin held the others");
  assert.deepEqual(calls, ["alpha.initialize", "biotech.initialize"]);
  assert.equal(registry.getState("alpha"), "failed");
  assert.equal(registry.getState("biotech"), "running");
  assert.equal(
    hung.signals.get("initialize")?.aborted,
    true,
    "the plugin's signal was not aborted",
  );
});

Deno.test("initializeAll() initializes each plugin once", async () => {
  const { registry } = setup();
  const calls: string[] = [];
  registry.register(fakePlugin("alpha", { calls }));
  await registry.initializeAll(NO_SERVICES);
  registry.register(fakePlugin("beta", { calls }));
  await registry.initializeAll(NO_SERVICES);
  assert.deepEqual(calls, ["alpha.initialize", "beta.initialize"]);
  await rejectsWith(
    registry.initialize("alpha", NO_SERVICES),
    "conflict",
    /cannot initialize plugin "alpha": it is running; only a loading plugin is initialized/,
  );
});

Deno.test("shutdownAll() goes in reverse name order and skips plugins already dead", async () => {
  const { registry } = setup();
  const calls: string[] = [];
  for (const name of ["alpha", "code", "biotech"]) registry.register(fakePlugin(name, { calls }));
  registry.register(fakePlugin("dead", { calls, initialize: { fail: "crashed" } }));
  registry.preRegister("late");
  await registry.initializeAll(NO_SERVICES).catch(() => {});
  calls.length = 0;
  await registry.shutdownAll();
  assert.deepEqual(calls, ["code.shutdown", "biotech.shutdown", "alpha.shutdown"]);
  assert.deepEqual([...registry.getAllStates()], [
    ["alpha", "stopped"],
    ["biotech", "stopped"],
    ["code", "stopped"],
    ["dead", "failed"],
    ["late", "stopped"],
  ]);
});

Deno.test("shutdownAll() does not let a hung plugin hold the others past its deadline", async () => {
  const { registry } = setup("1.0.0", { deadlines: { shutdown: 50 } });
  const calls: string[] = [];
  registry.register(fakePlugin("alpha", { calls }));
  registry.register(fakePlugin("beta", { calls, shutdown: "hang" }));
  registry.register(fakePlugin("gamma", { calls, shutdown: { fail: "socket closed" } }));
  await registry.initializeAll(NO_SERVICES);
  calls.length = 0;
  const started = performance.now();
  await assert.rejects(
    registry.shutdownAll(),
    /shutdown failed for "gamma" \(socket closed\); "beta" \(shutdown of plugin "beta" timed out after 50 ms\)/,
  );
  assert.ok(performance.now() - started < 1000, "the hung plugin held the others");
  assert.deepEqual(calls, ["gamma.shutdown", "beta.shutdown", "alpha.shutdown"]);
  assert.equal(registry.getState("beta"), "stopped");
  assert.match(registry.snapshot("beta")!.lastError!, /timed out after 50 ms/);
});

Deno.test("healthCheckAll() probes plugins concurrently", async () => {
  const { registry } = setup();
  // Each probe answers only once both have been called: sequential probing would time out.
  let arrivals = 0;
  let release!: () => void;
  const bothCalled = new Promise<void>((resolve) => release = resolve);
  const health = async (): Promise<HealthStatus> => {
    if (++arrivals === 2) release();
    await bothCalled;
    return { healthy: true, paused: false, message: "fine", details: { n: 1 } };
  };
  registry.register(fakePlugin("alpha", { health }));
  registry.register(fakePlugin("beta", { health }));
  await registry.initializeAll(NO_SERVICES);
  const results = await registry.healthCheckAll();
  assert.deepEqual([...results.keys()], ["alpha", "beta"]);
  assert.equal(results.get("alpha")?.healthy, true);
  assert.equal(results.get("beta")?.message, "fine");
  assert.equal(registry.snapshot("beta")?.health?.message, "fine");
});

Deno.test("healthCheckAll() bounds each probe and reports plugins that are not up", async () => {
  const { registry } = setup("1.0.0", { deadlines: { health: 50 } });
  registry.register(fakePlugin("alpha", { health: () => new Promise(() => {}) }));
  registry.register(fakePlugin("beta", { health: () => Promise.reject(new Error("db down")) }));
  registry.register(fakePlugin("gamma"));
  registry.register(fakePlugin("delta", { initialize: { fail: "boom" } }));
  registry.preRegister("epsilon");
  registry.register(fakePausablePlugin("zeta"));
  await registry.initializeAll(NO_SERVICES).catch(() => {});
  await registry.pause("zeta");
  const results = await registry.healthCheckAll();
  assert.match(
    results.get("alpha")!.message,
    /health check of plugin "alpha" timed out after 50 ms/,
  );
  assert.equal(results.get("alpha")!.healthy, false);
  assert.equal(results.get("beta")!.healthy, false);
  assert.equal(results.get("beta")!.message, "db down");
  assert.equal(results.get("gamma")!.healthy, true);
  assert.deepEqual(
    { healthy: results.get("delta")!.healthy, message: results.get("delta")!.message },
    { healthy: false, message: "plugin is failed: initialize failed: boom" },
  );
  assert.equal(results.get("epsilon")!.message, "plugin is loading");
  assert.equal(results.get("zeta")!.paused, true);
});

Deno.test("healthCheckAll() holds no lock: a plugin can be paused while its probe hangs", async () => {
  const { registry } = setup();
  let answer!: (status: HealthStatus) => void;
  const plugin = fakePausablePlugin("alpha", {
    health: () => new Promise((resolve) => answer = resolve),
  });
  registry.register(plugin);
  await registry.initializeAll(NO_SERVICES);
  const probing = registry.healthCheckAll();
  await registry.pause("alpha");
  assert.equal(registry.getState("alpha"), "paused");
  answer({ healthy: true, paused: false, message: "ok", details: {} });
  assert.equal((await probing).get("alpha")!.paused, true);
});

Deno.test("pause() and resume() check the plugin, its capability and its state", async (t) => {
  const { registry } = setup();
  registry.register(fakePausablePlugin("alpha"));
  registry.register(fakePlugin("plain"));
  registry.register(fakePausablePlugin("slow"));
  await registry.initialize("alpha", NO_SERVICES);
  await registry.initialize("plain", NO_SERVICES);

  const rows: [string, () => Promise<void>, RegistryErrorCode, RegExp][] = [
    [
      "unknown plugin",
      () => registry.pause("nope"),
      "not_found",
      /plugin "nope" is not registered/,
    ],
    [
      "plugin without pause",
      () => registry.pause("plain"),
      "unsupported",
      /plugin "plain" cannot pause: it does not implement pause and resume/,
    ],
    [
      "resume of a running plugin",
      () => registry.resume("alpha"),
      "conflict",
      /cannot resume plugin "alpha": it is running; only a paused plugin can be resumed/,
    ],
    [
      "pause of a loading plugin",
      () => registry.pause("slow"),
      "conflict",
      /cannot pause plugin "slow": it is loading; only a running plugin can be paused/,
    ],
  ];
  for (const [label, run, code, message] of rows) {
    await t.step(`${label} is refused`, async () => {
      const before = [...registry.getAllStates()];
      await rejectsWith(run(), code, message);
      assert.deepEqual([...registry.getAllStates()], before, "a refused call changed a state");
    });
  }
  await t.step("pause then resume succeed, and a second pause is refused", async () => {
    await registry.pause("alpha");
    assert.equal(registry.getState("alpha"), "paused");
    assert.equal(registry.isReady("alpha"), false);
    await rejectsWith(
      registry.pause("alpha"),
      "conflict",
      /cannot pause plugin "alpha": it is paused; only a running plugin can be paused/,
    );
    await registry.resume("alpha");
    assert.equal(registry.getState("alpha"), "running");
  });
  assert.equal(registry.isPausable("alpha"), true);
  assert.equal(registry.isPausable("plain"), false);
  assert.equal(registry.isPausable("nope"), false);
});

Deno.test("pause() leaves the state alone when the plugin's pause fails or hangs", async () => {
  const { registry } = setup("1.0.0", { deadlines: { call: 50 } });
  registry.register(fakePausablePlugin("alpha", { pause: { fail: "busy writing" } }));
  registry.register(fakePausablePlugin("beta", { pause: "hang" }));
  await registry.initializeAll(NO_SERVICES);
  await assert.rejects(registry.pause("alpha"), /busy writing/);
  await assert.rejects(registry.pause("beta"), /pause of plugin "beta" timed out after 50 ms/);
  assert.equal(registry.getState("alpha"), "running");
  assert.equal(registry.getState("beta"), "running");
});

Deno.test("every state change is an event, in order, and a throwing listener changes nothing", async () => {
  const { registry, changes, logs } = setup();
  const stop = registry.onStateChange(() => {
    throw new Error("listener bug");
  });
  registry.register(fakePausablePlugin("alpha"));
  await registry.initializeAll(NO_SERVICES);
  await registry.pause("alpha");
  stop();
  await registry.resume("alpha");
  await registry.shutdownAll();
  assert.deepEqual(transitions(changes), [
    "alpha:new->loading",
    "alpha:loading->running",
    "alpha:running->paused",
    "alpha:paused->running",
    "alpha:running->stopped",
  ]);
  assert.equal(logs.filter((line) => line.msg.includes("listener threw")).length, 3);
  assert.ok(changes.every((change) => typeof change.at === "number"));
});

Deno.test("state changes are logged with the plugin, the move and the reason", async () => {
  const { registry, logs } = setup();
  registry.register(fakePlugin("alpha", { initialize: { fail: "no such file" } }));
  await registry.initializeAll(NO_SERVICES).catch(() => {});
  const failure = logs.find((line) => line.level === "error");
  assert.ok(failure);
  assert.equal(failure.plugin, "alpha");
  assert.equal(failure.to, "failed");
  assert.match(failure.msg, /plugin "alpha" loading → failed: initialize failed: no such file/);
});
