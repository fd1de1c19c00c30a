import assert from "node:assert/strict";
import { logReturns, returnsOf, simpleReturns } from "./returns.ts";

const close = (actual: number[], expected: number[]) => {
  assert.equal(actual.length, expected.length);
  actual.forEach((value, i) => assert.ok(Math.abs(value - expected[i]!) < 1e-12, `${i}: ${value}`));
};

Deno.test("simpleReturns() of 100, 110, 99 is +10 % then -10 %", () => {
  // 110 / 100 - 1 = 0.10; 99 / 110 - 1 = -0.10
  close(simpleReturns([100, 110, 99]), [0.1, -0.1]);
});

Deno.test("logReturns() of 100, 110, 99 is ln 1.1 then ln 0.9", () => {
  // ln(1.1) = 0.0953101798043249, ln(0.9) = -0.1053605156578263
  close(logReturns([100, 110, 99]), [0.0953101798043249, -0.1053605156578263]);
  close(returnsOf([100, 110, 99], "log"), logReturns([100, 110, 99]));
});

Deno.test("returns of fewer than two prices are empty", () => {
  assert.deepEqual(simpleReturns([100]), []);
  assert.deepEqual(logReturns([]), []);
});
