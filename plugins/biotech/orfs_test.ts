import assert from "node:assert/strict";
import { reverseComplement } from "./dna.ts";
import { findOrfs } from "./orfs.ts";

Deno.test("findOrfs() finds the forward ORF of a known gene fragment", () => {
  assert.deepEqual(findOrfs("ATGGCCATTGTAATGGGCCGCTGA", 1), [
    { frame: "+1", strand: "+", start: 1, end: 24, codons: 7, protein: "MAIVMGR" },
  ]);
});

Deno.test("findOrfs() maps minus-strand ORFs back to forward positions", () => {
  // ATG AAA CCC GGG TTT TAA (MKPGF*) reversed and complemented, with two flanking bases each side.
  const sequence = `CC${reverseComplement("ATGAAACCCGGGTTTTAA")}GG`;
  assert.equal(sequence, "CCTTAAAACCCGGGTTTCATGG");
  assert.deepEqual(findOrfs(sequence, 5), [
    { frame: "-3", strand: "-", start: 3, end: 20, codons: 5, protein: "MKPGF" },
  ]);
});

Deno.test("findOrfs() applies the minimum and needs a stop", async (t) => {
  const table: [string, string, number, number][] = [
    ["too short", "ATGAAATAA", 3, 0],
    ["just long enough", "ATGAAATAA", 2, 1],
    ["no stop codon", "ATGAAAAAAAAA", 1, 0],
    ["no start codon", "AAACCCTAA", 1, 0],
    ["two in one frame", "ATGTAAATGCCCTAG", 1, 2],
    ["nested ATG is one ORF", "ATGATGAAATGA", 1, 1],
  ];
  for (const [name, sequence, min, count] of table) {
    await t.step(`${name}: ${sequence} has ${count}`, () => {
      assert.equal(findOrfs(sequence, min).filter((orf) => orf.strand === "+").length, count);
    });
  }
  assert.throws(() => findOrfs("ATG", 0), RangeError);
});
