/**
 * A plugin author's failures say where they happened: an exception in `initialize`, a route or
 * a job names the plugin's own file and line, without gRPC codes, and the stack is in the
 * plugin's log.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { REPO } from "./_host_process.ts";
import { startTestHost, waitForState } from "./_in_process_host.ts";

async function plugin(root: string, name: string, body: string): Promise<void> {
  await Deno.mkdir(join(root, name), { recursive: true });
  await Deno.writeTextFile(
    join(root, name, "plugin.json"),
    JSON.stringify({ name, version: "1.0.0", entry: "main.ts" }),
  );
  await Deno.writeTextFile(
    join(root, name, "main.ts"),
    `import { definePlugin, serve } from "${REPO}src/sdk/mod.ts";
const metadata = { name: "${name}", version: "1.0.0", qntxVersion: "", description: "", author: "", license: "" };
${body}
`,
  );
}

Deno.test("exceptions in initialize, routes and jobs name the plugin's file and line", async () => {
  const root = await Deno.makeTempDir({ prefix: "qntx-errors-" });
  await plugin(
    root,
    "broken",
    `const settings: { limits?: { max: number } } = {};
await serve(definePlugin({
  metadata,
  initialize() {
    console.log(settings.limits!.max);
  },
}));`,
  );
  await plugin(
    root,
    "oops",
    `await serve(definePlugin({
  metadata,
  routes: [{ method: "GET", path: "/boom", handler: () => { throw new RangeError("no sample 7"); } }],
  jobs: { crunch: () => { throw new Error("the matrix is singular"); } },
  websocket: { "/": () => { throw new Error("no room"); } },
}));`,
  );
  const test = await startTestHost(["broken", "oops"], "", [root]);
  try {
    const { registry, supervisor, url } = test.host;
    await waitForState(registry, "broken", "failed");
    const reason = registry.snapshot("broken")!.lastError!;
    assert.match(reason, /^initialize failed: TypeError: .*\(at main\.ts:7:\d+\)/);
    assert.doesNotMatch(reason, /\d+ UNKNOWN/);
    const logged = supervisor.get("broken")!.logs.lines().map((line) => line.text).join("\n");
    assert.match(logged, /initialize failed/);
    assert.match(logged, /main\.ts:7:\d+/, "the stack is in the plugin's log");

    await waitForState(registry, "oops", "running");
    const boom = await fetch(new URL("/api/oops/boom", url));
    assert.equal(boom.status, 500);
    assert.match(
      (await boom.json()).detail,
      /failed to handle GET \/boom: RangeError: no sample 7 \(at main\.ts:5:\d+\)/,
    );
    // The plugin goes on running; what threw is its last error, for the operator (the console).
    let noted = "";
    for (let i = 0; i < 50 && !/GET \/boom failed/.test(noted); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      noted = registry.snapshot("oops")?.lastError ?? "";
    }
    assert.match(noted, /^GET \/boom failed: RangeError: no sample 7 \(at main\.ts:5:\d+\)$/);
    assert.equal(registry.getState("oops"), "running");
    // A WebSocket handler that throws: the client's close says where.
    const socket = new WebSocket(new URL("/oops-ws", url.href.replace("http", "ws")));
    const closed = await new Promise<CloseEvent>((resolve) => socket.onclose = resolve);
    assert.equal(closed.code, 4000);
    assert.match(closed.reason, /^handler failed: Error: no room \(at main\.ts:7:\d+\)$/);
    const queued = await fetch(new URL("/api/pulse/jobs", url), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ handler_name: "oops/crunch" }),
    });
    const { job } = await queued.json();
    let done: { job: { status: string; error: string }; logs: { message: string }[] } | undefined;
    for (let i = 0; i < 100 && done?.job.status !== "failed"; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      done = await (await fetch(new URL(`/api/pulse/jobs/${job.id}`, url))).json();
    }
    assert.equal(done?.job.error, "the matrix is singular");
    assert.ok(
      done?.logs.some((entry) =>
        /Error: the matrix is singular \(at main\.ts:6:\d+\)/.test(entry.message)
      ),
      JSON.stringify(done?.logs),
    );
  } finally {
    await test.close();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a sandbox refusal in a route answers with the permission and the grant that allows it", async () => {
  const root = await Deno.makeTempDir({ prefix: "qntx-denied-" });
  await plugin(
    root,
    "curious",
    `await serve(definePlugin({
  metadata,
  routes: [
    { method: "GET", path: "/net", handler: async () => new Response((await fetch("https://example.org/")).statusText) },
    { method: "GET", path: "/read", handler: async () => new Response(await Deno.readTextFile("/etc/hostname")) },
  ],
}));`,
  );
  const test = await startTestHost(["curious"], "", [root]);
  try {
    const { registry, supervisor, url } = test.host;
    await waitForState(registry, "curious", "running");
    const net = await fetch(new URL("/api/curious/net", url));
    assert.equal(net.status, 500);
    const problem = await net.json();
    assert.deepEqual([problem.permission, problem.value], ["net", "example.org:443"]);
    assert.equal(problem.grant, '[plugin.grants.curious]\nnet = ["example.org:443"]');
    assert.match(
      problem.detail,
      /refused net access to "example\.org:443" by its sandbox; grant it/,
    );
    const read = await (await fetch(new URL("/api/curious/read", url))).json();
    assert.equal(read.grant, '[plugin.grants.curious]\nread = ["/etc/hostname"]');
    // The plugin's log says the same, never Deno's "run again with --allow-net".
    const logged = supervisor.get("curious")!.logs.lines().map((line) => line.text).join("\n");
    assert.match(logged, /refused net access/);
    assert.doesNotMatch(logged, /--allow-net/);
  } finally {
    await test.close();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a misspelt definition fails at start, once, saying what was meant", async () => {
  const root = await Deno.makeTempDir({ prefix: "qntx-sloppy-" });
  await plugin(
    root,
    "sloppy",
    `await serve(definePlugin({
  metadata,
  route: [{ method: "GET", path: "/", handler: () => new Response("hi") }],
  configSchema: { limit: { type: "integer", description: "how many" } },
}));`,
  );
  const test = await startTestHost(["sloppy"], "", [root]);
  try {
    await waitForState(test.host.registry, "sloppy", "failed");
    const reason = test.host.registry.snapshot("sloppy")!.lastError!;
    assert.match(reason, /it cannot start until its code is fixed/);
    assert.match(reason, /unknown key "route" \(did you mean "routes"\?\)/);
    assert.match(reason, /configSchema\.limit\.type is "integer".*\(did you mean "number"\?\)/);
    assert.ok(!test.logs.some((line) => /restarting in/.test(String(line.msg))), "no restart");
  } finally {
    await test.close();
    await Deno.remove(root, { recursive: true });
  }
});
