import assert from "node:assert/strict";
import { DeadlineError, withDeadline } from "./deadline.ts";

Deno.test("withDeadline() returns the operation's result when it finishes in time", async () => {
  assert.equal(await withDeadline("sum", 1000, () => Promise.resolve(42)), 42);
});

Deno.test("withDeadline() passes the operation's own failure through", async () => {
  await assert.rejects(withDeadline("load", 1000, () => Promise.reject(new Error("nope"))), /nope/);
  await assert.rejects(
    withDeadline("load", 1000, () => {
      throw new Error("sync nope");
    }),
    /sync nope/,
  );
});

Deno.test("withDeadline() settles at the deadline even when the operation ignores its signal", async () => {
  let seen: AbortSignal | undefined;
  const error = await withDeadline('initialize of plugin "x"', 20, (signal) => {
    seen = signal;
    return new Promise(() => {});
  }).catch((e) => e);
  assert.ok(error instanceof DeadlineError);
  assert.equal(error.message, 'initialize of plugin "x" timed out after 20 ms');
  assert.equal(seen?.aborted, true);
  assert.equal(seen?.reason, error);
});

Deno.test("withDeadline() ignores a late failure of an operation it gave up on", async () => {
  let fail!: (error: Error) => void;
  await assert.rejects(
    withDeadline("slow", 10, () => new Promise((_, reject) => fail = reject)),
    DeadlineError,
  );
  fail(new Error("too late")); // would be an unhandled rejection if nobody had caught it
  await Promise.resolve();
});

Deno.test("withDeadline() stops when its parent signal aborts", async () => {
  const parent = new AbortController();
  const running = withDeadline("job", 10_000, () => new Promise(() => {}), parent.signal);
  parent.abort(new Error("host stopping"));
  await assert.rejects(running, /host stopping/);
  const already = new AbortController();
  already.abort(new Error("gone"));
  await assert.rejects(
    withDeadline("job", 10_000, () => new Promise(() => {}), already.signal),
    /gone/,
  );
});
