import assert from "node:assert/strict";
import { askMessage, pendingAsks, touchesHost } from "./permission_request.ts";
import { NO_GRANTS } from "./sandbox.ts";
import type { PermissionRequest } from "./manifest.ts";

const HOST = { hostname: "127.0.0.1", port: 8877 };
const SHA = "a".repeat(64);
const ask = (over: Partial<PermissionRequest>): PermissionRequest => ({
  write: [],
  net: [],
  env: [],
  run: [],
  ffi: [],
  sys: [],
  all: false,
  ...over,
});

Deno.test("touchesHost() - names the host's own address and every wildcard", async (t) => {
  const rows: [string, boolean][] = [
    ["127.0.0.1:8877", true],
    ["localhost:8877", true],
    ["example.com:8877", true],
    ["127.0.0.1", true],
    ["localhost", true],
    ["[::1]", true],
    ["0.0.0.0:9000", true],
    ["[::]:9000", true],
    ["0.0.0.0", true],
    ["[::ffff:7f00:1]", true],
    ["[0:0:0:0:0:0:0:1]", true],
    ["0177.0.0.1", true],
    ["2130706433", true],
    ["0x7f000001:8877", true],
    ["[0:0:0:0:0:0:0:0]:9000", true],
    ["127.0.0.1:9000", false],
    ["api.example.com:443", false],
    ["api.example.com", false],
  ];
  for (const [entry, expected] of rows) {
    await t.step(`${entry} → ${expected}`, () => assert.equal(touchesHost(entry, HOST), expected));
  }
});

Deno.test("pendingAsks() - a manifest's hosts, variables, writes and memory wait for the operator", () => {
  const request = ask({ net: ["api.example.com:443"], env: ["API_KEY"], write: ["cache"] });
  const asks = pendingAsks("p", request, 2048, NO_GRANTS, SHA, HOST);
  assert.deepEqual(asks.pending.map((a) => a.what), [
    "net api.example.com:443",
    "env API_KEY",
    "write cache (inside its folder)",
    "memory_mb 2048 (default 512)",
  ]);
  assert.deepEqual(asks.byNameOnly, []);
  const message = askMessage("p", asks, SHA);
  assert.match(message, /approved_manifest = "a{64}" in \[plugin\.grants\.p\]/);
  assert.match(message, /env = \["API_KEY"\] in \[plugin\.grants\.p\]/);
});

Deno.test("pendingAsks() - an approval of this very manifest grants what it asks", () => {
  const request = ask({ net: ["api.example.com:443"], env: ["API_KEY"], write: ["cache"] });
  const approved = { ...NO_GRANTS, approved_manifest: SHA };
  assert.deepEqual(pendingAsks("p", request, 2048, approved, SHA, HOST), {
    pending: [],
    byNameOnly: [],
  });
  // A changed manifest has another hash: it asks again.
  const stale = pendingAsks("p", request, undefined, approved, "b".repeat(64), HOST);
  assert.equal(stale.pending.length, 3);
});

Deno.test("pendingAsks() - each item can be granted by name instead", () => {
  const request = ask({ net: ["api.example.com:443"], env: ["API_KEY"] });
  const grants = { ...NO_GRANTS, net: ["api.example.com:443"], env: ["API_KEY"], memory_mb: 1024 };
  assert.deepEqual(pendingAsks("p", request, 1024, grants, SHA, HOST).pending, []);
  assert.equal(pendingAsks("p", request, 2048, grants, SHA, HOST).pending.length, 1);
});

Deno.test("pendingAsks() - the host's own address and wildcards need a grant by name, never an approval", () => {
  const request = ask({ net: ["127.0.0.1:8877", "0.0.0.0:9000"] });
  const approved = { ...NO_GRANTS, approved_manifest: SHA };
  const asks = pendingAsks("p", request, undefined, approved, SHA, HOST);
  assert.equal(asks.pending.length, 0);
  assert.equal(asks.byNameOnly.length, 2);
  assert.match(askMessage("p", asks, SHA), /an approval never grants/);
  const named = { ...approved, net: ["127.0.0.1:8877", "0.0.0.0:9000"] };
  assert.equal(pendingAsks("p", request, undefined, named, SHA, HOST).byNameOnly.length, 0);
});

Deno.test("pendingAsks() - nothing beyond the defaults asks nothing", () => {
  assert.deepEqual(pendingAsks("p", ask({}), 256, NO_GRANTS, SHA, HOST), {
    pending: [],
    byNameOnly: [],
  });
});
