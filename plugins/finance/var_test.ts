import assert from "node:assert/strict";
import { historicalVar, parametricVar, valueAtRisk } from "./var.ts";

const near = (actual: number, expected: number) =>
  assert.ok(Math.abs(actual - expected) < 1e-9, `${actual} is not ${expected}`);

// Ten returns, already sorted: the worst is -5 %, the second worst -3 %.
const TEN = [0.02, -0.05, 0.01, 0.03, -0.01, 0, 0.05, -0.03, 0.04, 0.02];

Deno.test("historicalVar() takes the k-th worst return", async (t) => {
  // k = ⌈(1 - c)·10⌉: c = 0.9 → k = 1 → 0.05; c = 0.8 → k = 2 → 0.03; c = 0.99 → k = 1
  for (const [c, expected] of [[0.9, 0.05], [0.8, 0.03], [0.99, 0.05], [0.7, 0.01]]) {
    await t.step(`at ${c} it is ${expected}`, () => {
      near(historicalVar(TEN, c!).value, expected!);
    });
  }
});

Deno.test("historicalVar() does not let rounding move k", () => {
  // (1 - 0.95)·20 is 1.0000000000000009 in doubles; k must be 1: the worst of 20, -0.2
  const twenty = Array.from({ length: 20 }, (_, i) => (i - 2) / 10);
  near(historicalVar(twenty, 0.95).value, 0.2);
});

Deno.test("parametricVar() is z·σ − μ", () => {
  // 0.01, 0.03, 0.02: μ = 0.02, σ = 0.01; z(0.99) = 2.3263478740
  // 2.3263478740 × 0.01 − 0.02 = 0.0032634787
  near(parametricVar([0.01, 0.03, 0.02], 0.99).value, 0.0032634787);
  // +10 %, −10 %: μ = 0, σ = 0.1414213562; z(0.95) = 1.6448536270
  // 1.6448536270 × 0.14 = 0.2302795078, × 0.0014213562 = 0.0023379229; sum 0.2326174307
  const v = valueAtRisk([0.1, -0.1], 0.95, "parametric");
  near(v.value, 0.2326174307);
  assert.equal(v.method, "parametric");
  assert.equal(v.observations, 2);
});

Deno.test("VaR refuses a confidence outside (0.5, 1) and too few returns", () => {
  for (const c of [0.5, 1, 1.5, Number.NaN]) {
    assert.throws(() => historicalVar(TEN, c), /between 0.5 and 1/);
  }
  assert.throws(() => historicalVar([], 0.95), /at least 1 return/);
  assert.throws(() => parametricVar([0.1], 0.95), /at least 2 values/);
});
