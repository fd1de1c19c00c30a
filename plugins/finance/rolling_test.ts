import assert from "node:assert/strict";
import { RollingWindow } from "./rolling.ts";

const near = (actual: number | null, expected: number) =>
  assert.ok(actual !== null && Math.abs(actual - expected) < 1e-12, `${actual} is not ${expected}`);

Deno.test("RollingWindow keeps only the last values", () => {
  const window = new RollingWindow(3);
  // [1]: mean 1, no stdev yet
  assert.deepEqual(window.push(1), { count: 1, mean: 1, stdev: null });
  // [1, 2]: mean 1.5, deviations² 0.25 + 0.25 = 0.5, / 1 → stdev √0.5
  near(window.push(2).stdev, Math.SQRT1_2);
  window.push(3);
  // [2, 3, 4]: mean 3, deviations² 1 + 0 + 1 = 2, / 2 = 1 → stdev 1
  const stats = window.push(4);
  assert.equal(stats.count, 3);
  near(stats.mean, 3);
  near(stats.stdev, 1);
});

Deno.test("RollingWindow of a flat series has zero volatility, not NaN", () => {
  const window = new RollingWindow(2);
  for (let i = 0; i < 10; i++) window.push(0.1);
  assert.equal(window.stats().stdev, 0);
});

Deno.test("RollingWindow refuses a window smaller than 2", () => {
  assert.throws(() => new RollingWindow(1), /at least 2, got 1/);
  assert.throws(() => new RollingWindow(2.5), RangeError);
});
