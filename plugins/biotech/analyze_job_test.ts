import assert from "node:assert/strict";
import { checkPayload } from "./analyze_job.ts";

Deno.test("checkPayload() needs exactly one input and integer options", async (t) => {
  const table: [string, unknown, RegExp | undefined][] = [
    ["a file", { file: "known.fasta" }, undefined],
    ["the folder", { folder: true, k: 4 }, undefined],
    ["text", { fasta: ">a\nAC\n", min_codons: 10 }, undefined],
    ["nothing", {}, /exactly one of "fasta"/],
    ["two inputs", { file: "a.fa", folder: true }, /exactly one of/],
    ["not an object", [1], /must be a JSON object/],
    ["null", null, /must be a JSON object/],
    ["fractional k", { folder: true, k: 2.5 }, /"k" must be an integer, got 2.5/],
  ];
  for (const [name, payload, error] of table) {
    await t.step(name, () => {
      if (error) assert.throws(() => checkPayload(payload), error);
      else assert.deepEqual(checkPayload(payload), payload);
    });
  }
});
