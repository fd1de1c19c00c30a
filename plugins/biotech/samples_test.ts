import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { HttpError } from "./http.ts";
import { findSequences, isSampleName, listSamples, loadSample } from "./samples.ts";

const SAMPLES = fileURLToPath(new URL("./samples", import.meta.url));

const status = (code: number) => (error: unknown) =>
  error instanceof HttpError && error.status === code;

Deno.test("listSamples() lists the FASTA and FASTQ files of the folder", async () => {
  const files = await listSamples(SAMPLES);
  assert.deepEqual(files.map((file) => file.name), [
    "known.fasta",
    "minus_strand.fasta",
    "reads.fastq",
  ]);
  assert.ok(isSampleName("x.FQ") && !isSampleName("notes.txt"));
  await assert.rejects(() => listSamples(`${SAMPLES}/missing`), /does not exist/);
});

Deno.test("findSequences() finds a file by name, else a record by id, else 404", async () => {
  const file = await findSequences(SAMPLES, "reads.fastq", 10_000);
  assert.deepEqual(file.records.map((record) => record.id), ["read1", "read2", "read3"]);
  const one = await findSequences(SAMPLES, "minus_orf", 10_000);
  assert.equal(one.file, "minus_strand.fasta");
  assert.equal(one.records[0]?.sequence, "CCTTAAAACCCGGGTTTCATGG");
  await assert.rejects(() => findSequences(SAMPLES, "ghost", 10_000), status(404));
});

Deno.test("loadSample() refuses paths, missing files and files over the limit", async () => {
  await assert.rejects(() => loadSample(SAMPLES, "../main.ts", 10_000), status(404));
  await assert.rejects(() => loadSample(SAMPLES, "none.fasta", 10_000), status(404));
  await assert.rejects(() => loadSample(SAMPLES, "known.fasta", 10), status(413));
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/bad.fa`, ">x\nACGZ\n");
    await assert.rejects(() => loadSample(dir, "bad.fa", 10_000), /sample file "bad.fa": line 2/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
