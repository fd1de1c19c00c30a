import assert from "node:assert/strict";
import { inverseNormalCdf, normalCdf } from "./normal.ts";

const near = (actual: number, expected: number, tolerance = 1e-9) =>
  assert.ok(Math.abs(actual - expected) < tolerance, `${actual} is not ${expected}`);

Deno.test("normalCdf() matches the printed table", async (t) => {
  // Values from any standard normal table (to 10 places).
  for (
    const [x, p] of [[0, 0.5], [1, 0.8413447461], [1.96, 0.9750021049], [-2, 0.0227501319]]
  ) {
    await t.step(`Φ(${x}) = ${p}`, () => near(normalCdf(x!), p!, 1e-10));
  }
});

Deno.test("inverseNormalCdf() gives the usual VaR multipliers", async (t) => {
  // z(0.95) = 1.6448536270, z(0.99) = 2.3263478740, z(0.975) = 1.9599639845
  for (
    const [p, z] of [
      [0.95, 1.6448536270],
      [0.99, 2.3263478740],
      [0.975, 1.9599639845],
      [
        0.5,
        0,
      ],
      [0.05, -1.6448536270],
      [0.9999, 3.7190164855],
    ]
  ) {
    await t.step(`z(${p}) = ${z}`, () => near(inverseNormalCdf(p!), z!));
  }
});

Deno.test("inverseNormalCdf() refuses probabilities outside (0, 1)", () => {
  for (const p of [0, 1, -0.5, Number.NaN]) {
    assert.throws(() => inverseNormalCdf(p), /strictly between 0 and 1/);
  }
});
