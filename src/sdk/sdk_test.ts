import assert from "node:assert/strict";
import type { domain, schedule } from "../protocol/mod.ts";
import type { ScheduledJob } from "./host_clients.ts";
import { METADATA, servedPlugin } from "./_in_process.ts";
import { definePlugin, RetryableError } from "./definition.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function httpRequest(method: string, path: string, body = "", headers: [string, string[]][] = []) {
  return {
    method,
    path,
    headers: headers.map(([name, values]) => ({ name, values })),
    body: encoder.encode(body),
  };
}

Deno.test("SDK Metadata announces the plugin and the capabilities its definition has", async () => {
  const plugin = await servedPlugin(definePlugin({
    metadata: METADATA,
    fetch: () => new Response("hi"),
    pause() {},
    resume() {},
    jobs: { run: () => 1 },
  }));
  try {
    const metadata = await plugin.call<domain.MetadataResponse>("metadata", {});
    assert.equal(metadata.name, "demo");
    assert.equal(metadata.qntxVersion, ">=0.1.0");
    assert.deepEqual(metadata.capabilities, ["reconfigure", "pause", "jobs", "http"]);
    assert.equal(metadata.protocolVersion, 1);
  } finally {
    await plugin.close();
  }
});

Deno.test("SDK Initialize hands the config over, declares handlers, schedules, routes, then reconfigures", async () => {
  const seen: string[] = [];
  const plugin = await servedPlugin(definePlugin({
    metadata: METADATA,
    initialize(context, { reconfigure }) {
      seen.push(`${reconfigure ? "re" : ""}init threads=${context.config.getInt("threads")}`);
    },
    routes: [{
      method: "get",
      path: "/items/:id",
      handler: () => new Response(),
      description: "one item",
    }],
    jobs: { "gc-content": () => 0 },
    schedules: [{ handler: "gc-content", intervalSeconds: 60 }],
  }));
  try {
    const init = (threads: string) =>
      plugin.call<domain.InitializeResponse>("initialize", {
        atsStoreEndpoint: "",
        queueEndpoint: "",
        authToken: "t",
        config: { threads },
        scheduleEndpoint: "",
        reconfigure: false,
      });
    const response = await init("4");
    assert.deepEqual(response.handlerNames, ["gc-content"]);
    assert.deepEqual(response.schedules, [{
      handlerName: "gc-content",
      intervalSeconds: 60,
      enabledByDefault: true,
      description: "",
      atsCode: "",
    }]);
    assert.deepEqual(response.httpRoutes, [{
      method: "GET",
      path: "/items/:id",
      description: "one item",
    }]);
    await init("8");
    assert.deepEqual(seen, ["init threads=4", "reinit threads=8"]);
  } finally {
    await plugin.close();
  }
});

Deno.test("SDK HandleHTTP routes requests with their query, headers and body", async (t) => {
  const plugin = await servedPlugin(definePlugin({
    metadata: METADATA,
    routes: [
      {
        method: "POST",
        path: "/echo/:name",
        handler: async (request, { params }) => {
          const url = new URL(request.url);
          const headers = new Headers({ "x-name": params.name! });
          headers.append("set-cookie", "a=1");
          headers.append("set-cookie", "b=2");
          headers.append("x-multi", request.headers.get("x-multi") ?? "");
          return new Response(`${url.search} ${await request.text()}`, { status: 201, headers });
        },
      },
      {
        method: "GET",
        path: "/boom",
        handler: () => {
          throw new Error("kaput");
        },
      },
    ],
  }));
  const http = (method: string, path: string, body?: string, headers?: [string, string[]][]) =>
    plugin.call<domain.HTTPResponse>("handleHttp", httpRequest(method, path, body, headers));
  try {
    await t.step("a route sees params, query, body and every header value", async () => {
      const response = await http("POST", "/echo/ann?x=1&y=2", "payload", [["x-multi", [
        "a",
        "b",
      ]]]);
      assert.equal(response.statusCode, 201);
      assert.equal(decoder.decode(response.body), "?x=1&y=2 payload");
      const header = (name: string) => response.headers.find((h) => h.name === name)?.values;
      assert.deepEqual(header("set-cookie"), ["a=1", "b=2"]);
      assert.deepEqual(header("x-name"), ["ann"]);
      assert.deepEqual(header("x-multi"), ["a, b"]);
    });
    await t.step("an unknown path is 404 and a wrong method 405 with Allow", async () => {
      assert.equal((await http("GET", "/nothing")).statusCode, 404);
      const wrong = await http("GET", "/echo/ann");
      assert.equal(wrong.statusCode, 405);
      assert.deepEqual(wrong.headers.find((h) => h.name === "allow")?.values, ["POST"]);
    });
    await t.step("a handler that throws is a 500 naming the plugin, and is logged", async () => {
      const response = await http("GET", "/boom");
      assert.equal(response.statusCode, 500);
      assert.match(decoder.decode(response.body), /plugin \\"demo\\" failed to handle GET \/boom/);
      assert.ok(
        plugin.logs.some((line) =>
          line.level === "error" && String(line.msg).startsWith("GET /boom failed: ")
        ),
      );
    });
    await t.step("a path without a leading slash is refused", async () => {
      await assert.rejects(http("GET", "nope"), /the request path must start with "\/"/);
    });
  } finally {
    await plugin.close();
  }
});

Deno.test("SDK Pause makes HTTP answer 503 and Health say paused; Resume undoes both", async () => {
  const plugin = await servedPlugin(definePlugin({
    metadata: METADATA,
    fetch: () => new Response("ok"),
    pause() {},
    resume() {},
    health: () => ({ details: { queue: 3 } }),
  }));
  try {
    await plugin.call("pause", {});
    const paused = await plugin.call<domain.HTTPResponse>("handleHttp", httpRequest("GET", "/"));
    assert.equal(paused.statusCode, 503);
    const health = await plugin.call<domain.HealthResponse>("health", {});
    assert.equal(health.paused, true);
    assert.equal(health.healthy, true);
    assert.deepEqual(health.details, { queue: "3" });
    await plugin.call("resume", {});
    assert.equal(
      (await plugin.call<domain.HTTPResponse>("handleHttp", httpRequest("GET", "/"))).statusCode,
      200,
    );
  } finally {
    await plugin.close();
  }
});

Deno.test("SDK answers UNIMPLEMENTED to Pause when the plugin cannot pause", async () => {
  const plugin = await servedPlugin(definePlugin({ metadata: METADATA }));
  try {
    await assert.rejects(plugin.call("pause", {}), (error: { code: number; details: string }) => {
      assert.equal(error.code, 12);
      assert.match(error.details, /plugin "demo" cannot pause/);
      return true;
    });
  } finally {
    await plugin.close();
  }
});

Deno.test("SDK ConfigSchema puts every field on the wire as strings", async () => {
  const plugin = await servedPlugin(definePlugin({
    metadata: METADATA,
    configSchema: {
      threads: {
        type: "number",
        description: "workers",
        defaultValue: 4,
        minValue: 1,
        maxValue: 64,
      },
      "blast.db": { type: "string", description: "db", required: true, pattern: "^/" },
      hosts: { type: "array", description: "h", elementType: "string", defaultValue: ["a"] },
    },
  }));
  try {
    const { fields } = await plugin.call<domain.ConfigSchemaResponse>("configSchema", {});
    assert.deepEqual(fields.threads, {
      type: "number",
      description: "workers",
      defaultValue: "4",
      required: false,
      minValue: "1",
      maxValue: "64",
      pattern: "",
      elementType: "",
      secret: false,
    });
    assert.equal(fields["blast.db"]?.required, true);
    assert.equal(fields.hosts?.defaultValue, '["a"]');
  } finally {
    await plugin.close();
  }
});

Deno.test("SDK ExecuteJob runs handlers and reports results, failures and deadlines", async (t) => {
  const plugin = await servedPlugin(definePlugin({
    metadata: METADATA,
    jobs: {
      sum: (payload, job) => {
        const numbers = payload as number[];
        job.progress(numbers.length, numbers.length);
        job.cost(0.5);
        job.log("info", "summed", "compute");
        return numbers.reduce((a, b) => a + b, 0);
      },
      flaky: () => {
        throw new RetryableError("upstream busy");
      },
      hang: (_payload, job) =>
        new Promise((_, reject) =>
          job.signal.addEventListener("abort", () => reject(new Error("gave up")))
        ),
    },
  }));
  const run = (handlerName: string, payload: string, timeoutSecs?: bigint) =>
    plugin.call<domain.ExecuteJobResponse>("executeJob", {
      jobId: "j1",
      handlerName,
      payload: encoder.encode(payload),
      timeoutSecs,
    });
  try {
    await t.step("a handler's JSON result, progress, cost and logs come back", async () => {
      const response = await run("sum", "[1,2,3]");
      assert.equal(response.success, true);
      assert.equal(decoder.decode(response.result), "6");
      assert.deepEqual([response.progressCurrent, response.progressTotal, response.costActual], [
        3,
        3,
        0.5,
      ]);
      assert.equal(response.logEntries[0]?.message, "summed");
      assert.equal(response.pluginVersion, "1.2.3");
    });
    await t.step("an unknown handler and a bad payload are failures that say why", async () => {
      const unknown = await run("nope", "{}");
      assert.equal(unknown.success, false);
      assert.match(
        unknown.error,
        /plugin "demo" has no job handler "nope" \(it has: sum, flaky, hang\)/,
      );
      const bad = await run("sum", "{not json");
      assert.match(bad.error, /job j1: the payload is not JSON/);
    });
    await t.step("a retryable failure is marked retryable", async () => {
      const flaky = await run("flaky", "null");
      assert.deepEqual([flaky.success, flaky.retryable, flaky.error], [
        false,
        true,
        "upstream busy",
      ]);
    });
    await t.step("timeout_secs aborts the job's signal and ends it", async () => {
      const hung = await run("hang", "null", 1n);
      assert.equal(hung.success, false);
      assert.match(hung.error, /gave up|timed out|aborted/i);
    });
  } finally {
    await plugin.close();
  }
});

// The SDK's ScheduledJob is written out (to document each field); it must stay the wire's shape.
type SameShape<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const scheduledJobIsTheWires: SameShape<ScheduledJob, schedule.ScheduledJob> = true;
Deno.test("the SDK's ScheduledJob has exactly the wire's fields", () => {
  assert.equal(scheduledJobIsTheWires, true);
});

Deno.test("a context kept from initialize reads the settings and clients of the latest one", async () => {
  let kept: import("./definition.ts").PluginContext | undefined;
  const plugin = await servedPlugin(definePlugin({
    metadata: METADATA,
    initialize(context) {
      kept ??= context;
    },
  }));
  try {
    const init = (greeting: string) =>
      plugin.call<domain.InitializeResponse>("initialize", {
        atsStoreEndpoint: "",
        queueEndpoint: "",
        authToken: "t",
        config: { greeting },
        scheduleEndpoint: "",
        reconfigure: false,
      });
    await init("hello");
    const firstStore = kept!.ats;
    assert.equal(kept!.config.getString("greeting"), "hello");
    await init("good evening");
    // A handler that kept the first context (a WebSocket, a timer) sees the reconfigure.
    assert.equal(kept!.config.getString("greeting"), "good evening");
    assert.notEqual(kept!.ats, firstStore, "the store client of the latest Initialize");
  } finally {
    await plugin.close();
  }
});
