import assert from "node:assert/strict";
import { computeRisk, riskAttestations, varPredicate } from "./risk.ts";

const SERIES = [
  { symbol: "ACME", dates: ["2024-01-02", "2024-01-03", "2024-01-04"], closes: [100, 110, 99] },
  { symbol: "ONE", dates: ["2024-01-02"], closes: [5] },
];
const OPTIONS = { confidence: 0.99, annualizationFactor: 252, window: 250 };

Deno.test("varPredicate() names the confidence", () => {
  assert.equal(varPredicate(0.99), "var_99");
  assert.equal(varPredicate(0.975), "var_97_5");
  assert.equal(varPredicate(0.95), "var_95");
});

Deno.test("computeRisk() analyzes every series and reports progress", () => {
  const calls: [number, number][] = [];
  const report = computeRisk(SERIES, OPTIONS, new Date(0), (done, total) => {
    calls.push([done, total]);
  });
  assert.deepEqual(calls, [[1, 2], [2, 2]]);
  assert.equal(report.computedAt, "1970-01-01T00:00:00.000Z");
  // 100, 110, 99: returns +0.1, -0.1; historical VaR at 0.99: k = ⌈0.01 × 2⌉ = 1 → 0.10
  assert.ok(Math.abs(report.symbols.ACME!.valueAtRisk!.historical - 0.1) < 1e-12);
});

Deno.test("riskAttestations() attests VaR both ways, volatility and drawdown", () => {
  const commands = riskAttestations(computeRisk(SERIES, OPTIONS, new Date(0)));
  const acme = commands.filter((c) => c.subjects[0] === "ACME");
  assert.deepEqual(acme.map((c) => [c.predicates[0], c.attributes?.method]), [
    ["var_99", "historical"],
    ["var_99", "parametric"],
    ["volatility_annualized", undefined],
    ["max_drawdown", undefined],
  ]);
  assert.deepEqual(acme[0]!.contexts, ["finance"]);
  assert.equal(acme[0]!.attributes?.window, 2);
  // One close has no returns: only its drawdown (0) is attested.
  const one = commands.filter((c) => c.subjects[0] === "ONE");
  assert.deepEqual(one.map((c) => [c.predicates[0], c.attributes?.value]), [["max_drawdown", 0]]);
});
