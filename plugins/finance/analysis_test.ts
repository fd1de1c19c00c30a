import assert from "node:assert/strict";
import { analyze } from "./analysis.ts";

const near = (actual: number | undefined | null, expected: number) =>
  assert.ok(
    typeof actual === "number" && Math.abs(actual - expected) < 1e-9,
    `${actual} is not ${expected}`,
  );

Deno.test("analyze() puts the figures of 100, 110, 99, 105 together", () => {
  const stats = analyze({
    symbol: "ACME",
    dates: ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"],
    closes: [100, 110, 99, 105],
  }, { confidence: 0.95, annualizationFactor: 252, window: 2 });
  // returns 0.1, -0.1, 105/99 - 1 = 0.0606060606; mean 0.0202020202; total 105/100 - 1 = 0.05
  near(stats.totalReturn, 0.05);
  near(stats.meanReturn, 0.0202020202);
  // the window keeps the last 2 returns: -0.1, 0.0606060606; mean -0.0196969697
  // deviations ±0.0803030303, so σ = 0.1606060606 / √2 = 0.1135656346
  assert.equal(stats.window, 2);
  near(stats.volatility?.daily, 0.1135656346);
  // historical at 0.95: k = ⌈0.05 × 2⌉ = 1, the worst: 0.10
  near(stats.valueAtRisk?.historical, 0.1);
  // parametric: z·σ − μ = 1.6448536270 × 0.1135656346 + 0.0196969697
  //   = 0.1867988459 + 0.0196969697 = 0.2064958156
  near(stats.valueAtRisk?.parametric, 0.2064958156);
  assert.deepEqual(stats.maxDrawdown.peak, "2024-01-03");
  assert.deepEqual(stats.maxDrawdown.trough, "2024-01-04");
  assert.equal(stats.maxDrawdown.recovered, null);
  near(stats.maxDrawdown.value, 0.1);
  // 1 - 105 / 110 = 0.0454545455
  near(stats.currentDrawdown, 0.0454545455);
});

Deno.test("analyze() of one close leaves the figures it cannot compute null", () => {
  const stats = analyze({ symbol: "ONE", dates: ["2024-01-02"], closes: [5] }, {
    confidence: 0.99,
    annualizationFactor: 252,
    window: 250,
  });
  assert.equal(stats.volatility, null);
  assert.equal(stats.valueAtRisk, null);
  assert.equal(stats.meanReturn, null);
  assert.equal(stats.totalReturn, 0);
});
