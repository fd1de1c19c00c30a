/**
 * Upgrades in place through a real host: the new version of a plugin starts beside the one that
 * serves, takes over once healthy, and the old one finishes what it has. Real SDK plugin
 * processes, real sockets, real HTTP and WebSocket clients under steady load.
 */
import assert from "node:assert/strict";
import { startTestHost, type TestHost, waitForState } from "./_in_process_host.ts";
import { prebuiltPlugins } from "./_programs.ts";
import {
  jobReaching,
  NAME,
  openSocket,
  runJob,
  steadyLoad,
  writeVersion,
} from "./_versioned_plugin.ts";

async function withTool(run: (test: TestHost, root: string) => Promise<void>): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "qntx-upgrade-" });
  await writeVersion(root, "1.0.0");
  const test = await startTestHost([NAME], "", [root]);
  try {
    await test.host.pluginsStarted;
    await waitForState(test.host.registry, NAME, "running");
    await run(test, root);
  } finally {
    await test.close();
    await Deno.remove(root, { recursive: true });
  }
}

function upgrade(test: TestHost): Promise<Response> {
  return fetch(new URL(`/api/plugins/${NAME}/upgrade`, test.host.url), { method: "POST" });
}

Deno.test("an upgrade under steady load fails no request and moves requests, WebSockets and jobs to the new version", async () => {
  await withTool(async (test, root) => {
    const before = test.host.supervisor!.get(NAME)!.pid;
    const ws = openSocket(test);
    await ws.opened;
    ws.socket.send("hi");
    // A job that is still running when the switch comes: the old version finishes it.
    const running = await runJob(test, 800, ["running"]);
    const longJob = jobReaching(test, String(running.id));
    const load = steadyLoad(test, 8);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await writeVersion(root, "2.0.0");
    const response = await upgrade(test);
    const body = await response.json();
    const switchedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await load.stop();

    assert.equal(response.status, 200, JSON.stringify(body));
    assert.equal(body.upgrade.from, "1.0.0");
    assert.equal(body.upgrade.to, "2.0.0");
    assert.equal(body.plugin.version, "2.0.0");
    assert.equal(body.plugin.state, "running");
    const failed = load.answers.filter((answer) => answer.status !== 200);
    assert.deepEqual(failed, [], "no request failed during the upgrade");
    assert.ok(load.answers.some((answer) => answer.body === "1.0.0"), "v1 served before");
    const after = load.answers.filter((answer) => answer.startedAt > switchedAt);
    assert.ok(after.length > 0, "requests were made after the switch");
    assert.deepEqual(new Set(after.map((answer) => answer.body)), new Set(["2.0.0"]));
    assert.notEqual(test.host.supervisor!.get(NAME)!.pid, before, "a new process serves");

    // The old process's WebSocket was closed with 1012 (service restart): reconnect.
    const close = await ws.closed;
    assert.equal(close.code, 1012, close.reason);
    assert.deepEqual(ws.messages, ["1.0.0:hi"]);
    const again = openSocket(test);
    await again.opened;
    again.socket.send("hi");
    while (again.messages.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(again.messages, ["2.0.0:hi"]);
    again.socket.close();
    await again.closed;

    // The job under way finished on v1; a new one runs on v2.
    const finishedLong = await longJob;
    assert.equal(finishedLong.status, "completed", JSON.stringify(finishedLong));
    assert.deepEqual(finishedLong.result, { version: "1.0.0" });
    const next = await runJob(test, 0);
    assert.deepEqual(next.result, { version: "2.0.0" });

    // The history names both versions.
    const { events } = await (await fetch(new URL(`/api/plugins/${NAME}`, test.host.url))).json();
    const upgraded = events.find((event: { reason?: string }) =>
      event.reason === "upgraded from v1.0.0 to v2.0.0"
    );
    assert.ok(upgraded, JSON.stringify(events));
    assert.equal(upgraded.version, "2.0.0");
    assert.ok(events.some((event: { version?: string }) => event.version === "1.0.0"));
  });
});

Deno.test("a new version that does not come up leaves the old one serving, and the answer says why", async () => {
  await withTool(async (test, root) => {
    const pid = test.host.supervisor!.get(NAME)!.pid;
    const cases: [string, Parameters<typeof writeVersion>[2], RegExp][] = [
      [
        "throws as it loads",
        { preamble: 'throw new Error("v2 cannot load its model");' },
        /v2 cannot load its model/,
      ],
      [
        "answers unhealthy",
        { members: 'health: () => ({ healthy: false, message: "no disk" }),' },
        /answered unhealthy: no disk/,
      ],
      ["needs a newer host", { qntxVersion: ">=9.0.0" }, /9\.0\.0/],
    ];
    for (const [what, options, cause] of cases) {
      await writeVersion(root, "2.0.0", options);
      const load = steadyLoad(test, 4);
      const response = await upgrade(test);
      const problem = await response.json();
      await load.stop();
      assert.equal(response.status, 502, `${what}: ${JSON.stringify(problem)}`);
      assert.match(problem.detail, /upgrade of plugin "tool" failed/, what);
      assert.match(problem.detail, cause, what);
      assert.match(problem.detail, /v1\.0\.0 keeps serving/, what);
      assert.deepEqual(load.answers.filter((answer) => answer.status !== 200), [], what);
      assert.deepEqual(new Set(load.answers.map((answer) => answer.body)), new Set(["1.0.0"]));
      assert.equal(test.host.registry.getState(NAME), "running", what);
      assert.equal(test.host.registry.snapshot(NAME)?.metadata?.version, "1.0.0", what);
      assert.equal(test.host.supervisor!.get(NAME)!.pid, pid, what);
    }
    // A good version afterwards still goes through.
    await writeVersion(root, "2.0.1");
    const response = await upgrade(test);
    assert.equal(response.status, 200, await response.text());
    assert.equal(
      await (await fetch(new URL(`/api/${NAME}/version`, test.host.url))).text(),
      "2.0.1",
    );
  });
});

Deno.test("only a running plugin is upgraded; others are refused saying what to do", async () => {
  await withTool(async (test) => {
    const unknown = await fetch(new URL("/api/plugins/nobody/upgrade", test.host.url), {
      method: "POST",
    });
    assert.equal(unknown.status, 404);
    await unknown.body?.cancel();
    await test.host.supervisor!.disable(NAME);
    const response = await upgrade(test);
    const problem = await response.json();
    assert.equal(response.status, 409);
    assert.match(problem.detail, /cannot upgrade plugin "tool": it is stopped/);
    assert.match(problem.detail, /enable or restart starts the version on disk/);
  });
});

Deno.test("prebuilt executables upgrade in place too: a QNTX program (gRPC over TCP) and an SDK binary", async () => {
  const { dir, grants } = await prebuiltPlugins();
  const test = await startTestHost(["portecho", "sdkexe"], grants, [dir]);
  try {
    for (const name of ["portecho", "sdkexe"]) {
      await waitForState(test.host.registry, name, "running");
      const before = test.host.supervisor!.get(name)!.pid;
      let running = true;
      const statuses: number[] = [];
      const load = Array.from({ length: 4 }, async () => {
        while (running) {
          const response = await fetch(new URL(`/api/${name}/slow/30`, test.host.url));
          await response.body?.cancel();
          statuses.push(response.status);
        }
      });
      const response = await fetch(new URL(`/api/plugins/${name}/upgrade`, test.host.url), {
        method: "POST",
      });
      const body = await response.json();
      await new Promise((resolve) => setTimeout(resolve, 150));
      running = false;
      await Promise.all(load);
      assert.equal(response.status, 200, `${name}: ${JSON.stringify(body)}`);
      assert.ok(statuses.length > 0);
      assert.deepEqual(statuses.filter((status) => status !== 200), [], name);
      const after = test.host.supervisor!.get(name)!.pid;
      assert.notEqual(after, before, `${name}: a new process serves`);
      const { pid } = await (await fetch(new URL(`/api/${name}/pid`, test.host.url))).json();
      assert.ok(typeof pid === "number");
    }
  } finally {
    await test.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a restart starts what is on disk now, even when its entry moved", async () => {
  await withTool(async (test, root) => {
    // v2 names another entry module, and v1's is gone.
    await writeVersion(root, "2.0.0");
    const dir = `${root}/${NAME}`;
    await Deno.rename(`${dir}/main.ts`, `${dir}/mod.ts`);
    const manifest = JSON.parse(await Deno.readTextFile(`${dir}/plugin.json`));
    await Deno.writeTextFile(
      `${dir}/plugin.json`,
      JSON.stringify({ ...manifest, entry: "mod.ts" }),
    );
    const response = await fetch(new URL(`/api/plugins/${NAME}/restart`, test.host.url), {
      method: "POST",
    });
    const body = await response.json();
    assert.equal(response.status, 200, JSON.stringify(body));
    await waitForState(test.host.registry, NAME, "running");
    const answer = await fetch(new URL(`/api/${NAME}/version`, test.host.url));
    assert.equal(await answer.text(), "2.0.0");
    assert.equal(test.host.supervisor!.get(NAME)!.found.kind, "deno");
  });
});
