/** The HTTP routes under /api/biotech: each checks its input and answers JSON. */
import type { PluginContext, Route } from "../../src/sdk/mod.ts";
import { needlemanWunsch } from "./align.ts";
import { analyzeRecord, attestationsFor } from "./analysis.ts";
import { normalize, reverseComplement } from "./dna.ts";
import { parseSequences, type SeqRecord } from "./fasta.ts";
import { baseCounts, gcContent, round4 } from "./gc.ts";
import { HttpError, intParam, problem, readJsonObject, readText, statusOf } from "./http.ts";
import { checkK, countKmers } from "./kmers.ts";
import { findOrfs } from "./orfs.ts";
import { findSequences, listSamples, loadSample } from "./samples.ts";
import type { BiotechState } from "./state.ts";
import { sixFrames } from "./translate.ts";

type Context = PluginContext & { params: Record<string, string | undefined> };
type Handler = (request: Request, context: Context, url: URL) => unknown;

const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

/** The routes of the plugin; every error becomes a problem+json answer here. */
export function biotechRoutes(state: BiotechState): Route[] {
  const route = (method: string, path: string, description: string, handler: Handler): Route => ({
    method,
    path,
    description,
    handler: async (request, context) => {
      try {
        state.checkRunning();
        const answer = await handler(request, context, new URL(request.url));
        return answer instanceof Response ? answer : Response.json(answer);
      } catch (error) {
        if (statusOf(error) >= 500) state.failed(`${method} ${path}`, error);
        return problem(error);
      }
    },
  });
  const settings = () => state.settings;
  const named = async (context: Context) => {
    const name = decodeURIComponent(context.params.name ?? "");
    const found = await findSequences(settings().samplesDir, name, settings().maxUploadBytes);
    return { name, ...found };
  };
  const perRecord =
    (fn: (record: SeqRecord, url: URL) => Record<string, unknown>): Handler =>
    async (_request, context, url) => {
      const { name, file, records } = await named(context);
      return {
        name,
        file,
        records: records.map((record) => ({ id: record.id, ...fn(record, url) })),
      };
    };
  const options = (url: URL) => ({
    k: checkK(intParam(url, "k", settings().k)),
    minOrfCodons: intParam(url, "min_codons", settings().minOrfCodons),
  });

  return [
    route("GET", "/sequences", "List the sample files and their sequences", async () => {
      const { samplesDir, maxUploadBytes } = settings();
      const files = await listSamples(samplesDir);
      const listed = await Promise.all(files.map(async (file) => {
        try {
          const records = await loadSample(samplesDir, file.name, maxUploadBytes);
          return {
            ...file,
            sequences: records.map(({ id, sequence }) => ({ id, length: sequence.length })),
          };
        } catch (error) {
          return { ...file, error: (error as Error).message };
        }
      }));
      return { dir: samplesDir, files: listed };
    }),
    route(
      "GET",
      "/sequences/:name",
      "Full statistics of a sample file or sequence",
      async (_r, context, url) => {
        const { name, file, records } = await named(context);
        const opts = options(url);
        return { name, file, records: records.map((record) => analyzeRecord(record, opts)) };
      },
    ),
    route(
      "GET",
      "/sequences/:name/gc",
      "GC content and base counts",
      perRecord((record) => {
        const gc = gcContent(record.sequence);
        return {
          length: record.sequence.length,
          gcContent: gc === undefined ? null : round4(gc),
          baseCounts: baseCounts(record.sequence),
        };
      }),
    ),
    route(
      "GET",
      "/sequences/:name/revcomp",
      "Reverse complement",
      perRecord((record) => ({
        reverseComplement: reverseComplement(record.sequence),
      })),
    ),
    route(
      "GET",
      "/sequences/:name/translate",
      "Translation in six frames",
      perRecord((record) => ({
        frames: sixFrames(record.sequence),
      })),
    ),
    route(
      "GET",
      "/sequences/:name/orfs",
      "Open reading frames (?min_codons=)",
      perRecord((record, url) => ({
        orfs: findOrfs(record.sequence, options(url).minOrfCodons),
      })),
    ),
    route(
      "GET",
      "/sequences/:name/kmers",
      "k-mer counts (?k=&top=)",
      perRecord((record, url) => {
        const kmers = countKmers(record.sequence, options(url).k);
        const top = intParam(url, "top", 100);
        return {
          k: options(url).k,
          distinct: kmers.length,
          kmers: kmers.slice(0, Math.max(0, top)),
        };
      }),
    ),
    route(
      "POST",
      "/analyze",
      "Statistics of each record of a FASTA/FASTQ body (?k=&min_codons=&attest=1)",
      async (request, context, url) => {
        const opts = options(url);
        const text = await readText(request, settings().maxUploadBytes);
        const records = parseSequences(text);
        const bases = records.reduce((sum, record) => sum + record.sequence.length, 0);
        if (bases > settings().inlineMaxBases) {
          const payload = { fasta: text, k: opts.k, min_codons: opts.minOrfCodons };
          const id = await context.queue.enqueue({
            handlerName: "biotech/analyze",
            payload: encode(payload),
          });
          return Response.json({ job: id, bases, status: `/api/pulse/jobs/${id}` }, {
            status: 202,
          });
        }
        const stats = records.map((record) => analyzeRecord(record, opts));
        let attestations = 0;
        if (/^(1|true|yes)$/i.test(url.searchParams.get("attest") ?? "")) {
          const commands = stats.flatMap((s) => attestationsFor(s, { via: "POST /analyze" }));
          attestations = await context.ats.batchGenerateAndCreate(commands);
        }
        state.succeeded("POST /analyze", records.length, bases);
        return { records: stats, attestations };
      },
    ),
    route(
      "POST",
      "/align",
      "Needleman-Wunsch alignment of {a, b} (optional match, mismatch, gap)",
      async (request) => {
        const body = await readJsonObject(request, settings().maxUploadBytes);
        const sequence = (key: string) => {
          if (typeof body[key] !== "string") {
            throw new HttpError(
              400,
              `"${key}" must be a sequence string`,
            );
          }
          return normalize(body[key] as string, key).replaceAll("U", "T");
        };
        const score = (key: string, fallback: number) => {
          const value = body[key] ?? fallback;
          if (typeof value !== "number" || !Number.isFinite(value)) {
            throw new HttpError(400, `"${key}" must be a number`);
          }
          return value;
        };
        const { scoring, maxAlignCells } = settings();
        const used = {
          match: score("match", scoring.match),
          mismatch: score("mismatch", scoring.mismatch),
          gap: score("gap", scoring.gap),
        };
        return {
          scoring: used,
          ...needlemanWunsch(sequence("a"), sequence("b"), used, maxAlignCells),
        };
      },
    ),
    route(
      "POST",
      "/jobs/analyze-folder",
      "Queue a job that analyzes every sample file",
      async (_request, context, url) => {
        const opts = options(url);
        const payload = { folder: true, k: opts.k, min_codons: opts.minOrfCodons };
        const id = await context.queue.enqueue({
          handlerName: "biotech/analyze",
          payload: encode(payload),
        });
        return Response.json({ job: id, status: `/api/pulse/jobs/${id}` }, { status: 202 });
      },
    ),
    route("GET", "/status", "Settings, pause state and the last analysis", () => ({
      paused: state.paused,
      analyses: state.analyses,
      lastAnalysis: state.lastAnalysis ?? null,
      lastError: state.lastError ?? null,
      settings: state.settings,
    })),
  ];
}
