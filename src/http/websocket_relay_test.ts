import assert from "node:assert/strict";
import { queryMetadata } from "./websocket_relay.ts";

Deno.test("queryMetadata() passes the query as gRPC metadata, leaving out what gRPC cannot carry", () => {
  const url = new URL(
    "ws://h/ws/pty?session_id=abc&Rows=40&rows=41&grpc-timeout=1&x-bin=1&content-type=a&bad%20key=1" +
      `&ctl=${encodeURIComponent("a\nb")}&empty=`,
  );
  assert.deepEqual(queryMetadata(url), { session_id: "abc", rows: "40", empty: "" });
  const many = new URL(`ws://h/ws/p?${Array.from({ length: 40 }, (_, i) => `k${i}=v`).join("&")}`);
  assert.equal(Object.keys(queryMetadata(many)).length, 32);
});
