import assert from "node:assert/strict";
import { PluginCallError } from "../plugin/mod.ts";
import { RegistryError } from "../registry/mod.ts";
import { HttpError } from "./http_error.ts";
import { problemResponse } from "./problem.ts";

Deno.test("problemResponse() turns each kind of error into problem+json", async (t) => {
  const rows: [string, unknown, number, string][] = [
    ["an HttpError", new HttpError(413, "body over 1 MiB"), 413, "body over 1 MiB"],
    [
      "an unknown plugin",
      new RegistryError("not_found", 'plugin "x" is not registered'),
      404,
      'plugin "x" is not registered',
    ],
    ["a wrong state", new RegistryError("conflict", "it is paused"), 409, "it is paused"],
    ["a missing capability", new RegistryError("unsupported", "no pause"), 409, "no pause"],
    ["bad metadata", new RegistryError("invalid", "bad name"), 400, "bad name"],
    [
      "a host bug",
      new TypeError("x is undefined"),
      500,
      "the host failed to handle this request; its log has the cause",
    ],
  ];
  for (const [label, error, status, detail] of rows) {
    await t.step(label, async () => {
      const response = problemResponse(error, "/api/plugins/x");
      assert.equal(response.status, status);
      assert.equal(response.headers.get("content-type"), "application/problem+json");
      const body = await response.json();
      assert.equal(body.status, status);
      assert.equal(body.detail, detail);
      assert.equal(body.instance, "/api/plugins/x");
      assert.equal(typeof body.title, "string");
    });
  }
});

Deno.test("problemResponse() keeps an HttpError's extra members and headers", async () => {
  const response = problemResponse(
    new HttpError(503, "plugin is loading", {
      plugin: "code",
      state: "loading",
      headers: {
        "retry-after": "2",
      },
    }),
    "/api/code",
  );
  assert.equal(response.headers.get("retry-after"), "2");
  const body = await response.json();
  assert.equal(body.plugin, "code");
  assert.equal(body.state, "loading");
});

Deno.test("a failed call into a plugin becomes its status in the one mapping", () => {
  const cases: [PluginCallError["failure"], number, string | null][] = [
    ["unreachable", 502, null],
    ["timeout", 504, null],
    ["draining", 503, "1"],
    ["invalid", 502, null],
  ];
  for (const [failure, status, retryAfter] of cases) {
    const response = problemResponse(new PluginCallError(failure, `plugin "code" ${failure}`), "/");
    assert.equal(response.status, status, failure);
    assert.equal(response.headers.get("retry-after"), retryAfter, failure);
  }
});
