/**
 * The biotech domain: sequence analysis of FASTA/FASTQ (GC content, reverse complement,
 * six-frame translation, ORFs, k-mers, global alignment) over HTTP, a WebSocket and Pulse
 * jobs that record results as attestations (`<sequence> has gc_content 0.41`).
 */
import { fileURLToPath } from "node:url";
import { definePlugin, type PluginContext, problem, serve } from "../../src/sdk/mod.ts";
import { analyzeJob } from "./analyze_job.ts";
import { glyphRoutes, GLYPHS } from "./glyph.ts";
import { liveAnalysis } from "./live.ts";
import { biotechRoutes } from "./routes.ts";
import { folderProblem, isSampleName } from "./samples.ts";
import { CONFIG_SCHEMA, readSettings } from "./settings.ts";
import { BiotechState } from "./state.ts";

const PLUGIN_DIR = fileURLToPath(new URL(".", import.meta.url));
const state = new BiotechState(PLUGIN_DIR);

export const biotech = definePlugin({
  metadata: {
    name: "biotech",
    version: "0.1.0",
    qntxVersion: ">=0.1.0",
    description: "Sequence analysis of FASTA/FASTQ: GC, translation, ORFs, k-mers, alignment",
    author: "QNTX",
    license: "MIT",
  },
  configSchema: CONFIG_SCHEMA,
  async initialize(context, { reconfigure }) {
    state.settings = readSettings(context.config, PLUGIN_DIR);
    context.logger.info(reconfigure ? "biotech reconfigured" : "biotech ready", {
      samplesDir: state.settings.samplesDir,
    });
    if (!reconfigure && state.settings.analyzeSamplesAtStart) await analyzeSamplesOnce(context);
  },
  routes: [...biotechRoutes(state), ...glyphRoutes],
  glyphs: GLYPHS,
  fetch: (request) =>
    problem(
      404,
      `biotech has no route for ${new URL(request.url).pathname}; see GET /api/plugins/routes`,
    ),
  websocket: { "/": (socket) => liveAnalysis(socket, state) },
  jobs: { analyze: (payload, job) => analyzeJob(payload, job, state) },
  async health() {
    const dir = state.settings.samplesDir;
    const details: Record<string, unknown> = {
      samplesDir: dir,
      analyses: state.analyses,
      lastAnalysis: state.lastAnalysis ?? null,
      lastError: state.lastError ?? null,
    };
    try {
      let files = 0;
      for await (const entry of Deno.readDir(dir)) if (isSampleName(entry.name)) files++;
      details.sampleFiles = files;
    } catch (error) {
      return { healthy: false, paused: state.paused, message: folderProblem(dir, error), details };
    }
    const last = state.lastError ? `; last error: ${state.lastError.error}` : "";
    return {
      healthy: true,
      paused: state.paused,
      message: `${details.sampleFiles} sample file(s) in ${dir}, ${state.analyses} analyses${last}`,
      details,
    };
  },
  pause() {
    state.paused = true;
  },
  resume() {
    state.paused = false;
  },
});

/**
 * A first start (nothing attested by biotech in the store yet) queues the analysis of the sample
 * folder, so a newcomer's first look at the store finds its facts. Later starts do nothing.
 */
async function analyzeSamplesOnce(context: PluginContext): Promise<void> {
  try {
    if ((await context.ats.get({ actors: ["biotech"], limit: 1 })).length > 0) return;
    const payload = new TextEncoder().encode(JSON.stringify({ folder: true }));
    const id = await context.queue.enqueue({ handlerName: "biotech/analyze", payload });
    context.logger.info("first start: analyzing the samples", { job: id });
  } catch (error) {
    context.logger.warn("could not queue the first analysis of the samples", { error });
  }
}

if (import.meta.main) await serve(biotech);
