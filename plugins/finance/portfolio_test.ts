import assert from "node:assert/strict";
import { SingularMatrixError } from "./matrix.ts";
import { covarianceMatrix, minimumVariance } from "./portfolio.ts";

const near = (actual: number, expected: number) =>
  assert.ok(Math.abs(actual - expected) < 1e-12, `${actual} is not ${expected}`);

Deno.test("covarianceMatrix() of two series", () => {
  // a = 1, 2, 3 (mean 2), b = 2, 4, 9 (mean 5)
  // var a = (1 + 0 + 1) / 2 = 1; var b = (9 + 1 + 16) / 2 = 13
  // cov = ((-1)(-3) + 0·(-1) + 1·4) / 2 = 3.5
  const m = covarianceMatrix([[1, 2, 3], [2, 4, 9]]);
  assert.deepEqual(m, [[1, 3.5], [3.5, 13]]);
});

Deno.test("minimumVariance() of two uncorrelated assets weighs by inverse variance", () => {
  // Σ = diag(0.04, 0.01): Σ⁻¹1 = (25, 100), sum 125 → w = (0.2, 0.8), variance 1/125 = 0.008
  const p = minimumVariance([[0.04, 0], [0, 0.01]]);
  near(p.weights[0]!, 0.2);
  near(p.weights[1]!, 0.8);
  near(p.variance, 0.008);
});

Deno.test("minimumVariance() of two correlated assets, solved by hand", () => {
  // Σ = [[4, 2], [2, 9]]: Σ⁻¹ = [[9, -2], [-2, 4]] / 32; Σ⁻¹1 = (7, 2) / 32; sum 9 / 32
  // w = (7/9, 2/9); variance 32/9. Check: (7/9)²·4 + 2·(7/9)(2/9)·2 + (2/9)²·9 = 288/81 = 32/9
  const p = minimumVariance([[4, 2], [2, 9]]);
  near(p.weights[0]!, 7 / 9);
  near(p.weights[1]!, 2 / 9);
  near(p.variance, 32 / 9);
});

Deno.test("minimumVariance() refuses two identical assets", () => {
  const same = covarianceMatrix([[0.01, -0.02, 0.03], [0.01, -0.02, 0.03]]);
  assert.throws(() => minimumVariance(same), SingularMatrixError);
});

Deno.test("covarianceMatrix() refuses ragged or short series", () => {
  assert.throws(() => covarianceMatrix([[1, 2], [1]]), /same length/);
  assert.throws(() => covarianceMatrix([[1], [2]]), /at least 2 returns/);
  assert.throws(() => covarianceMatrix([]), /at least 1 series/);
});
