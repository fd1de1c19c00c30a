import assert from "node:assert/strict";
import { meanQuality, parseSequences, SequenceFormatError } from "./fasta.ts";

Deno.test("parseSequences() reads multi-line FASTA with descriptions and comments", () => {
  const records = parseSequences(
    "; a comment\n>seq1 first one\nATG\ncc\n\n>seq2\r\nGGGG\n",
  );
  assert.deepEqual(records, [
    { id: "seq1", description: "first one", sequence: "ATGCC" },
    { id: "seq2", description: "", sequence: "GGGG" },
  ]);
});

Deno.test("parseSequences() reads FASTQ reads with their qualities", () => {
  const records = parseSequences("@r1 lane 1\nACGT\n+\nII#!\n\n@r2\nGG\n+r2\n55\n");
  assert.deepEqual(records, [
    { id: "r1", description: "lane 1", sequence: "ACGT", quality: "II#!" },
    { id: "r2", description: "", sequence: "GG", quality: "55" },
  ]);
  assert.equal(meanQuality("II#!"), (40 + 40 + 2 + 0) / 4);
  assert.equal(meanQuality(""), undefined);
});

Deno.test("parseSequences() rejects bad input with the line and the cause", async (t) => {
  const table: [string, string, RegExp][] = [
    ["empty input", "  \n\n", /the input is empty/],
    ["no header", "ACGT\n", /line 1: expected a FASTA header/],
    [
      "wrong alphabet",
      ">a\nACGT\nACXT\n",
      /line 3: sequence "a": "X" at column 3 is not a nucleotide/,
    ],
    ["empty record", ">a\n>b\nAC\n", /line 1: sequence "a" has no bases/],
    ["header without id", "> \nAC\n", /line 1: header ">" has no sequence id/],
    ["duplicate ids", ">a\nAC\n>a\nGG\n", /duplicate sequence id "a"/],
    ["fastq without plus", "@r\nACGT\nIIII\n", /line 3: read "r": expected a "\+" line/],
    ["fastq short quality", "@r\nACGT\n+\nIII\n", /line 4: read "r" has 4 bases but 3 quality/],
    ["fastq bad base", "@r\nACGZ\n+\nIIII\n", /line 2: sequence "r": "Z" at column 4/],
    ["fastq bad quality", "@r\nAC\n+\nI\u00e9\n", /line 4: read "r": quality character 2/],
  ];
  for (const [name, text, pattern] of table) {
    await t.step(name, () => {
      assert.throws(() => parseSequences(text), (error) => {
        assert.ok(error instanceof SequenceFormatError);
        assert.match(error.message, pattern);
        return true;
      });
    });
  }
});
