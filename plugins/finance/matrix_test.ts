import assert from "node:assert/strict";
import { invert, multiply, SingularMatrixError } from "./matrix.ts";

const near = (actual: number[][], expected: number[][]) =>
  actual.forEach((row, i) =>
    row.forEach((value, j) =>
      assert.ok(Math.abs(value - expected[i]![j]!) < 1e-12, `[${i}][${j}] ${value}`)
    )
  );

Deno.test("invert() of a 2×2 matrix is the adjugate over the determinant", () => {
  // [[4, 2], [2, 9]]: det = 36 - 4 = 32; inverse = [[9, -2], [-2, 4]] / 32
  near(invert([[4, 2], [2, 9]]), [[9 / 32, -2 / 32], [-2 / 32, 4 / 32]]);
});

Deno.test("invert() needs a row swap when the first pivot is zero", () => {
  // [[0, 1], [1, 0]] is its own inverse
  near(invert([[0, 1], [1, 0]]), [[0, 1], [1, 0]]);
});

Deno.test("invert() times the matrix gives the identity (3×3)", () => {
  const a = [[2, -1, 0], [-1, 2, -1], [0, -1, 2]];
  // By hand: det = 4; inverse = [[3, 2, 1], [2, 4, 2], [1, 2, 3]] / 4
  near(invert(a), [[0.75, 0.5, 0.25], [0.5, 1, 0.5], [0.25, 0.5, 0.75]]);
});

Deno.test("invert() refuses a singular matrix", () => {
  // The second row is twice the first.
  assert.throws(() => invert([[1, 2], [2, 4]]), SingularMatrixError);
  assert.throws(() => invert([[0, 0], [0, 0]]), SingularMatrixError);
  assert.throws(() => invert([[1, 2]]), /square/);
});

Deno.test("multiply() applies a matrix to a vector", () => {
  assert.deepEqual(multiply([[1, 2], [3, 4]], [1, 1]), [3, 7]);
});
