/** The `biotech/analyze` job: long inputs analyzed off the request path, with progress. */
import type { AttestationCommand, JobContext } from "../../src/sdk/mod.ts";
import { RetryableError } from "../../src/sdk/mod.ts";
import { analyzeRecord, attestationsFor, type RecordStats } from "./analysis.ts";
import { parseSequences, type SeqRecord } from "./fasta.ts";
import { checkK } from "./kmers.ts";
import { listSamples, loadSample } from "./samples.ts";
import type { BiotechState } from "./state.ts";

/** What the job is given: exactly one of `fasta` (the text), `file` or `folder: true`. */
export interface AnalyzePayload {
  fasta?: string;
  file?: string;
  folder?: boolean;
  k?: number;
  min_codons?: number;
}

const BATCH = 500;

/** Checks the payload; a bad one is a plain error, so the job fails at once without retries. */
export function checkPayload(payload: unknown): AnalyzePayload {
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
    throw new TypeError('the payload must be a JSON object such as {"file": "known.fasta"}');
  }
  const given = payload as AnalyzePayload;
  const sources = [
    typeof given.fasta === "string",
    typeof given.file === "string",
    given.folder === true,
  ].filter(Boolean).length;
  if (sources !== 1) {
    throw new TypeError(
      'the payload needs exactly one of "fasta" (FASTA/FASTQ text), "file" (a sample file ' +
        'name) or "folder": true',
    );
  }
  for (const key of ["k", "min_codons"] as const) {
    if (given[key] !== undefined && !Number.isInteger(given[key])) {
      throw new TypeError(`"${key}" must be an integer, got ${JSON.stringify(given[key])}`);
    }
  }
  return given;
}

async function load(payload: AnalyzePayload, state: BiotechState) {
  const dir = state.settings.samplesDir;
  if (payload.fasta !== undefined) {
    return [{ file: undefined, records: parseSequences(payload.fasta) }];
  }
  const names = payload.file !== undefined
    ? [payload.file]
    : (await listSamples(dir)).map((file) => file.name);
  const loaded: { file: string | undefined; records: SeqRecord[] }[] = [];
  for (const name of names) {
    loaded.push({ file: name, records: await loadSample(dir, name, Infinity) });
  }
  return loaded;
}

/** Analyzes every record, then writes its attestations; stops between records when asked to. */
export async function analyzeJob(
  payload: unknown,
  job: JobContext,
  state: BiotechState,
): Promise<unknown> {
  try {
    const given = checkPayload(payload);
    const options = {
      k: checkK(given.k ?? state.settings.k),
      minOrfCodons: given.min_codons ?? state.settings.minOrfCodons,
    };
    const inputs = await load(given, state);
    const total = inputs.reduce(
      (sum, input) => sum + input.records.reduce((n, record) => n + record.sequence.length, 0),
      0,
    );
    job.log("info", `analyzing ${inputs.length} input(s), ${total} bases`, "load");
    const results: { file?: string; stats: RecordStats }[] = [];
    let done = 0;
    job.progress(0, total);
    for (const input of inputs) {
      for (const record of input.records) {
        job.signal.throwIfAborted();
        if (state.paused) {
          throw new RetryableError("biotech was paused during the analysis; it runs again later");
        }
        results.push({ file: input.file, stats: analyzeRecord(record, options) });
        done += record.sequence.length;
        job.progress(done, total);
        // Let calls (pause, health, cancel) in between records on long inputs.
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
    }
    const commands: AttestationCommand[] = results.flatMap(({ file, stats }) =>
      attestationsFor(stats, { job: job.jobId, ...(file ? { file } : {}) })
    );
    let written = 0;
    for (let i = 0; i < commands.length; i += BATCH) {
      written += await job.ats.batchGenerateAndCreate(commands.slice(i, i + BATCH));
    }
    job.log("info", `wrote ${written} attestations for ${results.length} sequences`, "attest");
    job.cost(total / 1_000_000);
    state.succeeded(`job ${job.jobId}`, results.length, total);
    return {
      sequences: results.length,
      bases: total,
      attestations: written,
      summary: results.slice(0, 100).map(({ file, stats }) => ({
        id: stats.id,
        file,
        length: stats.length,
        gcContent: stats.gcContent,
        orfCount: stats.orfCount,
      })),
    };
  } catch (error) {
    state.failed(`job ${job.jobId}`, error);
    throw error;
  }
}
