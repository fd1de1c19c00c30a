import assert from "node:assert/strict";
import { needlemanWunsch, type Scoring } from "./align.ts";

const SIMPLE: Scoring = { match: 1, mismatch: -1, gap: -1 };
const DEFAULT: Scoring = { match: 1, mismatch: -1, gap: -2 };

Deno.test("needlemanWunsch() finds hand-computed scores and alignments", async (t) => {
  const table: [string, string, string, Scoring, number, string, string][] = [
    ["identical", "ACGT", "ACGT", DEFAULT, 4, "ACGT", "ACGT"],
    ["one mismatch", "ACGT", "AGGT", DEFAULT, 2, "ACGT", "AGGT"],
    // A/A +1, C/- -2, G/G +1, T/T +1.
    ["one deletion", "ACGT", "AGT", DEFAULT, 1, "ACGT", "A-GT"],
    ["one insertion", "AGT", "ACGT", DEFAULT, 1, "A-GT", "ACGT"],
    ["against nothing", "", "AC", DEFAULT, -4, "--", "AC"],
    ["both empty", "", "", DEFAULT, 0, "", ""],
    // The textbook example: 4 matches, 2 mismatches, 2 gaps = 0 under +1/-1/-1.
    ["GATTACA", "GATTACA", "GCATGCU", SIMPLE, 0, "G-ATTACA", "GCA-TGCU"],
  ];
  for (const [name, a, b, scoring, score, alignedA, alignedB] of table) {
    await t.step(`${name}: ${a || "(empty)"} / ${b || "(empty)"} scores ${score}`, () => {
      const result = needlemanWunsch(a, b, scoring);
      assert.equal(result.score, score);
      assert.equal(result.alignedA, alignedA);
      assert.equal(result.alignedB, alignedB);
      assert.equal(result.alignedA.replaceAll("-", ""), a);
      assert.equal(result.alignedB.replaceAll("-", ""), b);
    });
  }
});

Deno.test("needlemanWunsch() reports matches, identity and markup", () => {
  const result = needlemanWunsch("ACGT", "AGT", DEFAULT);
  assert.equal(result.markup, "| ||");
  assert.equal(result.matches, 3);
  assert.equal(result.identity, 0.75);
});

Deno.test("needlemanWunsch() refuses inputs over the cell limit", () => {
  assert.throws(
    () => needlemanWunsch("ACGT", "ACGT", DEFAULT, 24),
    /aligning 4 by 4 bases needs 25 cells, over the limit of 24/,
  );
});
