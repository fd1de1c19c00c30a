import assert from "node:assert/strict";
import { checkK, countKmers } from "./kmers.ts";

Deno.test("countKmers() counts windows, most frequent first", async (t) => {
  const table: [string, number, [string, number][]][] = [
    ["ATGC", 1, [["A", 1], ["C", 1], ["G", 1], ["T", 1]]],
    ["ATGC", 2, [["AT", 1], ["GC", 1], ["TG", 1]]],
    ["AAAA", 2, [["AA", 3]]],
    ["ACGACG", 3, [["ACG", 2], ["CGA", 1], ["GAC", 1]]],
    ["ACNGT", 2, [["AC", 1], ["GT", 1]]],
    ["AUG", 2, [["AT", 1], ["TG", 1]]],
    ["AC", 3, []],
  ];
  for (const [sequence, k, expected] of table) {
    await t.step(`${sequence} with k=${k}`, () => {
      assert.deepEqual(
        countKmers(sequence, k).map(({ kmer, count }) => [kmer, count]),
        expected,
      );
    });
  }
});

Deno.test("checkK() refuses k outside 1..32 and fractions", () => {
  assert.equal(checkK(5), 5);
  for (const k of [0, -1, 33, 2.5, NaN]) {
    assert.throws(() => checkK(k), /k must be a whole number from 1 to 32/);
  }
});
