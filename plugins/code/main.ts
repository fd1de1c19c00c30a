// The `code` domain: a git repository's history as attestations, queried over HTTP, ingested
// again on a schedule, with progress over a WebSocket. Running git needs a trusted grant, and
// the repository must lie inside what the plugin's grants let it read (git leaves the sandbox).
import { dirname, isAbsolute, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  definePlugin,
  type PluginContext,
  type PluginSocket,
  RetryableError,
  serve,
} from "../../src/sdk/mod.ts";
import { Ingest, type IngestProgress, type IngestResult } from "./ingest.ts";
import { readableRepository } from "./readable_repository.ts";
import { authors, authorWork, fileHistory } from "./queries.ts";

const HERE = dirname(fileURLToPath(import.meta.url));
const NAME = "code";

let ingest: Ingest | undefined;
let running: Promise<IngestResult> | undefined;
let lastError = "";
/** Why the configured repository may not be read, when it may not. */
let refused = "";
let last: IngestResult | undefined;
let paused = false;
const watchers = new Set<PluginSocket>();

function broadcast(message: unknown): void {
  const text = JSON.stringify(message);
  for (const socket of watchers) {
    if (socket.readyState === 1) socket.send(text);
  }
}

/** Why the plugin may not read `source` (its grants do not cover it), or "" when it may. */
function refusal(source: string): Promise<string> {
  return readableRepository(source, NAME).then(() => "", (error: Error) => error.message);
}

function problem(status: number, detail: string): Response {
  return Response.json({ status, detail }, { status });
}

/** One ingest at a time; a second request joins the one under way. */
function ingestNow(
  context: PluginContext,
  progress: (step: IngestProgress) => void,
  signal?: AbortSignal,
): Promise<IngestResult> {
  if (!ingest) return Promise.reject(new Error("the plugin is not initialized"));
  running ??= ingest.run(context.ats, (step) => {
    progress(step);
    broadcast({ type: "progress", ...step });
  }, signal).then((result) => {
    last = result;
    lastError = "";
    refused = "";
    broadcast({ type: "done", ...result });
    return result;
  }, (error) => {
    lastError = (error as Error).message;
    broadcast({ type: "error", message: lastError });
    throw error;
  }).finally(() => running = undefined);
  return running;
}

await serve(definePlugin({
  metadata: {
    name: NAME,
    version: "1.0.0",
    qntxVersion: ">=0.1.0",
    description: "git history as attestations: who wrote which commit, which files it changed",
    author: "QNTX plugin host",
    license: "MIT",
  },
  configSchema: {
    repository: {
      type: "string",
      description: "a git repository (folder) or bundle file; relative paths are inside the " +
        "plugin's folder; one elsewhere must lie inside a path in read of [plugin.grants.code], " +
        "links included",
      required: true,
    },
    max_commits: {
      type: "number",
      description: "most commits read per ingest (the newest ones)",
      minValue: 1,
      maxValue: 1_000_000,
      defaultValue: 10_000,
    },
    ingest_on_start: {
      type: "boolean",
      description: "queue an ingest as soon as the plugin starts",
      defaultValue: true,
    },
  },
  async initialize(context, { reconfigure }) {
    if (!context.dataDir) throw new Error("the host gave this plugin no data folder");
    const repository = context.config.getString("repository");
    const source = isAbsolute(repository) ? repository : join(HERE, repository);
    const why = await refusal(source);
    // A new repository the plugin may not read is refused, so the operator's PUT fails with
    // the reason and the running one stays. At start there is none to keep, and a failed
    // Initialize only restarts the process: it runs, and health and every ingest say why.
    if (why && reconfigure) throw new Error(why);
    if (why) context.logger.error(why);
    refused = why;
    ingest = new Ingest(
      source,
      context.dataDir,
      context.config.getInt("max_commits", 10_000),
      NAME,
    );
    if (!reconfigure && context.config.getBool("ingest_on_start", true)) {
      await context.queue.enqueue({ handlerName: "code/ingest" });
    }
  },
  health: async () => {
    if (refused) return { healthy: false, message: refused };
    if (lastError) return { healthy: false, message: `last ingest failed: ${lastError}` };
    const state = await ingest?.state();
    if (!state) return { healthy: true, message: "not ingested yet" };
    return {
      healthy: true,
      message: `${state.commits} commits ingested, up to ${state.head.slice(0, 12)}`,
      details: { head: state.head, ingestedAt: new Date(state.at).toISOString() },
    };
  },
  pause: () => {
    paused = true;
  },
  resume: () => {
    paused = false;
  },
  jobs: {
    ingest: async (_payload, job) => {
      if (paused) throw new RetryableError("the code plugin is paused; the ingest waits");
      const result = await ingestNow(job, (step) => {
        job.progress(step.done, step.total);
        if (step.phase !== "attest") job.log("info", step.phase, step.phase);
      }, job.signal);
      job.log("info", `${result.commits} new commits, ${result.attestations} attestations`, "done");
      return result;
    },
  },
  schedules: [{
    handler: "ingest",
    intervalSeconds: 300,
    description: "read the commits made since the last ingest",
  }],
  routes: [
    {
      method: "GET",
      path: "/status",
      description: "the repository, the last ingest, whether one runs now and whether the " +
        "plugin may read the repository",
      handler: async () =>
        Response.json({
          repository: ingest?.source ?? null,
          state: (await ingest?.state()) ?? null,
          last: last ?? null,
          running: running !== undefined,
          lastError: lastError || null,
          refused: refused || null,
        }),
    },
    {
      method: "POST",
      path: "/ingest",
      description: "queue an ingest now (202 with the job's id; 409 when the plugin may not " +
        "read the repository)",
      handler: async (_request, context) => {
        // The job would check again (and does, for the schedule); refusing here says it at once.
        const why = ingest ? await refusal(ingest.source) : "";
        if (why) return problem(409, why);
        const id = await context.queue.enqueue({ handlerName: "code/ingest" });
        return Response.json({ job: id, status: `/api/pulse/jobs/${id}` }, { status: 202 });
      },
    },
    {
      method: "GET",
      path: "/files/history",
      description: "commits that changed ?path=, newest first, with their authors",
      handler: async (request, context) => {
        const path = new URL(request.url).searchParams.get("path");
        if (!path) return problem(400, "?path= names the file, e.g. ?path=src/gc.ts");
        return Response.json({ path, commits: await fileHistory(context.ats, path) });
      },
    },
    {
      method: "GET",
      path: "/authors",
      description: "everyone who authored a commit, with their number of commits",
      handler: async (_request, context) => Response.json({ authors: await authors(context.ats) }),
    },
    {
      method: "GET",
      path: "/work",
      description: "what ?author= touched: their commits and the files each changed",
      handler: async (request, context) => {
        const author = new URL(request.url).searchParams.get("author");
        if (!author) return problem(400, '?author= names the author as "Name <email>"');
        const work = await authorWork(context.ats, author);
        if (work.commits.length === 0) return problem(404, `no commits by "${author}"`);
        return Response.json({ author, ...work });
      },
    },
  ],
  websocket: {
    // Progress of every ingest as it happens; send {"ingest": true} to start one.
    "/ingest": async (socket, _request, context) => {
      watchers.add(socket);
      socket.onclose = () => watchers.delete(socket);
      socket.onmessage = async (event) => {
        let asked: { ingest?: unknown } = {};
        try {
          asked = JSON.parse(String(event.data));
        } catch {
          socket.send(JSON.stringify({ type: "error", message: 'send {"ingest": true}' }));
          return;
        }
        if (asked.ingest !== true) {
          socket.send(JSON.stringify({ type: "error", message: 'send {"ingest": true}' }));
          return;
        }
        const id = await context.queue.enqueue({ handlerName: "code/ingest" });
        socket.send(JSON.stringify({ type: "queued", job: id }));
      };
      socket.send(JSON.stringify({
        type: "status",
        state: (await ingest?.state()) ?? null,
        running: running !== undefined,
      }));
    },
  },
}));
