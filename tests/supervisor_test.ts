import assert from "node:assert/strict";
import { pluginFolder } from "./_plugin_folder.ts";
import { alive, FIXTURES, startTestHost, waitForState } from "./_in_process_host.ts";

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
    await test.host.supervisor.probeAll();
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

Deno.test("a plugin with a syntax error fails at once, its error shown once, never retried", async () => {
  const root = await Deno.makeTempDir({ prefix: "qntx-syntax-" });
  await pluginFolder(root, "typo", {});
  await Deno.writeTextFile(`${root}/typo/main.ts`, "const greeting = ;\n");
  const test = await startTestHost(["typo"], "", [root]);
  try {
    const { registry, supervisor } = test.host;
    await waitForState(registry, "typo", "failed");
    const reason = registry.snapshot("typo")!.lastError!;
    assert.match(reason, /it cannot start until its code is fixed: error: SyntaxError/);
    assert.match(reason, /const greeting = ;/);
    assert.match(reason, /typo\/main\.ts:1:/);
    assert.equal(reason.split("SyntaxError").length, 2, "the error is shown once");
    assert.doesNotMatch(reason, /crash loop/);
    assert.ok(!reason.includes("\x1b"), "no terminal colours");
    assert.equal(supervisor.get("typo")!.pid, undefined);
    assert.deepEqual(ledgerPids(test.dir, "typo"), [], "nothing of it in the host's record");
    const launches = test.logs.filter((line) => /restarting in/.test(String(line.msg)));
    assert.deepEqual(launches, [], "no restart was tried");
  } finally {
    await test.close();
    await Deno.remove(root, { recursive: true });
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

Deno.test("permanent problems fail at once with the reason: wrong name, incompatible, forbidden permission, a socket not its own", async () => {
  const names = ["wrong-name", "incompatible", "greedy", "impostor", "impostor-socket"];
  const test = await startTestHost(names);
  try {
    const { registry } = test.host;
    const reasons = await Promise.all(names.map(async (name) => {
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
    assert.match(
      reasons[3]!,
      /plugin "impostor" announced the socket \/tmp\/qntx-some-sibling\/data\.sock, not the one the host gave it \(.*\/data\.sock\)/,
    );
    assert.match(
      reasons[4]!,
      /plugin "impostor-socket" announced the socket \/tmp\/qntx-some-sibling\/plugin\.sock, not the one the host gave it \(.*\/plugin\.sock\)/,
    );
    // Killed before any call: nothing of the impostors is left in the host's record.
    for (const name of ["impostor", "impostor-socket"]) {
      assert.deepEqual(ledgerPids(test.dir, name), []);
    }
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

/** `/proc/<pid>/stat` fields: parent and process group (undefined once the process is gone). */
function statOf(pid: number): { ppid: number; pgrp: number } | undefined {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { ppid: Number(fields[1]), pgrp: Number(fields[2]) };
  } catch {
    return undefined;
  }
}

/**
 * The process groups of every process this test process started, directly or not, whose
 * command line names `entry`: one per plugin process, wrappers (bubblewrap) included.
 */
function processGroupsRunning(entry: string): number[] {
  const groups = new Set<number>();
  for (const item of Deno.readDirSync("/proc")) {
    const pid = Number(item.name);
    if (!Number.isInteger(pid)) continue;
    let cmdline: string;
    try {
      cmdline = Deno.readTextFileSync(`/proc/${pid}/cmdline`);
    } catch {
      continue;
    }
    if (!cmdline.includes(entry) || !alive(pid)) continue;
    // Only descendants of this test: other hosts on the machine may run the same fixture.
    let ancestor = statOf(pid)?.ppid;
    while (ancestor !== undefined && ancestor > 1 && ancestor !== Deno.pid) {
      ancestor = statOf(ancestor)?.ppid;
    }
    if (ancestor === Deno.pid) groups.add(statOf(pid)!.pgrp);
  }
  return [...groups];
}

/** The processes of `plugin` in the host's record (`<runtime_dir>/processes.json`). */
function ledgerPids(dir: string, plugin: string): number[] {
  const ledger = JSON.parse(Deno.readTextFileSync(`${dir}/data/run/processes.json`));
  return ledger.processes
    .filter((record: { plugin: string }) => record.plugin === plugin)
    .map((record: { pid: number }) => record.pid);
}

Deno.test("attack: enable on a running, starting or paused plugin starts no second process", async () => {
  const test = await startTestHost([]);
  try {
    const { registry, supervisor, url } = test.host;
    const post = async (path: string) => {
      const response = await fetch(new URL(path, url), { method: "POST" });
      return { status: response.status, body: await response.json() };
    };
    const onlyOne = (pid: number) => {
      assert.deepEqual(ledgerPids(test.dir, "echo"), [pid], "one process in the host's record");
      assert.deepEqual(
        processGroupsRunning(`${FIXTURES}/echo/main.ts`),
        [statOf(pid)!.pgrp],
        "one process group of the plugin on the machine",
      );
    };

    // Twice at once, before the plugin was ever found: one request starts it.
    const first = await Promise.all([
      post("/api/plugins/echo/enable"),
      post("/api/plugins/echo/enable"),
    ]);
    assert.deepEqual(first.map((answer) => answer.status).sort(), [200, 409]);
    const told = first.find((answer) => answer.status === 409)!.body;
    assert.match(
      told.detail,
      /^plugin "echo" is already (starting|running); .*nothing was changed$/,
    );
    assert.equal(told.plugin, "echo");
    await waitForState(registry, "echo", "running");
    const pid = supervisor.get("echo")!.pid!;
    onlyOne(pid);

    // Once it runs: the API says so; the supervisor itself (the config watcher's way) too.
    const again = await post("/api/plugins/echo/enable");
    assert.equal(again.status, 409);
    assert.equal(
      again.body.detail,
      'plugin "echo" is already running; restart replaces its process ' +
        "(POST /api/plugins/echo/restart); nothing was changed",
    );
    assert.equal(again.body.state, "running");
    await Promise.all([supervisor.enable("echo"), supervisor.enable("echo")]);
    assert.equal(registry.getState("echo"), "running");
    assert.equal(supervisor.get("echo")!.pid, pid);
    onlyOne(pid);

    // Paused: still one process, and the way out is resume.
    await post("/api/plugins/echo/pause");
    const paused = await post("/api/plugins/echo/enable");
    assert.equal(paused.status, 409);
    assert.match(paused.body.detail, /is already running, paused; resume it/);
    assert.equal(registry.getState("echo"), "paused");
    onlyOne(pid);

    // Stopped, then enabled twice at once: a new process, and only one.
    await post("/api/plugins/echo/disable");
    assert.deepEqual(processGroupsRunning(`${FIXTURES}/echo/main.ts`), []);
    const second = await Promise.all([
      post("/api/plugins/echo/enable"),
      post("/api/plugins/echo/enable"),
    ]);
    assert.deepEqual(second.map((answer) => answer.status).sort(), [200, 409]);
    await supervisor.enable("echo");
    await waitForState(registry, "echo", "running");
    const next = supervisor.get("echo")!.pid!;
    assert.notEqual(next, pid);
    assert.ok(!alive(pid));
    onlyOne(next);
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

Deno.test("a stop while a launch is under way waits for it: no process outlives the stop", async () => {
  const test = await startTestHost(["echo"]);
  try {
    const { registry, supervisor } = test.host;
    await waitForState(registry, "echo", "running");
    await supervisor.disable("echo");
    // Enable starts a launch; a disable right after must not return while its process starts.
    const starting = supervisor.enable("echo");
    await new Promise((resolve) => setTimeout(resolve, 30));
    await supervisor.disable("echo");
    const running = new TextDecoder().decode(
      (await new Deno.Command("ps", { args: ["-eo", "args"], stdout: "piped" }).output()).stdout,
    ).split("\n").filter((line) =>
      line.includes(test.dir) && line.includes("fixtures/plugins/echo/main.ts")
    );
    assert.deepEqual(running, [], "an echo process outlived the stop");
    await starting;
    assert.equal(registry.getState("echo"), "stopped");
    assert.equal(supervisor.get("echo")!.pid, undefined);
  } finally {
    await test.close();
  }
});
