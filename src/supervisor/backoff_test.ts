import assert from "node:assert/strict";
import { CrashHistory } from "./backoff.ts";

const MIDDLE = () => 0.5; // no jitter

Deno.test("CrashHistory gives up on the fifth crash within a minute", () => {
  const history = new CrashHistory();
  const delays = [0, 1000, 2000, 3000, 4000].map((at) => history.record(at, at - 500, MIDDLE));
  assert.deepEqual(delays, [100, 200, 400, 800, undefined]);
  assert.equal(
    history.loopReason("exit code 1"),
    "crash loop: 5 failures within 60 s; last: exit code 1",
  );
});

Deno.test("CrashHistory forgets crashes older than the window, and all of them after a stable run", () => {
  const spread = new CrashHistory();
  const delays = [0, 20_000, 40_000, 60_000, 80_000, 100_000].map((at) =>
    spread.record(at, at - 1000, MIDDLE)
  );
  assert.ok(delays.every((delay) => delay !== undefined), "crashes a minute apart are not a loop");
  const stable = new CrashHistory();
  for (const at of [0, 100, 200]) stable.record(at, at, MIDDLE);
  assert.equal(stable.record(60_000, 10_000, MIDDLE), 100, "a run of 50 s resets the count");
  assert.equal(stable.count, 1);
});
