/**
 * The Pulse queue end to end: jobs enqueued in the host, taken by the workers, run on a real
 * SDK plugin process through `ExecuteJob`, and recorded as completed, on a real SQLite file.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseHostConfig } from "../src/config/mod.ts";
import { type Host, startHost } from "../src/host/mod.ts";
import { JsonLogger, memorySink } from "../src/log/mod.ts";
import * as grpc from "@grpc/grpc-js";
import { callUnary, CHANNEL_OPTIONS, domain, grpcTarget } from "../src/protocol/mod.ts";
import { startPluginProcess } from "../tests/_plugin_process.ts";
import type { Figure } from "./supervision.ts";
import { alternating, percent, ratios, shown, spread, whole } from "./turns.ts";

const FIXTURES = join(
  fileURLToPath(new URL("..", import.meta.url)),
  "tests",
  "fixtures",
  "plugins",
);

/**
 * A host in `dir` running the worker plugin with `workers` workers, its SQLite file there, and
 * `extraToml` added (a shared database); resolves once its plugins have started.
 */
export async function startWorkerHost(
  dir: string,
  workers: number,
  extraToml = "",
): Promise<Host> {
  await Deno.mkdir(dir, { recursive: true });
  const config = parseHostConfig(
    `[server]\nport = 0\n[plugin]\nenabled = ["worker"]\npaths = ${
      JSON.stringify([FIXTURES])
    }\nhealth_interval = "1h"\n[pulse]\nworkers = ${workers}\n[auth]\nenabled = false\n` +
      extraToml,
    "bench",
  );
  const host = startHost(config, {
    logger: new JsonLogger("host", { sink: memorySink(), level: "error" }),
    version: "0.1.0",
    databasePath: join(dir, "qntx.db"),
    cwd: dir,
    watchConfig: false,
  });
  await host.pluginsStarted;
  return host;
}

/** A host with the worker plugin on a real SQLite file, `workers` workers, for `work`. */
async function withWorkerHost<T>(workers: number, work: (host: Host) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "qntx-bench-jobs-" });
  const host = await startWorkerHost(dir, workers);
  try {
    return await work(host);
  } finally {
    await host.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
}

const PAYLOAD = new TextEncoder().encode('{"n":1}');

/** Jobs enqueued, taken by the workers, run through `ExecuteJob` and recorded: jobs/s. */
async function throughput(host: Host, count: number): Promise<number> {
  const queue = host.services.queue();
  // Cheap to ask often (one row by its key, one index range): counting every completed job
  // every few milliseconds would cost the host more than the jobs do.
  const statusOf = host.db.prepare("SELECT status FROM jobs WHERE id = ?");
  const unfinished = host.db.prepare(
    "SELECT EXISTS (SELECT 1 FROM jobs WHERE status IN ('queued', 'running')) AS any",
  );
  const started = performance.now();
  let last = "";
  for (let i = 0; i < count; i++) {
    last = await queue.enqueue({ handlerName: "worker/noop", payload: PAYLOAD });
  }
  while (statusOf.get(last)?.status !== "completed" || unfinished.get()?.any) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return count / ((performance.now() - started) / 1000);
}

/** Bare calls of the worker's `noop` handler, `concurrency` at once: calls/s. */
async function bareCalls(
  count: number,
  concurrency: number,
  call: (request: domain.ExecuteJobRequest) => Promise<unknown>,
): Promise<number> {
  let next = 0;
  const caller = async () => {
    while (next < count) {
      next++;
      await call({
        jobId: `bare-${next}`,
        handlerName: "noop",
        payload: PAYLOAD,
        timeoutSecs: 60n,
      });
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, caller));
  return count / ((performance.now() - started) / 1000);
}

/**
 * The worker plugin as QNTX's host runs it (gRPC, no data channel), in a process of its own
 * beside the host's: the calibration of bare `ExecuteJob` round trips.
 */
async function grpcWorker() {
  const dir = await Deno.makeTempDir({ prefix: "qntx-bench-grpc-" });
  const plugin = await startPluginProcess(join(FIXTURES, "worker", "main.ts"), [
    "--socket",
    join(dir, "plugin.sock"),
  ]);
  const client = new domain.DomainPluginServiceClient(
    grpcTarget(plugin.address),
    grpc.credentials.createInsecure(),
    CHANNEL_OPTIONS,
  );
  return {
    call: (request: domain.ExecuteJobRequest) =>
      callUnary(client.executeJob.bind(client), request, 60_000),
    async close() {
      client.close();
      await plugin.kill();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/**
 * Jobs through a plugin beside bare `ExecuteJob` round trips at the same concurrency, in
 * alternating turns: the ratio is what the queue costs on top of the call itself.
 */
export async function jobFigures(count = 5_000, turns = 3): Promise<Figure[]> {
  const bare = await grpcWorker();
  try {
    return await withWorkerHost(4, (host) => jobTurns(host, bare.call, count, turns));
  } finally {
    await bare.close();
  }
}

async function jobTurns(
  host: Host,
  grpcCall: (request: domain.ExecuteJobRequest) => Promise<unknown>,
  count: number,
  turns: number,
): Promise<Figure[]> {
  const connection = host.supervisor.get("worker")?.connection;
  if (!connection) throw new Error('the bench\'s "worker" plugin has no running process');
  const channelCall = (request: domain.ExecuteJobRequest) =>
    connection.executeJob(request, 60_000, new AbortController().signal);
  await throughput(host, 500); // warm-up: module loading, JIT
  await bareCalls(500, 4, grpcCall);
  await bareCalls(500, 4, channelCall);
  const [queued, overGrpc, channel] = await alternating(turns, [
    () => throughput(host, count),
    () => bareCalls(count, 4, grpcCall),
    () => bareCalls(count, 4, channelCall),
  ]);
  const share = ratios(queued!, overGrpc!);
  return [
    {
      name: `jobs through a plugin, enqueue → completed, 4 workers (${
        count.toLocaleString("en")
      } jobs a turn; median, range)`,
      value: `${shown(queued!, whole)}/s`,
      target: "≥ 2 000/s",
    },
    {
      name: "bare ExecuteJob round trips (gRPC, the plugin as QNTX's host runs it) to the " +
        "same handler, 4 at once (calibration)",
      value: `${shown(overGrpc!, whole)}/s`,
    },
    {
      name: "jobs / bare ExecuteJob round trips, turn by turn",
      value: shown(share, percent),
      target: "≥ 50 %",
      check: { measured: spread(share).median, atLeast: 0.5 },
    },
    {
      name: "bare job calls on the data channel (what the workers use), 4 at once",
      value: `${shown(channel!, whole)}/s`,
    },
    {
      name: "jobs / bare job calls on the data channel (what the queue adds), turn by turn",
      value: shown(ratios(queued!, channel!), percent),
    },
  ];
}
