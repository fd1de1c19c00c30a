import assert from "node:assert/strict";
import { GrpcCallError, GrpcStatus } from "./grpc_status.ts";
import { UnaryResponse } from "./unary_response.ts";

const HEADERS: [string, string][] = [[":status", "200"], ["content-type", "application/grpc"]];

function message(bytes: number[], compressed = 0): Uint8Array {
  const length = bytes.length;
  return new Uint8Array([compressed, length >>> 24, length >>> 16, length >>> 8, length, ...bytes]);
}

function headers(response: UnaryResponse, fields: [string, string][], endStream = false) {
  for (const [name, value] of fields) response.field(name, value);
  return response.headersEnd(endStream);
}

function failure(outcome: unknown): GrpcCallError {
  assert.ok(outcome instanceof GrpcCallError, `expected a failure, got ${outcome}`);
  return outcome;
}

Deno.test("UnaryResponse - returns the one message, whatever DATA frames carry it", () => {
  const bytes = message([1, 2, 3, 4, 5, 6, 7]);
  for (const size of [1, 2, 5, 6, bytes.length]) {
    const response = new UnaryResponse(1024);
    assert.equal(headers(response, HEADERS), undefined);
    for (let at = 0; at < bytes.length; at += size) {
      assert.equal(response.data(bytes.subarray(at, at + size)), undefined);
    }
    assert.equal(headers(response, [["grpc-status", "0"]], true), undefined);
    assert.deepEqual(response.finish(), new Uint8Array([1, 2, 3, 4, 5, 6, 7]));
  }
});

Deno.test("UnaryResponse - an empty message is an answer", () => {
  const response = new UnaryResponse(1024);
  headers(response, HEADERS);
  response.data(message([]));
  headers(response, [["grpc-status", "0"]], true);
  assert.deepEqual(response.finish(), new Uint8Array(0));
});

Deno.test("UnaryResponse - a trailers-only error carries its status and decoded message", () => {
  const response = new UnaryResponse(1024);
  headers(response, [...HEADERS, ["grpc-status", "5"], [
    "grpc-message",
    "no%20such%20note%20%E2%9C%93",
  ]], true);
  const error = failure(response.finish());
  assert.equal(error.code, 5);
  assert.equal(error.details, "no such note ✓");
});

Deno.test("UnaryResponse - refuses answers that break gRPC, naming what was wrong", async (t) => {
  const cases: [string, (r: UnaryResponse) => unknown, number, RegExp][] = [
    ["HTTP 503", (r) => headers(r, [[":status", "503"]]), GrpcStatus.UNAVAILABLE, /HTTP 503/],
    ["HTTP 404", (r) => headers(r, [[":status", "404"]]), GrpcStatus.UNIMPLEMENTED, /HTTP 404/],
    [
      "a content type that is not gRPC",
      (r) => headers(r, [[":status", "200"], ["content-type", "text/html"]]),
      GrpcStatus.UNKNOWN,
      /text\/html/,
    ],
    [
      "a compressed message",
      (r) => {
        headers(r, HEADERS);
        r.data(message([1], 1));
      },
      GrpcStatus.INTERNAL,
      /compressed/,
    ],
    [
      "two messages",
      (r) => {
        headers(r, HEADERS);
        r.data(new Uint8Array([...message([1]), ...message([2])]));
      },
      GrpcStatus.INTERNAL,
      /two messages/,
    ],
    [
      "a message over the limit",
      (r) => {
        headers(r, HEADERS);
        r.data(message(new Array(2000).fill(0)));
      },
      GrpcStatus.RESOURCE_EXHAUSTED,
      /2000 bytes is above the limit of 1024/,
    ],
    [
      "no grpc-status",
      (r) => {
        headers(r, HEADERS);
        r.data(message([1]));
        headers(r, [], true);
      },
      GrpcStatus.INTERNAL,
      /without a grpc-status/,
    ],
    [
      "a message cut short",
      (r) => {
        headers(r, HEADERS);
        r.data(message([1, 2, 3]).subarray(0, 6));
        headers(r, [["grpc-status", "0"]], true);
      },
      GrpcStatus.INTERNAL,
      /no whole message/,
    ],
    [
      "data before headers",
      (r) => r.data(message([1])),
      GrpcStatus.INTERNAL,
      /outside its headers/,
    ],
    [
      "a third header block",
      (r) => {
        headers(r, HEADERS);
        headers(r, [["grpc-status", "0"]]);
      },
      GrpcStatus.INTERNAL,
      /headers after its trailers/,
    ],
    ["no headers at all", () => {}, GrpcStatus.INTERNAL, /without headers/],
  ];
  for (const [name, feed, code, detail] of cases) {
    await t.step(name, () => {
      const response = new UnaryResponse(1024);
      feed(response);
      const error = failure(response.finish());
      assert.equal(error.code, code);
      assert.match(error.details, detail);
    });
  }
});
