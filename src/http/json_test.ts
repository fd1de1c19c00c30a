import assert from "node:assert/strict";
import { JsonLogger, memorySink } from "../log/mod.ts";
import { newRegistry } from "../registry/mod.ts";
import { createApp } from "./app.ts";
import { HttpError } from "./http_error.ts";
import { readJsonObject } from "./json.ts";
import type { PluginConfigAdmin } from "./routes/config_routes.ts";

const CHUNK = 64 * 1024;

/** A body of `total` bytes made only as it is read; `pulled` counts the bytes handed out. */
function lazyBody(total: number) {
  const counter = { pulled: 0 };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (counter.pulled >= total) return controller.close();
      const size = Math.min(CHUNK, total - counter.pulled);
      counter.pulled += size;
      controller.enqueue(new Uint8Array(size).fill(0x20));
    },
  }, { highWaterMark: 0 });
  return { stream, counter };
}

function post(body: BodyInit | null, headers: HeadersInit = {}): Request {
  return new Request("http://h/api/x", { method: "POST", body, headers });
}

const JSON_TYPE = { "content-type": "application/json" };

function refusal(status: number, detail: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof HttpError, String(error));
    assert.equal(error.status, status);
    assert.match(error.message, detail);
    return true;
  };
}

Deno.test("readJsonObject() takes a JSON object with a JSON content type", async (t) => {
  for (const type of ["application/json", "application/json; charset=utf-8", "Application/JSON"]) {
    await t.step(type, async () => {
      assert.deepEqual(await readJsonObject(post('{"a":1}', { "content-type": type })), { a: 1 });
    });
  }
  await t.step("application/merge-patch+json", async () => {
    const request = post('{"a":1}', { "content-type": "application/merge-patch+json" });
    assert.deepEqual(await readJsonObject(request), { a: 1 });
  });
});

Deno.test("readJsonObject() refuses a body without a JSON content type with 415", async (t) => {
  const rows: [string, Request, RegExp][] = [
    [
      "no content type",
      post(new TextEncoder().encode('{"a":1}')),
      /must be application\/json; the request has none/,
    ],
    ["a string body (text/plain)", post('{"a":1}'), /not "text\/plain;charset=UTF-8"/],
    ["a Blob with no type", post(new Blob(['{"a":1}'])), /the request has none/],
    ["no body and no type", new Request("http://h/api/x", { method: "POST" }), /has none/],
    ["text/plain", post('{"a":1}', { "content-type": "text/plain" }), /not "text\/plain"/],
    ["a form", post(new URLSearchParams({ a: "1" })), /application\/x-www-form-urlencoded/],
    ["a multipart form", post(new FormData()), /not "multipart\/form-data/],
    ["application/jsonp", post("{}", { "content-type": "application/jsonp" }), /jsonp/],
    ["text/json", post("{}", { "content-type": "text/json" }), /not "text\/json"/],
  ];
  for (const [name, request, detail] of rows) {
    await t.step(name, async () => {
      await assert.rejects(
        () => readJsonObject(request),
        refusal(415, new RegExp(`^POST /api/x takes a JSON body: .*${detail.source}`)),
      );
    });
  }
});

Deno.test("readJsonObject() refuses a body over the limit with 413 naming it, reading no further", async (t) => {
  await t.step("a 64 MiB chunked body", async () => {
    const { stream, counter } = lazyBody(64 * 1024 * 1024);
    await assert.rejects(
      () => readJsonObject(post(stream, JSON_TYPE), 1024 * 1024),
      refusal(413, /^the request body is larger than the 1048576 bytes POST \/api\/x accepts$/),
    );
    assert.ok(counter.pulled <= 1024 * 1024 + CHUNK, `${counter.pulled} bytes were pulled`);
  });
  await t.step("a Content-Length over the limit, before reading", async () => {
    const { stream, counter } = lazyBody(8192);
    const request = post(stream, { ...JSON_TYPE, "content-length": "8192" });
    await assert.rejects(() => readJsonObject(request, 4096), refusal(413, /4096 bytes/));
    assert.equal(counter.pulled, 0);
  });
  await t.step("the type is checked before the size", async () => {
    const { stream, counter } = lazyBody(8192);
    await assert.rejects(() => readJsonObject(post(stream), 4096), refusal(415, /has none/));
    assert.equal(counter.pulled, 0);
  });
});

Deno.test("readJsonObject() refuses an empty, malformed or non-object body with 400", async (t) => {
  const rows: [string, BodyInit, RegExp][] = [
    ["empty", "", /the body is empty/],
    ["not JSON", "{", /the body is not JSON/],
    ["not UTF-8", new Uint8Array([0x7b, 0xff, 0x7d]), /the body is not JSON/],
    ["an array", "[1]", /must be a JSON object/],
    ["null", "null", /must be a JSON object/],
  ];
  for (const [name, body, detail] of rows) {
    await t.step(name, async () => {
      await assert.rejects(() => readJsonObject(post(body, JSON_TYPE)), refusal(400, detail));
    });
  }
});

Deno.test("a host JSON route answers a 64 MiB chunked body with a 413 problem and stops reading", async () => {
  const logger = new JsonLogger("test", { sink: memorySink() });
  let updates = 0;
  const configs: PluginConfigAdmin = {
    view: (plugin) => ({ plugin, file: "am.toml", values: {}, schema: {}, schemaKnown: true }),
    update: () => {
      updates++;
      return Promise.reject(new Error("never reached"));
    },
  };
  const app = createApp({
    registry: newRegistry("1.0.0", logger),
    logger,
    version: "1.0.0",
    startedAt: 0,
    configs,
  });
  const put = (body: BodyInit, headers: HeadersInit) =>
    app(new Request("http://127.0.0.1/api/plugins/bio/config", { method: "PUT", body, headers }));

  const { stream, counter } = lazyBody(64 * 1024 * 1024);
  const big = await put(stream, JSON_TYPE);
  assert.equal(big.status, 413);
  assert.equal(big.headers.get("content-type"), "application/problem+json");
  const problem = await big.json();
  assert.match(problem.detail, /larger than the 1048576 bytes PUT \/api\/plugins\/bio\/config/);
  assert.equal(problem.limit, 1024 * 1024);
  assert.ok(counter.pulled <= 1024 * 1024 + CHUNK, `${counter.pulled} bytes were pulled`);

  const untyped = await put(new Blob(['{"config":{}}']), {});
  assert.equal(untyped.status, 415);
  const detail = (await untyped.json()).detail;
  assert.match(detail, /PUT \/api\/plugins\/bio\/config takes a JSON body/);
  assert.match(detail, /must be application\/json; the request has none/);
  assert.equal(updates, 0);
});
