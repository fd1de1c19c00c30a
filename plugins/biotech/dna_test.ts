import assert from "node:assert/strict";
import { firstInvalid, normalize, reverseComplement } from "./dna.ts";

Deno.test("reverseComplement() pairs bases and reverses them", async (t) => {
  const table: [string, string][] = [
    ["ATGC", "GCAT"],
    ["", ""],
    ["AAAACCCGGT", "ACCGGGTTTT"],
    ["AUGC", "GCAU"],
    ["RYKMN", "NKMRY"],
    ["ACGTN", "NACGT"],
  ];
  for (const [input, expected] of table) {
    await t.step(`${input || "(empty)"} -> ${expected || "(empty)"}`, () => {
      assert.equal(reverseComplement(input), expected);
      assert.equal(reverseComplement(reverseComplement(input)), input);
    });
  }
});

Deno.test("normalize() upper-cases, drops whitespace and names the first bad letter", () => {
  assert.equal(normalize("acg t\nNn"), "ACGTNN");
  assert.equal(firstInvalid("ACGT"), undefined);
  assert.deepEqual(firstInvalid("ACXT"), { index: 2, char: "X" });
  assert.throws(
    () => normalize("ACGJ", "seq1"),
    /seq1: "J" at position 4 is not a nucleotide \(expected one of A C G T/,
  );
});
