import assert from "node:assert/strict";
import { isClientForwarding, toProxiedRequestHeaders } from "./http_headers.ts";

const BY = { proto: "http", host: "127.0.0.1:8877", for: "127.0.0.1" };

/** The forwarded headers as `name: values` pairs, in order. */
function proxied(headers: HeadersInit, by: Parameters<typeof toProxiedRequestHeaders>[1] = BY) {
  return toProxiedRequestHeaders(new Headers(headers), by).map((
    h,
  ) => [h.name, h.values.join(" | ")]);
}

Deno.test("isClientForwarding() names the headers only the host may set", async (t) => {
  const rows: [string, boolean][] = [
    ["Forwarded", true],
    ["X-Forwarded-For", true],
    ["x-forwarded-host", true],
    ["X-FORWARDED-PROTO", true],
    ["X-Forwarded-Port", true],
    ["X-Real-IP", true],
    ["X-Forwarded", false],
    ["Forwarded-For", false],
    ["X-Request-Id", false],
    ["Authorization", false],
  ];
  for (const [name, dropped] of rows) {
    await t.step(`${name} → ${dropped}`, () => assert.equal(isClientForwarding(name), dropped));
  }
});

Deno.test("toProxiedRequestHeaders() drops the client's forwarding headers and adds the host's", async (t) => {
  const host = [
    ["x-forwarded-proto", "http"],
    ["x-forwarded-host", "127.0.0.1:8877"],
    ["x-forwarded-for", "127.0.0.1"],
  ];
  const rows: [string, HeadersInit, string[][]][] = [
    ["nothing to drop", { accept: "text/plain" }, [["accept", "text/plain"], ...host]],
    [
      "a client's X-Forwarded-* and Forwarded",
      {
        "x-forwarded-for": "6.6.6.6",
        "x-forwarded-host": "evil.example",
        "x-forwarded-proto": "https",
        "x-forwarded-port": "443",
        forwarded: "for=6.6.6.6;proto=https",
        "x-real-ip": "6.6.6.6",
        "x-request-id": "r1",
      },
      [["x-request-id", "r1"], ...host],
    ],
    [
      "hop-by-hop headers and those named in Connection",
      { connection: "close, x-private", "x-private": "s", "keep-alive": "5", te: "trailers" },
      host,
    ],
    [
      "a forwarding header named in Connection too",
      { connection: "x-forwarded-for", "x-forwarded-for": "6.6.6.6" },
      host,
    ],
  ];
  for (const [name, headers, expected] of rows) {
    await t.step(name, () => assert.deepEqual(proxied(headers), expected));
  }
  await t.step("no X-Forwarded-For when the host does not know the client", () => {
    assert.deepEqual(proxied({ "x-forwarded-for": "6.6.6.6" }, { proto: "https", host: "h" }), [
      ["x-forwarded-proto", "https"],
      ["x-forwarded-host", "h"],
    ]);
  });
});
