import assert from "node:assert/strict";
import { drawdown } from "./drawdown.ts";

const near = (actual: number, expected: number) =>
  assert.ok(Math.abs(actual - expected) < 1e-12, `${actual} is not ${expected}`);

Deno.test("drawdown() of 100, 110, 99 is 10 % from 110 to 99", () => {
  // peak 110 (index 1), trough 99 (index 2): 1 - 99 / 110 = 0.10; never recovers
  const d = drawdown([100, 110, 99]);
  near(d.maxDrawdown, 0.1);
  assert.equal(d.peakIndex, 1);
  assert.equal(d.troughIndex, 2);
  assert.equal(d.recoveryIndex, null);
  near(d.current, 0.1);
});

Deno.test("drawdown() keeps the largest of several falls and finds the recovery", () => {
  // 120 → 90 is 1 - 90/120 = 0.25; 130 → 104 is 1 - 104/130 = 0.20; 130 ≥ 120 recovers at 3
  const d = drawdown([100, 120, 90, 130, 104]);
  near(d.maxDrawdown, 0.25);
  assert.deepEqual([d.peakIndex, d.troughIndex, d.recoveryIndex], [1, 2, 3]);
  near(d.current, 0.2);
});

Deno.test("drawdown() of rising prices is zero", () => {
  const d = drawdown([1, 2, 3]);
  assert.equal(d.maxDrawdown, 0);
  assert.equal(d.current, 0);
  assert.throws(() => drawdown([]), RangeError);
});
