// The `code` domain: a git repository's history as attestations, queried over HTTP, ingested
// again on a schedule, with progress over a WebSocket. Running git needs a trusted grant, and
// the repository must lie inside what the plugin's grants let it read (git leaves the sandbox).
import { dirname, isAbsolute, join } from "node:path";
import { fileURLToPath } from "node:url";
import { definePlugin, problem, RetryableError, serve } from "../../src/sdk/mod.ts";
import { Ingest } from "./ingest.ts";
import { CodeState } from "./state.ts";
import { authors, authorWork, fileHistory } from "./queries.ts";

const HERE = dirname(fileURLToPath(import.meta.url));
const NAME = "code";

/** The code plugin, over `state` (a fresh one per process; tests make their own). */
export function codePlugin(state = new CodeState(NAME)) {
  return definePlugin({
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
      const why = await state.refusal(source);
      // A new repository the plugin may not read is refused, so the operator's PUT fails with
      // the reason and the running one stays. At start there is none to keep, and a failed
      // Initialize only restarts the process: it runs, and health and every ingest say why.
      if (why && reconfigure) throw new Error(why);
      if (why) context.logger.error(why);
      state.refused = why;
      state.ingest = new Ingest(
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
      if (state.refused) return { healthy: false, message: state.refused };
      if (state.lastError) {
        return { healthy: false, message: `last ingest failed: ${state.lastError}` };
      }
      const ingested = await state.ingest?.state();
      if (!ingested) return { healthy: true, message: "not ingested yet" };
      return {
        healthy: true,
        message: `${ingested.commits} commits ingested, up to ${ingested.head.slice(0, 12)}`,
        details: { head: ingested.head, ingestedAt: new Date(ingested.at).toISOString() },
      };
    },
    pause: () => {
      state.paused = true;
    },
    resume: () => {
      state.paused = false;
    },
    jobs: {
      ingest: async (_payload, job) => {
        if (state.paused) throw new RetryableError("the code plugin is paused; the ingest waits");
        const result = await state.ingestNow(job.ats, (step) => {
          job.progress(step.done, step.total);
          if (step.phase !== "attest") job.log("info", step.phase, step.phase);
        }, job.signal);
        job.log(
          "info",
          `${result.commits} new commits, ${result.attestations} attestations`,
          "done",
        );
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
            repository: state.ingest?.source ?? null,
            state: (await state.ingest?.state()) ?? null,
            last: state.last ?? null,
            running: state.running !== undefined,
            lastError: state.lastError || null,
            refused: state.refused || null,
          }),
      },
      {
        method: "POST",
        path: "/ingest",
        description: "queue an ingest now (202 with the job's id; 409 when the plugin may not " +
          "read the repository)",
        handler: async (_request, context) => {
          // The job would check again (and does, for the schedule); refusing here says it at once.
          const why = state.ingest ? await state.refusal(state.ingest.source) : "";
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
        handler: async (_request, context) =>
          Response.json({ authors: await authors(context.ats) }),
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
        state.watchers.add(socket);
        socket.onclose = () => state.watchers.delete(socket);
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
          state: (await state.ingest?.state()) ?? null,
          running: state.running !== undefined,
        }));
      },
    },
  });
}

if (import.meta.main) await serve(codePlugin());
