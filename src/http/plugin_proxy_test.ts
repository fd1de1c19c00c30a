import assert from "node:assert/strict";
import fc from "fast-check";
import { JsonLogger, memorySink } from "../log/mod.ts";
import { type DomainPlugin, PluginCallError, type PluginCallFailure } from "../plugin/mod.ts";
import type { domain } from "../protocol/mod.ts";
import { newRegistry } from "../registry/mod.ts";
import { createApp } from "./app.ts";
import type { PluginGateway } from "./plugin_proxy.ts";
import type { WebSocketGateway } from "./websocket_relay.ts";

function plugin(name: string): DomainPlugin {
  return {
    metadata: () => ({
      name,
      version: "1.0.0",
      qntxVersion: "",
      description: "",
      author: "",
      license: "",
    }),
    initialize: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
    registerHttp: () => {},
    registerWebSocket: () => new Map(),
    health: () => Promise.resolve({ healthy: true, paused: false, message: "", details: {} }),
  };
}

/**
 * A host whose plugin "bio" answers through `answer` (a scripted gateway, no process), or
 * through `streamHttp` (a scripted data channel) when given.
 */
async function setup(
  answer: (request: domain.HTTPRequest) => Promise<domain.HTTPResponse>,
  streamHttp?: PluginGateway["streamHttp"],
  fullPathRetry?: (name: string) => boolean,
) {
  const logger = new JsonLogger("test", { sink: memorySink() });
  const registry = newRegistry("1.0.0", logger);
  registry.register(plugin("bio"));
  await registry.initializeAll({} as never);
  const gateway: PluginGateway & WebSocketGateway = {
    handleHttp: (_name, request) => answer(request),
    streamHttp,
    openWebSocket: () => {
      throw new PluginCallError("unreachable", "no sockets here");
    },
    closeCodeFor: () => 1011,
  };
  const app = createApp({
    registry,
    logger,
    version: "1.0.0",
    startedAt: 0,
    gateway,
    bodyLimit: 1024,
    fullPathRetry,
  });
  return { app, registry };
}

const ok = (body = "ok"): Promise<domain.HTTPResponse> =>
  Promise.resolve({ statusCode: 200, headers: [], body: new TextEncoder().encode(body) });

Deno.test("a plugin's failures map to statuses that name the plugin", async (t) => {
  const rows: [PluginCallFailure, number][] = [
    ["unreachable", 502],
    ["timeout", 504],
    ["draining", 503],
    ["invalid", 502],
  ];
  for (const [failure, status] of rows) {
    await t.step(`${failure} → ${status}`, async () => {
      const { app } = await setup(() =>
        Promise.reject(new PluginCallError(failure, `plugin "bio" ${failure}`))
      );
      const response = await app(new Request("http://h/api/bio/x"));
      assert.equal(response.status, status);
      const body = await response.json();
      assert.equal(body.plugin, "bio");
      assert.equal(body.state, "running");
      assert.equal(body.detail, `plugin "bio" ${failure}`);
    });
  }
});

Deno.test("an invalid status from a plugin is a 502, never passed on", async (t) => {
  for (const statusCode of [0, 99, 101, 600, 999, -1, 1.5]) {
    await t.step(String(statusCode), async () => {
      const { app } = await setup(() =>
        Promise.resolve({ statusCode, headers: [], body: new Uint8Array() })
      );
      const response = await app(new Request("http://h/api/bio/"));
      assert.equal(response.status, 502);
      assert.match((await response.json()).detail, /answered with an invalid status/);
    });
  }
});

Deno.test("a client's Forwarded and X-Forwarded-* never reach the plugin, on either transport", async (t) => {
  const client = {
    "x-forwarded-for": "6.6.6.6",
    "x-forwarded-host": "evil.example",
    "x-forwarded-proto": "https",
    forwarded: "for=6.6.6.6",
    "x-real-ip": "6.6.6.6",
    "x-kept": "1",
  };
  const info = {
    remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 5000 },
    completed: Promise.resolve(),
  } as Deno.ServeHandlerInfo<Deno.NetAddr>;
  const forwarding = (head: domain.HTTPRequest) =>
    head.headers.filter((h) => /^(x-forwarded-|forwarded$|x-real-ip$|x-kept$)/.test(h.name))
      .map((h) => [h.name, ...h.values]);
  const expected = [
    ["x-kept", "1"],
    ["x-forwarded-proto", "http"],
    ["x-forwarded-host", "h"],
    ["x-forwarded-for", "127.0.0.1"],
  ];
  await t.step("unary HandleHTTP", async () => {
    let seen: domain.HTTPRequest | undefined;
    const { app } = await setup((request) => {
      seen = request;
      return ok();
    });
    const response = await app(new Request("http://h/api/bio/x", { headers: client }), info);
    assert.equal(await response.text(), "ok");
    assert.deepEqual(forwarding(seen!), expected);
  });
  await t.step("the data channel", async () => {
    let seen: domain.HTTPRequest | undefined;
    const { app } = await setup(() => Promise.reject(new Error("not this way")), (_, head) => {
      seen = head;
      return Promise.resolve({ status: 200, headers: [], body: null, whole: new Uint8Array() });
    });
    const response = await app(new Request("http://h/api/bio/x", { headers: client }), info);
    assert.equal(response.status, 200);
    await response.body?.cancel();
    assert.deepEqual(forwarding(seen!), expected);
  });
});

Deno.test("a bad header from a plugin is dropped, not a crash", async () => {
  const { app } = await setup(() =>
    Promise.resolve({
      statusCode: 200,
      headers: [{ name: "bad header", values: ["x"] }, { name: "x-good", values: ["1"] }],
      body: new Uint8Array(),
    })
  );
  const response = await app(new Request("http://h/api/bio/"));
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("x-good"), "1");
});

Deno.test("random requests never crash the host and never get a 500", async () => {
  const { app, registry } = await setup((request) => ok(request.path));
  const methods = fc.constantFrom(
    "GET",
    "POST",
    "PUT",
    "DELETE",
    "PATCH",
    "HEAD",
    "OPTIONS",
    "QUERY",
    "BREW",
  );
  const segment = fc.string({ maxLength: 12 }).map(encodeURIComponent);
  const path = fc.array(segment, { maxLength: 5 }).map((parts) => `/${parts.join("/")}`);
  const prefix = fc.constantFrom(
    "",
    "/api",
    "/api/bio",
    "/api/plugins",
    "/api/nope",
    "/bio-ws",
    "/healthz",
    "/metrics",
  );
  const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/);
  const value = fc.string({ maxLength: 40 }).filter((v) => !/[\r\n\0]/.test(v) && v.trim() === v);
  const headers = fc.array(fc.tuple(name, value), { maxLength: 6 });
  const body = fc.option(fc.uint8Array({ maxLength: 2048 }), { nil: undefined });
  await fc.assert(
    fc.asyncProperty(
      methods,
      prefix,
      path,
      fc.string({ maxLength: 20 }),
      headers,
      body,
      async (method, pre, rest, query, pairs, bytes) => {
        const init: RequestInit = { method, headers: pairs };
        if (bytes && method !== "GET" && method !== "HEAD") init.body = bytes;
        const request = new Request(`http://h${pre}${rest}?${encodeURIComponent(query)}`, init);
        const response = await app(request);
        assert.ok(response.status >= 200 && response.status < 600);
        assert.notEqual(response.status, 500, `${method} ${request.url} got 500`);
        await response.body?.cancel();
      },
    ),
    { numRuns: 300 },
  );
  assert.equal(registry.getState("bio"), "running");
});

Deno.test("a listed plugin's 404 is tried again with the full path, as QNTX's host does", async () => {
  const seen: string[] = [];
  const answer = (request: domain.HTTPRequest) => {
    seen.push(request.path);
    return request.path.startsWith("/api/bio/")
      ? ok("found by the full path")
      : Promise.resolve({ statusCode: 404, headers: [], body: new Uint8Array() });
  };
  const listed = await setup(answer, undefined, (name) => name === "bio");
  const found = await listed.app(new Request("http://h/api/bio/term/ws?x=1"));
  assert.equal(await found.text(), "found by the full path");
  assert.deepEqual(seen, ["/term/ws?x=1", "/api/bio/term/ws?x=1"]);
  // Not listed: the 404 is the answer, asked once.
  seen.length = 0;
  const plain = await setup(answer);
  const missing = await plain.app(new Request("http://h/api/bio/term/ws"));
  assert.equal(missing.status, 404);
  await missing.body?.cancel();
  assert.deepEqual(seen, ["/term/ws"]);
});
