import assert from "node:assert/strict";
import { LazySignalRequest } from "./lazy_signal_request.ts";

Deno.test("LazySignalRequest - its own signal aborts when told, read before or after", () => {
  const early = new LazySignalRequest("http://h/", { method: "GET" });
  const signal = early.signal;
  assert.equal(signal.aborted, false);
  early.abort(new Error("gone"));
  assert.equal(signal.aborted, true);
  assert.equal((signal.reason as Error).message, "gone");

  const late = new LazySignalRequest("http://h/", { method: "GET" });
  late.abort(new Error("left first"));
  assert.equal(late.signal.aborted, true, "made after the abort, it is aborted at once");
  assert.equal(late.signal, late.signal, "one signal per request");
  assert.ok(late instanceof Request);

  const original = new LazySignalRequest("http://h/", { method: "GET" });
  const copy = original.clone();
  original.abort(new Error("gone"));
  assert.equal(copy.signal.aborted, true, "a clone follows the signal");
});

Deno.test("LazySignalRequest - hands out a given signal as it is", () => {
  const controller = new AbortController();
  let made = 0;
  const request = new LazySignalRequest("http://h/", { method: "POST", body: "x" }, () => {
    made++;
    return controller.signal;
  });
  assert.equal(made, 0, "not made before it is read");
  assert.equal(request.signal, controller.signal);
  assert.equal(request.signal, controller.signal);
  assert.equal(made, 1);
  controller.abort(new Error("cancelled by the host"));
  assert.equal(request.signal.aborted, true);
});
