import assert from "node:assert/strict";
import { ReplayCursor } from "./replay_session.ts";

Deno.test("ReplayCursor sends each close with rolling figures of the returns", () => {
  const cursor = new ReplayCursor(
    {
      symbol: "ACME",
      dates: ["d0", "d1", "d2", "d3"],
      closes: [100, 110, 99, 99],
    },
    2,
    4,
  );
  const first = cursor.next()!;
  assert.deepEqual(first.rolling, {
    window: 2,
    count: 0,
    mean: null,
    volatility: null,
    annualizedVolatility: null,
  });
  assert.equal(first.return, null);
  // d1: return 0.10, one value in the window: mean 0.10, no volatility yet
  const second = cursor.next()!;
  assert.ok(Math.abs(second.return! - 0.1) < 1e-12);
  assert.equal(second.rolling.volatility, null);
  // d2: window [0.10, -0.10]: mean 0, σ = √0.02 = 0.1414213562; annualized × √4 = 0.2828427125
  const third = cursor.next()!;
  assert.ok(Math.abs(third.rolling.mean!) < 1e-12);
  assert.ok(Math.abs(third.rolling.volatility! - 0.1414213562) < 1e-9);
  assert.ok(Math.abs(third.rolling.annualizedVolatility! - 0.2828427125) < 1e-9);
  // d3: window [-0.10, 0]: mean -0.05, σ = √(0.0025 + 0.0025) = 0.0707106781
  const fourth = cursor.next()!;
  assert.ok(Math.abs(fourth.rolling.mean! + 0.05) < 1e-12);
  assert.ok(Math.abs(fourth.rolling.volatility! - 0.0707106781) < 1e-9);
  assert.deepEqual([fourth.index, fourth.total, fourth.date], [3, 4, "d3"]);
  assert.equal(cursor.done, true);
  assert.equal(cursor.next(), undefined);
});
