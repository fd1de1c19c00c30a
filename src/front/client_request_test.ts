import assert from "node:assert/strict";
import { ClientRequest } from "./client_request.ts";

Deno.test("ClientRequest - its signal aborts when the client leaves, read before or after", () => {
  const early = new ClientRequest("http://h/", { method: "GET" });
  const signal = early.signal;
  assert.equal(signal.aborted, false);
  early.clientLeft(new Error("gone"));
  assert.equal(signal.aborted, true);
  assert.equal((signal.reason as Error).message, "gone");

  const late = new ClientRequest("http://h/", { method: "GET" });
  late.clientLeft(new Error("left first"));
  assert.equal(late.signal.aborted, true, "made after the client left, it is aborted at once");
  assert.equal(late.signal, late.signal, "one signal per request");
  assert.ok(late instanceof Request);
});
