import { type Backoff, backoffDelay, sleep } from "../async/mod.ts";
import { type Logger, PluginCallError } from "../plugin/mod.ts";
import { hostLog, type JobLogEntry, type StoredJob } from "./job_record.ts";
import type { JobStore } from "./job_store.ts";

/** One run of a job as a handler receives it. */
export interface JobCall {
  jobId: string;
  /** The handler's name without its `<plugin>/` prefix. */
  handlerName: string;
  /** JSON bytes. */
  payload: Uint8Array;
  timeoutSecs: number;
}

/** What a handler answered (the fields of `ExecuteJobResponse`). */
export interface JobAnswer {
  success: boolean;
  error: string;
  result: Uint8Array;
  progressCurrent: number;
  progressTotal: number;
  costActual: number;
  logEntries: JobLogEntry[];
  pluginVersion: string;
  retryable: boolean;
}

/**
 * Where jobs run: the plugins that take jobs now, each with its handlers (`""` holds the host's
 * own handlers), and the call that runs one. A call throws {@link PluginCallError} when no
 * answer came: `draining` (never reached the handler), `unreachable` (the process went away).
 */
export interface JobTarget {
  ready(): ReadonlyMap<string, ReadonlySet<string>>;
  run(plugin: string, call: JobCall, signal: AbortSignal): Promise<JobAnswer>;
}

export interface WorkerPoolOptions {
  workers: number;
  /** Deadline of a job that names none. */
  defaultTimeoutSecs: number;
  /** Retries of a job whose failures are retryable, after its first run. */
  maxRetries: number;
  backoff: Backoff;
  /** How often idle workers look again without being woken (retries that came due, …). */
  pollMs: number;
  logger: Logger;
  random?: () => number;
}

type StopReason = "timeout" | "cancelled" | "stopping";

/** Counters since start, for `/metrics`. */
export interface WorkerStats {
  completed: number;
  failed: number;
  retried: number;
  running: number;
}

/**
 * Workers of the Pulse queue. Each takes the oldest runnable job (a claim in the store, so no
 * job runs twice), runs it on its plugin or the host with the job's deadline enforced here,
 * and records the answer: completed, failed, or back in the queue with backoff when the
 * failure is retryable and retries remain. Jobs of plugins that are not running are not taken.
 */
export class WorkerPool {
  readonly #running = new Map<string, AbortController>();
  #waiters: (() => void)[] = [];
  #loops: Promise<void>[] = [];
  #stopped = false;
  readonly #unsubscribe: () => void;
  readonly stats: WorkerStats = { completed: 0, failed: 0, retried: 0, running: 0 };

  constructor(
    readonly store: JobStore,
    readonly target: JobTarget,
    readonly options: WorkerPoolOptions,
  ) {
    this.#unsubscribe = store.onRunnable(() => this.wake());
  }

  /** Starts the workers. */
  start(): void {
    for (let i = 0; i < this.options.workers; i++) this.#loops.push(this.#loop());
  }

  /** Makes idle workers look for work now (a job was queued, a plugin came up). */
  wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  /** Stops the runs of these jobs (cancelled in the store already). */
  abort(ids: readonly string[]): void {
    for (const id of ids) this.#running.get(id)?.abort("cancelled" satisfies StopReason);
  }

  /**
   * Stops taking jobs, lets running ones finish for up to `graceMs`, then stops them and puts
   * them back in the queue so the next start runs them again.
   */
  async stop(graceMs: number): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe();
    this.wake();
    const done = Promise.all(this.#loops);
    const timer = new AbortController();
    await Promise.race([done, sleep(graceMs, timer.signal)]);
    timer.abort();
    for (const controller of this.#running.values()) controller.abort("stopping");
    await done;
  }

  async #loop(): Promise<void> {
    while (!this.#stopped) {
      let job: StoredJob | undefined;
      try {
        job = this.#next();
      } catch (error) {
        this.options.logger.error("taking a job failed", { error });
      }
      if (job) await this.#run(job);
      else await this.#idle();
    }
  }

  #idle(): Promise<void> {
    const done = new AbortController();
    const woken = new Promise<void>((resolve) => this.#waiters.push(resolve));
    return Promise.race([woken, sleep(this.options.pollMs, done.signal)]).then(() => done.abort());
  }

  /** The next job to run; one whose plugin lacks its handler fails at once with the reason. */
  #next(): StoredJob | undefined {
    for (;;) {
      const ready = this.target.ready();
      const job = this.store.take([...ready.keys()]);
      if (!job) return undefined;
      const handlers = ready.get(job.plugin);
      if (handlers?.has(shortName(job))) return job;
      const owner = job.plugin === "" ? "the host" : `plugin "${job.plugin}"`;
      const known = [...(handlers ?? [])].sort().join(", ") || "none";
      this.#fail(job, `${owner} has no job handler "${shortName(job)}" (it has: ${known})`, []);
    }
  }

  async #run(job: StoredJob): Promise<void> {
    const controller = new AbortController();
    const timeoutSecs = job.timeoutSecs || this.options.defaultTimeoutSecs;
    const timer = setTimeout(
      () => controller.abort("timeout" satisfies StopReason),
      timeoutSecs * 1000,
    );
    this.#running.set(job.id, controller);
    this.stats.running++;
    try {
      const answer = await this.target.run(job.plugin, {
        jobId: job.id,
        handlerName: shortName(job),
        payload: job.payload,
        timeoutSecs,
      }, controller.signal);
      if (controller.signal.aborted) {
        this.#interrupted(
          job,
          controller.signal.reason as StopReason,
          timeoutSecs,
          answer.logEntries,
        );
      } else if (answer.success) {
        this.store.finish(job.id, outcomeOf(answer, ""), answer.logEntries);
        this.stats.completed++;
      } else {
        const error = answer.error || "the handler failed without saying why";
        if (answer.retryable) this.#retryOrFail(job, error, answer.logEntries, answer);
        else this.#fail(job, error, answer.logEntries, answer);
      }
    } catch (error) {
      this.#failure(job, error, controller.signal, timeoutSecs);
    } finally {
      clearTimeout(timer);
      this.#running.delete(job.id);
      this.stats.running--;
    }
  }

  #failure(job: StoredJob, error: unknown, signal: AbortSignal, timeoutSecs: number): void {
    if (signal.aborted) return this.#interrupted(job, signal.reason as StopReason, timeoutSecs, []);
    // The call carries the job's deadline too: whichever notices first, it is the same one.
    if (error instanceof PluginCallError && error.failure === "timeout") {
      return this.#interrupted(job, "timeout", timeoutSecs, []);
    }
    if (error instanceof PluginCallError && error.failure === "draining") {
      // Never reached the handler: it runs when the plugin is back.
      this.store.release(job.id);
      return;
    }
    const reason = error instanceof Error ? error.message : String(error);
    if (error instanceof PluginCallError && error.failure === "unreachable") {
      return this.#retryOrFail(job, reason, []);
    }
    this.#fail(job, reason, []);
  }

  /** A run this pool stopped: deadline, cancel, or host shutdown. */
  #interrupted(job: StoredJob, reason: StopReason, timeoutSecs: number, logs: JobLogEntry[]): void {
    if (reason === "timeout") {
      this.#fail(job, `timed out after ${timeoutSecs} s (the job's deadline)`, logs);
    } else if (reason === "stopping") {
      this.store.appendLogs(job.id, [
        ...logs,
        hostLog("warn", "the host stopped during the run; queued again"),
      ]);
      this.store.release(job.id);
    } else {
      this.store.appendLogs(job.id, logs);
    }
  }

  #retryOrFail(job: StoredJob, error: string, logs: JobLogEntry[], answer?: JobAnswer): void {
    if (job.retryCount >= this.options.maxRetries) {
      return this.#fail(job, `${error} (gave up after ${job.retryCount + 1} runs)`, logs, answer);
    }
    const delay = backoffDelay(job.retryCount, this.options.backoff, this.options.random);
    const said = `retry ${
      job.retryCount + 1
    } of ${this.options.maxRetries} in ${delay} ms: ${error}`;
    this.store.retry(job.id, error, this.store.clock() + delay, [...logs, hostLog("warn", said)]);
    this.stats.retried++;
    this.options.logger.warn(`job ${job.id} (${job.handlerName}) will run again`, {
      plugin: job.plugin || "host",
      job: job.id,
      cause: error,
      delayMs: delay,
    });
  }

  #fail(job: StoredJob, error: string, logs: JobLogEntry[], answer?: JobAnswer): void {
    const entries = [...logs, hostLog("error", error)];
    this.store.finish(job.id, answer ? outcomeOf(answer, error) : { error }, entries);
    this.stats.failed++;
    this.options.logger.warn(`job ${job.id} (${job.handlerName}) failed`, {
      plugin: job.plugin || "host",
      job: job.id,
      cause: error,
    });
  }
}

function shortName(job: StoredJob): string {
  return job.plugin === "" ? job.handlerName : job.handlerName.slice(job.plugin.length + 1);
}

function outcomeOf(answer: JobAnswer, error: string) {
  return {
    error,
    result: answer.result,
    progress: { current: answer.progressCurrent, total: answer.progressTotal },
    costActual: answer.costActual,
    pluginVersion: answer.pluginVersion,
  };
}
