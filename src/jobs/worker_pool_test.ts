import assert from "node:assert/strict";
import { type Logger, PluginCallError } from "../plugin/mod.ts";
import { IN_MEMORY, openDatabase } from "../store/mod.ts";
import { JobStore } from "./job_store.ts";
import { sqliteQueue } from "./job_queue.ts";
import { type JobAnswer, type JobCall, type JobTarget, WorkerPool } from "./worker_pool.ts";

const quiet: Logger = {
  name: "test",
  debug() {},
  info() {},
  warn() {},
  error() {},
  named: () => quiet,
  with: () => quiet,
};

function answer(overrides: Partial<JobAnswer> = {}): JobAnswer {
  return {
    success: true,
    error: "",
    result: new TextEncoder().encode("{}"),
    progressCurrent: 1,
    progressTotal: 1,
    costActual: 0,
    logEntries: [],
    pluginVersion: "1.0.0",
    retryable: false,
    ...overrides,
  };
}

/** A target whose handler is given by the test: the failure injection point. */
function target(
  run: (call: JobCall, signal: AbortSignal) => Promise<JobAnswer>,
  plugins = new Map([["p", new Set(["h"])]]),
): JobTarget & { calls: JobCall[]; plugins: typeof plugins } {
  const calls: JobCall[] = [];
  return {
    calls,
    plugins,
    ready: () => plugins,
    run: (_plugin, call, signal) => {
      calls.push(call);
      return run(call, signal);
    },
  };
}

function pool(
  jobTarget: JobTarget,
  options: Partial<ConstructorParameters<typeof WorkerPool>[2]> = {},
) {
  const db = openDatabase({ path: IN_MEMORY });
  const jobs = new JobStore(db);
  const workers = new WorkerPool(sqliteQueue(jobs), jobTarget, {
    workers: 4,
    defaultTimeoutSecs: 60,
    maxRetries: 2,
    backoff: { initialMs: 10, maxMs: 20, factor: 2, jitter: 0 },
    pollMs: 20,
    logger: quiet,
    ...options,
  });
  return { db, jobs, workers };
}

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

Deno.test("four workers run 300 jobs, each exactly once, and record the answers", async () => {
  let concurrent = 0;
  let most = 0;
  const fake = target(async (call) => {
    most = Math.max(most, ++concurrent);
    await new Promise((resolve) => setTimeout(resolve, 1));
    concurrent--;
    return answer({ result: new TextEncoder().encode(JSON.stringify({ id: call.jobId })) });
  });
  const { db, jobs, workers } = pool(fake);
  workers.start();
  const ids = Array.from({ length: 300 }, () => jobs.enqueue({ handlerName: "p/h" }, "api").id);
  await until(() => jobs.counts().completed === 300);
  await workers.stop(1000);
  assert.equal(fake.calls.length, 300);
  assert.equal(new Set(fake.calls.map((call) => call.jobId)).size, 300);
  assert.equal(most, 4, "the four workers ran side by side");
  const last = jobs.get(ids[299]!)!;
  assert.equal(new TextDecoder().decode(last.result), JSON.stringify({ id: last.id }));
  assert.equal(last.pluginVersion, "1.0.0");
  assert.equal(fake.calls[0]!.handlerName, "h", "the handler gets its name without the prefix");
  db.close();
});

Deno.test("retryable failures back off and retry, then give up with the count", async () => {
  const fake = target(() =>
    Promise.resolve(answer({ success: false, error: "busy", retryable: true }))
  );
  const { db, jobs, workers } = pool(fake);
  workers.start();
  const job = jobs.enqueue({ handlerName: "p/h" }, "api");
  await until(() => jobs.get(job.id)!.status === "failed");
  await workers.stop(1000);
  const stored = jobs.get(job.id)!;
  assert.equal(fake.calls.length, 3, "a first run and two retries");
  assert.equal(stored.retryCount, 2);
  assert.equal(stored.error, "busy (gave up after 3 runs)");
  const messages = jobs.logs(job.id).map((entry) => entry.message);
  assert.match(messages[0]!, /^retry 1 of 2 in 10 ms: busy$/);
  assert.match(messages[1]!, /^retry 2 of 2 in 20 ms: busy$/);
  db.close();
});

Deno.test("a failure not marked retryable fails at once; a plugin that died is retried", async () => {
  let died = false;
  const fake = target((call) => {
    if (call.handlerName === "h" && !died) {
      died = true;
      return Promise.reject(new PluginCallError("unreachable", 'plugin "p" could not be reached'));
    }
    return Promise.resolve(answer({ success: false, error: "bad input" }));
  });
  const { db, jobs, workers } = pool(fake);
  workers.start();
  const job = jobs.enqueue({ handlerName: "p/h" }, "api");
  await until(() => jobs.get(job.id)!.status === "failed");
  await workers.stop(1000);
  assert.equal(jobs.get(job.id)!.error, "bad input");
  assert.equal(jobs.get(job.id)!.retryCount, 1);
  db.close();
});

Deno.test("the host enforces a job's deadline and cancel stops a running job", async () => {
  const fake = target((_call, signal) =>
    new Promise((_, reject) => signal.addEventListener("abort", () => reject(new Error("cut"))))
  );
  const { db, jobs, workers } = pool(fake);
  workers.start();
  const slow = jobs.enqueue({ handlerName: "p/h", timeoutSecs: 1 }, "api");
  const doomed = jobs.enqueue({ handlerName: "p/h" }, "api");
  await until(() => fake.calls.length === 2);
  workers.abort(jobs.cancel(doomed.id));
  await until(() => jobs.get(slow.id)!.status === "failed");
  assert.equal(jobs.get(slow.id)!.error, "timed out after 1 s (the job's deadline)");
  assert.equal(jobs.get(doomed.id)!.status, "cancelled");
  assert.equal(workers.stats.running, 0);
  await workers.stop(1000);
  db.close();
});

Deno.test("jobs wait while their plugin is not ready; an unknown handler fails by name", async () => {
  const plugins = new Map<string, Set<string>>();
  const fake = target(() => Promise.resolve(answer()), plugins);
  const { db, jobs, workers } = pool(fake);
  workers.start();
  const waiting = jobs.enqueue({ handlerName: "p/h" }, "api");
  const wrong = jobs.enqueue({ handlerName: "p/nope" }, "api");
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.equal(jobs.get(waiting.id)!.status, "queued");
  plugins.set("p", new Set(["h", "other"]));
  workers.wake();
  await until(() => jobs.get(waiting.id)!.status === "completed");
  await until(() => jobs.get(wrong.id)!.status === "failed");
  assert.equal(
    jobs.get(wrong.id)!.error,
    'plugin "p" has no job handler "nope" (it has: h, other)',
  );
  await workers.stop(1000);
  db.close();
});

Deno.test("stop() puts jobs still running after the grace back in the queue", async () => {
  const fake = target((_call, signal) =>
    new Promise((_, reject) => signal.addEventListener("abort", () => reject(new Error("cut"))))
  );
  const { db, jobs, workers } = pool(fake);
  workers.start();
  const job = jobs.enqueue({ handlerName: "p/h" }, "api");
  await until(() => fake.calls.length === 1);
  await workers.stop(20);
  assert.equal(jobs.get(job.id)!.status, "queued");
  assert.equal(jobs.get(job.id)!.retryCount, 0, "an interrupted run is not a failure");
  assert.match(jobs.logs(job.id).at(-1)!.message, /host stopped during the run/);
  db.close();
});

Deno.test("a job whose end is being recorded is not renewed, nor reported lost", async () => {
  // As on PostgreSQL when a heartbeat meets a batch of finishes: the finish has committed (the
  // job is no longer held as running) while the worker still waits for its answer.
  const warnings: string[] = [];
  const logger: Logger = { ...quiet, warn: (message) => void warnings.push(message) };
  const db = openDatabase({ path: IN_MEMORY });
  const jobs = new JobStore(db);
  const queue = sqliteQueue(jobs);
  const recorded = Promise.withResolvers<void>();
  const running = Promise.withResolvers<void>();
  const heartbeats: (readonly string[])[] = [];
  const slow = {
    ...queue,
    async finish(...args: Parameters<typeof queue.finish>) {
      const done = await queue.finish(...args);
      await recorded.promise;
      return done;
    },
    heartbeat(ids: readonly string[], leaseMs: number) {
      heartbeats.push(ids);
      return queue.heartbeat(ids, leaseMs);
    },
  };
  // A second job keeps running, so heartbeats go on while the first one's end is recorded.
  const long = jobs.enqueue({ handlerName: "p/h", payload: new TextEncoder().encode("1") }, "api");
  const fake = target(async (call) => {
    if (call.payload.length > 0) await running.promise;
    return answer();
  });
  const workers = new WorkerPool(slow, fake, {
    workers: 2,
    defaultTimeoutSecs: 60,
    maxRetries: 0,
    backoff: { initialMs: 10, maxMs: 20, factor: 2, jitter: 0 },
    pollMs: 20,
    leaseMs: 150,
    logger,
  });
  workers.start();
  const { id } = jobs.enqueue({ handlerName: "p/h" }, "api");
  await until(() => jobs.get(id)?.status === "completed");
  const before = heartbeats.length;
  await until(() => heartbeats.length >= before + 2);
  recorded.resolve();
  running.resolve();
  await until(() => workers.stats.completed === 2);
  await workers.stop(1000);
  assert.deepEqual(warnings.filter((message) => message.includes("no longer")), []);
  const renewed = heartbeats.slice(before);
  assert.ok(renewed.every((ids) => !ids.includes(id) && ids.includes(long.id)), "renewed");
  db.close();
});
