import assert from "node:assert/strict";
import { baseCounts, gcContent, round4 } from "./gc.ts";

Deno.test("gcContent() is the share of G and C among known bases", async (t) => {
  const table: [string, number | undefined][] = [
    ["ATGC", 0.5],
    ["GGGCCC", 1],
    ["AAAATTTT", 0],
    ["GCNNNN", 1],
    ["ATGGCCATTGTAATGGGCCGCTGA", 13 / 24],
    ["AUGC", 0.5],
    ["SW", 0.5],
    ["NNNN", undefined],
    ["", undefined],
  ];
  for (const [sequence, expected] of table) {
    await t.step(`${sequence || "(empty)"} has GC ${expected}`, () => {
      assert.equal(gcContent(sequence), expected);
    });
  }
});

Deno.test("baseCounts() counts every letter and round4() keeps four decimals", () => {
  assert.deepEqual(baseCounts("AACGTN"), { A: 2, C: 1, G: 1, T: 1, N: 1 });
  assert.equal(round4(13 / 24), 0.5417);
});
