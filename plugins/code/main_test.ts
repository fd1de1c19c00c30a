import assert from "node:assert/strict";
import type { PluginContext } from "../../src/sdk/mod.ts";
import { codePlugin } from "./main.ts";
import { CodeState } from "./state.ts";

function route(plugin: ReturnType<typeof codePlugin>, method: string, path: string) {
  const found = plugin.routes?.find((r) => r.method === method && r.path === path);
  assert.ok(found, `${method} ${path} is a route`);
  return found.handler;
}

const enqueued: string[] = [];
const context = {
  queue: {
    enqueue: (job: { handlerName: string }) =>
      Promise.resolve(enqueued.push(job.handlerName) && "job-1"),
  },
  params: {},
} as unknown as PluginContext & { params: Record<string, string | undefined> };

Deno.test("the code plugin answers from its own state, which a test can give it", async () => {
  const state = new CodeState("code");
  const plugin = codePlugin(state);
  assert.deepEqual(await plugin.health?.(context), { healthy: true, message: "not ingested yet" });
  state.refused = "/srv/repo is outside the plugin's read grants";
  assert.deepEqual(await plugin.health?.(context), {
    healthy: false,
    message: "/srv/repo is outside the plugin's read grants",
  });
  const status = await (await route(plugin, "GET", "/status")(
    new Request("http://plugin/status"),
    context,
  )).json();
  assert.equal(status.refused, "/srv/repo is outside the plugin's read grants");
  assert.equal(status.running, false);
  // Two plugins, two states: nothing is shared at module level.
  const other = new CodeState("code");
  assert.deepEqual(await codePlugin(other).health?.(context), {
    healthy: true,
    message: "not ingested yet",
  });
});

Deno.test("the code plugin's errors are problem+json that say what to send", async () => {
  const plugin = codePlugin(new CodeState("code"));
  const missing = await route(plugin, "GET", "/files/history")(
    new Request("http://plugin/files/history"),
    context,
  );
  assert.equal(missing.status, 400);
  assert.equal(missing.headers.get("content-type"), "application/problem+json");
  const body = await missing.json();
  assert.equal(body.title, "Bad Request");
  assert.match(body.detail, /\?path= names the file/);
  // With no repository refused, POST /ingest queues the job.
  const queued = await route(plugin, "POST", "/ingest")(
    new Request("http://plugin/ingest", { method: "POST" }),
    context,
  );
  assert.equal(queued.status, 202);
  assert.deepEqual(enqueued, ["code/ingest"]);
});
