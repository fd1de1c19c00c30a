import assert from "node:assert/strict";
import { alive, startTestHost, waitForState } from "./_in_process_host.ts";

Deno.test("an SDK plugin is spawned, checked, initialized and running; its routes show in the API", async () => {
  const test = await startTestHost(["echo"], '[echo]\ngreeting = "bonjour"\n');
  try {
    const { registry, supervisor } = test.host;
    assert.equal(
      registry.getState("echo"),
      "loading",
      "the name is reserved before the process runs",
    );
    await waitForState(registry, "echo", "running");
    const echo = supervisor.get("echo")!;
    assert.ok(echo.pid && alive(echo.pid));
    assert.deepEqual(echo.declared?.handlerNames, ["echo"]);
    assert.deepEqual(echo.declared?.httpRoutes.map((r) => r.path).slice(0, 2), [
      "/greeting",
      "/pid",
    ]);
    const body = await (await fetch(new URL("/api/plugins/echo", test.host.url))).json();
    assert.equal(body.state, "running");
    assert.equal(body.pausable, true);
    assert.equal(body.configurable, true);
    await registry.healthCheckAll();
    assert.equal(registry.snapshot("echo")?.health?.message, "greeting is bonjour");
  } finally {
    await test.close();
  }
});

Deno.test("a crashed plugin is restarted at once and runs again", async () => {
  const test = await startTestHost(["echo"]);
  try {
    const { registry, supervisor } = test.host;
    await waitForState(registry, "echo", "running");
    const first = supervisor.get("echo")!.pid!;
    const restarted = waitForState(registry, "echo", "loading");
    Deno.kill(first, "SIGKILL");
    const change = await restarted;
    assert.match(
      change!.reason!,
      /exited unexpectedly \(killed by SIGKILL\).*; restarting in \d+ ms$/,
    );
    await waitForState(registry, "echo", "running");
    const second = supervisor.get("echo")!.pid!;
    assert.notEqual(second, first);
    assert.ok(!alive(first));
    assert.match(registry.snapshot("echo")!.lastError!, /killed by SIGKILL/);
  } finally {
    await test.close();
  }
});

Deno.test("a plugin that crashes at start fails with its exit code and last stderr lines", async () => {
  const test = await startTestHost(["crash-at-start", "echo"]);
  try {
    const { registry } = test.host;
    await waitForState(registry, "crash-at-start", "failed");
    const reason = registry.snapshot("crash-at-start")!.lastError!;
    assert.match(reason, /crash loop: 5 failures within 60 s/);
    assert.match(reason, /exited before it was ready \(exit code 3\)/);
    assert.match(reason, /cannot open the genome index: \/data\/missing\.idx/);
    await waitForState(registry, "echo", "running"); // the others are not held up
  } finally {
    await test.close();
  }
});

Deno.test("a crash loop after start ends in failed with the exit and the stderr", async () => {
  const test = await startTestHost(["crash-later"]);
  try {
    await waitForState(test.host.registry, "crash-later", "failed");
    const reason = test.host.registry.snapshot("crash-later")!.lastError!;
    assert.match(reason, /crash loop/);
    assert.match(reason, /exit code 7/);
    assert.match(reason, /segfault in native module \(simulated\)/);
    assert.equal(
      test.host.supervisor.get("crash-later")!.pid,
      undefined,
      "no process is left running",
    );
  } finally {
    await test.close();
  }
});

Deno.test("permanent problems fail at once with the reason: wrong name, incompatible, forbidden permission", async () => {
  const test = await startTestHost(["wrong-name", "incompatible", "greedy"]);
  try {
    const { registry } = test.host;
    const reasons = await Promise.all(["wrong-name", "incompatible", "greedy"].map(async (name) => {
      await waitForState(registry, name, "failed");
      return registry.snapshot(name)!.lastError!;
    }));
    assert.match(
      reasons[0]!,
      /the process started for plugin "wrong-name" says its name is "somebody-else"/,
    );
    assert.match(reasons[1]!, /requires QNTX \^99\.0\.0 but this host is version 0\.1\.0/);
    assert.match(
      reasons[2]!,
      /asks for run \(git\), which leaves the sandbox; set trusted = true in \[plugin\.grants\.greedy\]/,
    );
  } finally {
    await test.close();
  }
});

Deno.test("a plugin whose health never answers is taken for hung, killed and restarted", async () => {
  const test = await startTestHost(["hang-health"]);
  try {
    const { registry, supervisor } = test.host;
    await waitForState(registry, "hang-health", "running");
    const first = supervisor.get("hang-health")!.pid!;
    const change = await waitForState(registry, "hang-health", "loading");
    assert.match(change!.reason!, /hung: no answer to 3 health checks in a row/);
    await waitForState(registry, "hang-health", "running");
    assert.notEqual(supervisor.get("hang-health")!.pid, first);
  } finally {
    await test.close();
  }
});

Deno.test("an Initialize that never returns is cut off by its deadline", async () => {
  const test = await startTestHost(["hang-initialize"]);
  try {
    const { registry } = test.host;
    const change = await waitForState(registry, "hang-initialize", "failed");
    assert.match(change!.reason!, /initialize of plugin "hang-initialize" timed out after 2000 ms/);
  } finally {
    await test.close();
  }
});

Deno.test("a plugin that ignores SIGTERM is killed; stop never hangs", async () => {
  const test = await startTestHost(["stubborn"]);
  try {
    const { registry, supervisor } = test.host;
    await waitForState(registry, "stubborn", "running");
    const pid = supervisor.get("stubborn")!.pid!;
    await supervisor.disable("stubborn");
    assert.equal(registry.getState("stubborn"), "stopped");
    assert.ok(!alive(pid));
    assert.ok(
      test.logs.some((line) => /plugin "stubborn" ignored SIGTERM; killing it/.test(line.msg)),
    );
  } finally {
    await test.close();
  }
});

Deno.test("a plugin that floods stderr keeps running and the host keeps a bounded log", async () => {
  const test = await startTestHost(["noisy"]);
  try {
    const { registry, supervisor } = test.host;
    await waitForState(registry, "noisy", "running");
    const logs = supervisor.get("noisy")!.logs;
    assert.equal(logs.lines().length, logs.capacity);
    const health = await fetch(new URL("/healthz", test.host.url));
    assert.equal(health.status, 200);
    await health.body?.cancel();
  } finally {
    await test.close();
  }
});

Deno.test("enable, disable and restart work while the host runs", async () => {
  const test = await startTestHost([]);
  try {
    const { registry, supervisor, url } = test.host;
    const post = async (path: string) => {
      const response = await fetch(new URL(path, url), { method: "POST" });
      return { status: response.status, body: await response.json() };
    };
    assert.equal((await post("/api/plugins/echo/enable")).status, 200);
    await waitForState(registry, "echo", "running");
    const first = supervisor.get("echo")!.pid!;
    const restart = await post("/api/plugins/echo/restart");
    assert.equal(restart.body.state, "running");
    assert.notEqual(supervisor.get("echo")!.pid, first);
    assert.ok(!alive(first));
    const disabled = await post("/api/plugins/echo/disable");
    assert.equal(disabled.body.state, "stopped");
    assert.equal(supervisor.get("echo")!.pid, undefined);
    assert.equal((await post("/api/plugins/echo/enable")).body.state, "running");
    assert.equal((await post("/api/plugins/nope/restart")).status, 404);
  } finally {
    await test.close();
  }
});

Deno.test("a plugin that dies during its first Initialize is restarted and then runs", async () => {
  const test = await startTestHost(["flaky-start"]);
  try {
    const { registry } = test.host;
    const change = await waitForState(registry, "flaky-start", "running");
    assert.ok(change, "it was running at once, which the fixture cannot do");
    assert.match(
      registry.snapshot("flaky-start")!.lastError!,
      /exited unexpectedly \(exit code 5\)/,
    );
    assert.equal(Deno.readTextFileSync(`${test.dir}/data/plugins/flaky-start/started-once`), "1");
  } finally {
    await test.close();
  }
});
