import assert from "node:assert/strict";
import { analyzeRecord, attestationsFor } from "./analysis.ts";

Deno.test("analyzeRecord() gathers the statistics of a known sequence", () => {
  const stats = analyzeRecord(
    { id: "demo", description: "", sequence: "ATGGCCATTGTAATGGGCCGCTGA" },
    { k: 2, minOrfCodons: 5, topKmers: 2 },
  );
  assert.equal(stats.length, 24);
  assert.equal(stats.gcContent, 0.5417);
  assert.deepEqual(stats.baseCounts, { A: 5, T: 6, G: 8, C: 5 });
  assert.equal(stats.orfCount, 1);
  assert.equal(stats.longestOrf?.protein, "MAIVMGR");
  assert.deepEqual(stats.topKmers, [{ kmer: "TG", count: 4 }, { kmer: "AT", count: 3 }]);
  assert.equal(stats.meanQuality, undefined);
});

Deno.test("attestationsFor() makes one attestation per known fact", () => {
  const stats = analyzeRecord(
    { id: "r1", description: "", sequence: "ATGC", quality: "IIII" },
    { k: 3, minOrfCodons: 30 },
  );
  const commands = attestationsFor(stats, { file: "reads.fastq" });
  assert.deepEqual(commands.map((c) => `${c.subjects[0]} ${c.predicates[0]} ${c.contexts[0]}`), [
    "r1 gc_content 0.5",
    "r1 length 4",
    "r1 orf_count 0",
    "r1 mean_quality 40",
  ]);
  assert.deepEqual(commands[0]?.attributes, { value: 0.5, file: "reads.fastq" });
});
