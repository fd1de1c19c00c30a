import assert from "node:assert/strict";
import { mean, sampleStdev, sampleVariance } from "./stats.ts";

Deno.test("mean() adds and divides", () => {
  // (1 + 2 + 3 + 6) / 4 = 3
  assert.equal(mean([1, 2, 3, 6]), 3);
});

Deno.test("sampleVariance() divides by n - 1", () => {
  // mean 3; squared deviations 4, 1, 0, 9 = 14; 14 / 3
  assert.equal(sampleVariance([1, 2, 3, 6]), 14 / 3);
  // 0.01, 0.03, 0.02: mean 0.02, deviations² 1e-4 + 1e-4 + 0 = 2e-4, / 2 = 1e-4, stdev 0.01
  assert.ok(Math.abs(sampleStdev([0.01, 0.03, 0.02]) - 0.01) < 1e-15);
});

Deno.test("sampleVariance() refuses fewer than two values", () => {
  assert.throws(() => sampleVariance([1]), /at least 2 values, got 1/);
  assert.throws(() => mean([]), RangeError);
});
