import assert from "node:assert/strict";
import { backoffDelay } from "./backoff.ts";

const MIDDLE = () => 0.5; // no jitter
const POLICY = { initialMs: 100, maxMs: 30_000, factor: 2, jitter: 0.2 };

Deno.test("backoffDelay() doubles from 100 ms up to the cap, with bounded jitter", () => {
  assert.deepEqual([0, 1, 2, 3, 4].map((n) => backoffDelay(n, POLICY, MIDDLE)), [
    100,
    200,
    400,
    800,
    1600,
  ]);
  assert.equal(backoffDelay(20, POLICY, MIDDLE), 30_000);
  assert.equal(backoffDelay(0, POLICY, () => 0), 80);
  assert.equal(backoffDelay(0, POLICY, () => 1), 120);
  assert.equal(backoffDelay(20, POLICY, () => 1), 30_000, "jitter never passes the cap");
});
