import assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import { JsonLogger, memorySink } from "../../log/mod.ts";
import { PluginCallError } from "../../plugin/mod.ts";
import { newRegistry } from "../../registry/mod.ts";
import { createApp } from "../app.ts";
import type { AxParser } from "./ax_routes.ts";

/** A host whose parser plugin `kern` runs and answers with `answer` (failure injection). */
function app(parser: string, answer: AxParser["parse"]) {
  const logger = new JsonLogger("t", { sink: memorySink() });
  const registry = newRegistry("1.0.0", logger);
  // A plugin process named kern, running, as the supervisor records one (its calls: `answer`).
  registry.preRegister("kern");
  const about = { name: "kern", version: "1.0.0", qntxVersion: "" };
  registry.describe("kern", { ...about, description: "", author: "", license: "" }, {
    pausable: false,
    configurable: true,
  });
  registry.markReady("kern");
  const handler = createApp({
    registry,
    logger,
    version: "1",
    startedAt: 0,
    axParser: { plugin: () => parser, parse: answer },
  });
  return async (body: unknown) => {
    const response = await handler(
      new Request("http://h/api/ax/parse", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      }),
    );
    return { status: response.status, body: await response.json() };
  };
}

const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

Deno.test("POST /api/ax/parse answers the parser's tree, or says which part failed", async () => {
  const ok = app(
    "kern",
    (plugin, query) => Promise.resolve({ result: encode({ plugin, query }), error: "" }),
  );
  assert.deepEqual(await ok({ query: "role" }), {
    status: 200,
    body: { plugin: "kern", result: { plugin: "kern", query: "role" } },
  });
  for (const body of [{}, { query: "" }, { query: 3 }, { query: "x".repeat(8193) }]) {
    assert.equal((await ok(body)).status, 400, JSON.stringify(body).slice(0, 40));
  }

  const absent = app("ghost", () => Promise.reject(new Error("not called")));
  const none = await absent({ query: "role" });
  assert.equal(none.status, 503);
  assert.match(none.body.detail, /plugin "ghost" is not enabled.*\[plugin\] ax_parser/);

  const unimplemented = app("kern", () =>
    Promise.reject(
      new PluginCallError("unreachable", "no", {
        cause: Object.assign(new Error("x"), { code: grpc.status.UNIMPLEMENTED }),
      }),
    ));
  assert.equal((await unimplemented({ query: "role" })).status, 501);

  const garbled = app(
    "kern",
    () => Promise.resolve({ result: new TextEncoder().encode("not json"), error: "" }),
  );
  const bad = await garbled({ query: "role" });
  assert.deepEqual([bad.status, /not JSON/.test(bad.body.detail)], [502, true]);
});
