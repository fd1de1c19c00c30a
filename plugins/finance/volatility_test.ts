import assert from "node:assert/strict";
import { volatility } from "./volatility.ts";

const near = (actual: number, expected: number) =>
  assert.ok(Math.abs(actual - expected) < 1e-9, `${actual} is not ${expected}`);

Deno.test("volatility() of +10 %, -10 % annualizes with √252", () => {
  // mean 0; variance (0.01 + 0.01) / 1 = 0.02; stdev √0.02 = 0.1414213562
  // √252 = 15.8745078664; 0.1414213562 × 15.8745078664 = 2.2449944320
  const v = volatility([0.1, -0.1]);
  near(v.daily, 0.1414213562);
  near(v.annualized, 2.2449944320);
});

Deno.test("volatility() uses the factor it is given", () => {
  // stdev of 0.01, 0.03, 0.02 is 0.01; × √52 = 0.0721110255
  near(volatility([0.01, 0.03, 0.02], 52).annualized, 0.0721110255);
});

Deno.test("volatility() refuses one return or a bad factor", () => {
  assert.throws(() => volatility([0.1]), /at least 2 values/);
  assert.throws(() => volatility([0.1, 0.2], 0), /must be positive/);
});
