import { type Backoff, backoffDelay, sleep } from "../async/mod.ts";
import { type Logger, PluginCallError } from "../plugin/mod.ts";
import { hostLog, type JobLogEntry, type StoredJob } from "./job_record.ts";
import type { JobQueue } from "./job_queue.ts";

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
  /** How long a job taken stays this host's unrenewed (renewed every third of it); 15 s. */
  leaseMs?: number;
  logger: Logger;
  random?: () => number;
}

/** Why a run was stopped here; `lost`: the job is no longer this host's (its lease ran out). */
type StopReason = "timeout" | "cancelled" | "stopping" | "lost";

/** Counters since start, for `/metrics`. */
export interface WorkerStats {
  completed: number;
  failed: number;
  retried: number;
  running: number;
}

/**
 * Workers of the Pulse queue. They take the oldest runnable jobs (a claim in the store, in
 * batches of at most the idle workers, so no job runs twice), run each on its plugin or the host
 * with the job's deadline enforced here, and record the answer: completed, failed, or back in
 * the queue with backoff when the failure is retryable and retries remain. Jobs of plugins that
 * are not running are not taken. Leases of the jobs held are renewed while they run; a job
 * whose lease was lost, or that was cancelled on any host, stops here.
 */
export class WorkerPool {
  readonly #running = new Map<string, AbortController>();
  /** Jobs taken for workers that have not started them yet (leased like the running ones). */
  #taken: StoredJob[] = [];
  #taking?: Promise<boolean>;
  #waiters: (() => void)[] = [];
  #loops: Promise<void>[] = [];
  #stopped = false;
  readonly #unsubscribe: (() => void)[];
  #heartbeat?: ReturnType<typeof setInterval>;
  readonly #leaseMs: number;
  readonly stats: WorkerStats = { completed: 0, failed: 0, retried: 0, running: 0 };

  constructor(
    readonly store: JobQueue,
    readonly target: JobTarget,
    readonly options: WorkerPoolOptions,
  ) {
    this.#leaseMs = options.leaseMs ?? 15_000;
    this.#unsubscribe = [
      store.onRunnable(() => this.wake()),
      store.onCancelled((ids) => this.abort(ids)),
    ];
  }

  /** Starts the workers. */
  start(): void {
    this.#heartbeat = setInterval(() => this.#renew(), Math.max(50, this.#leaseMs / 3));
    for (let i = 0; i < this.options.workers; i++) this.#loops.push(this.#loop());
  }

  /** Makes idle workers look for work now (a job was queued, a plugin came up). */
  wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  /** Stops the runs of these jobs (cancelled in the store already). */
  abort(ids: readonly string[], reason: StopReason = "cancelled"): void {
    for (const id of ids) this.#running.get(id)?.abort(reason);
  }

  /**
   * Stops taking jobs, lets running ones finish for up to `graceMs`, then stops them and puts
   * them back in the queue so the next start runs them again.
   */
  async stop(graceMs: number): Promise<void> {
    this.#stopped = true;
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    this.wake();
    try {
      const done = Promise.all(this.#loops);
      const timer = new AbortController();
      await Promise.race([done, sleep(graceMs, timer.signal)]);
      timer.abort();
      for (const controller of this.#running.values()) controller.abort("stopping");
      await done;
      // A take under way may still bring jobs: they go back too.
      await this.#taking?.catch(() => false);
      const unstarted = this.#taken.splice(0);
      await Promise.all(unstarted.map((job) => this.store.release(job.id).catch(() => false)));
    } finally {
      // Leases are renewed until the last run has ended, and not a moment after.
      clearInterval(this.#heartbeat);
    }
  }

  async #loop(): Promise<void> {
    while (!this.#stopped) {
      let job: StoredJob | undefined;
      try {
        job = await this.#next();
      } catch (error) {
        this.options.logger.error("taking a job failed", { error });
      }
      if (job) await this.#run(job);
      else if (!this.#stopped) await this.#idle();
    }
  }

  #idle(): Promise<void> {
    const done = new AbortController();
    const woken = new Promise<void>((resolve) => this.#waiters.push(resolve));
    return Promise.race([woken, sleep(this.options.pollMs, done.signal)]).then(() => done.abort());
  }

  /** The next job to run; one whose plugin lacks its handler fails at once with the reason. */
  async #next(): Promise<StoredJob | undefined> {
    for (;;) {
      if (this.#taken.length === 0) {
        // One take at a time, for as many jobs as workers wait; the others wait for it.
        this.#taking ??= this.#take().finally(() => this.#taking = undefined);
        const more = await this.#taking;
        // Workers that shared a take that came back full look again: there may be more.
        if (this.#taken.length === 0 && more && !this.#stopped) continue;
      }
      const job = this.#taken.shift();
      if (!job || this.#stopped) {
        if (job) this.#taken.unshift(job);
        return undefined;
      }
      const handlers = this.target.ready().get(job.plugin);
      if (handlers?.has(shortName(job))) return job;
      if (!handlers) {
        // Its plugin went down between the take and now: it waits for it in the queue.
        await this.store.release(job.id);
        continue;
      }
      const owner = job.plugin === "" ? "the host" : `plugin "${job.plugin}"`;
      const known = [...handlers].sort().join(", ") || "none";
      await this.#fail(
        job,
        `${owner} has no job handler "${shortName(job)}" (it has: ${known})`,
        [],
      );
    }
  }

  /** Takes jobs for the idle workers; true when it got all it asked for (more may wait). */
  async #take(): Promise<boolean> {
    const ready = [...this.target.ready().keys()];
    const idle = this.options.workers - this.stats.running - this.#taken.length;
    if (ready.length === 0 || idle <= 0) return false;
    const jobs = await this.store.take(ready, idle, this.#leaseMs);
    this.#taken.push(...jobs);
    return jobs.length === idle;
  }

  /** Renews the leases of the jobs held; those lost (or cancelled elsewhere) stop here. */
  async #renew(): Promise<void> {
    const held = [...this.#running.keys(), ...this.#taken.map((job) => job.id)];
    if (held.length === 0) return;
    let kept: Set<string>;
    try {
      kept = new Set(await this.store.heartbeat(held, this.#leaseMs));
    } catch (error) {
      this.options.logger.warn("renewing the leases of running jobs failed", { error });
      return;
    }
    const lost = held.filter((id) => !kept.has(id));
    if (lost.length === 0) return;
    this.#taken = this.#taken.filter((job) => kept.has(job.id));
    for (const id of lost) {
      const running = this.#running.get(id);
      if (!running) continue;
      const message = `job ${id} is no longer this host's (cancelled, or its lease ran out)`;
      this.options.logger.warn(message, { job: id });
      running.abort("lost" satisfies StopReason);
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
    let answer: JobAnswer | undefined;
    let thrown: unknown;
    try {
      answer = await this.target.run(job.plugin, {
        jobId: job.id,
        handlerName: shortName(job),
        payload: job.payload,
        timeoutSecs,
      }, controller.signal);
    } catch (error) {
      thrown = error;
    }
    // Its end is being recorded (fenced by its lease): no renewing it, no calling it lost.
    this.#running.delete(job.id);
    try {
      await this.#record(job, answer, thrown, controller.signal, timeoutSecs);
    } catch (error) {
      // The store is out of reach: the job stays held until its lease runs out, then runs again.
      this.options.logger.error(`recording the end of job ${job.id} failed`, {
        plugin: job.plugin || "host",
        job: job.id,
        error,
      });
    } finally {
      clearTimeout(timer);
      this.stats.running--;
    }
  }

  async #record(
    job: StoredJob,
    answer: JobAnswer | undefined,
    thrown: unknown,
    signal: AbortSignal,
    timeoutSecs: number,
  ): Promise<void> {
    if (!answer) return await this.#failure(job, thrown, signal, timeoutSecs);
    if (signal.aborted) {
      return await this.#interrupted(
        job,
        signal.reason as StopReason,
        timeoutSecs,
        answer.logEntries,
      );
    }
    if (answer.success) {
      if (await this.store.finish(job.id, outcomeOf(answer, ""), answer.logEntries)) {
        this.stats.completed++;
      }
      return;
    }
    const error = answer.error || "the handler failed without saying why";
    if (answer.retryable) await this.#retryOrFail(job, error, answer.logEntries, answer);
    else await this.#fail(job, error, answer.logEntries, answer);
  }

  async #failure(
    job: StoredJob,
    error: unknown,
    signal: AbortSignal,
    timeoutSecs: number,
  ): Promise<void> {
    if (signal.aborted) {
      return await this.#interrupted(job, signal.reason as StopReason, timeoutSecs, []);
    }
    // The call carries the job's deadline too: whichever notices first, it is the same one.
    if (error instanceof PluginCallError && error.failure === "timeout") {
      return await this.#interrupted(job, "timeout", timeoutSecs, []);
    }
    if (error instanceof PluginCallError && error.failure === "draining") {
      // Never reached the handler: it runs when the plugin is back.
      await this.store.release(job.id);
      return;
    }
    const reason = error instanceof Error ? error.message : String(error);
    if (error instanceof PluginCallError && error.failure === "unreachable") {
      return await this.#retryOrFail(job, reason, []);
    }
    await this.#fail(job, reason, []);
  }

  /** A run this pool stopped: deadline, cancel, or host shutdown. */
  async #interrupted(
    job: StoredJob,
    reason: StopReason,
    timeoutSecs: number,
    logs: JobLogEntry[],
  ): Promise<void> {
    if (reason === "timeout") {
      await this.#fail(job, `timed out after ${timeoutSecs} s (the job's deadline)`, logs);
    } else if (reason === "stopping") {
      await this.store.appendLogs(job.id, [
        ...logs,
        hostLog("warn", "the host stopped during the run; queued again"),
      ]);
      await this.store.release(job.id);
    } else if (reason === "cancelled") {
      await this.store.appendLogs(job.id, logs);
    }
    // Lost: the job is another host's now; what this run said would only muddle its log.
  }

  async #retryOrFail(
    job: StoredJob,
    error: string,
    logs: JobLogEntry[],
    answer?: JobAnswer,
  ): Promise<void> {
    if (job.retryCount >= this.options.maxRetries) {
      return await this.#fail(
        job,
        `${error} (gave up after ${job.retryCount + 1} runs)`,
        logs,
        answer,
      );
    }
    const delay = backoffDelay(job.retryCount, this.options.backoff, this.options.random);
    const said = `retry ${
      job.retryCount + 1
    } of ${this.options.maxRetries} in ${delay} ms: ${error}`;
    const entries = [...logs, hostLog("warn", said)];
    if (!await this.store.retry(job.id, error, this.store.clock() + delay, entries)) return;
    this.stats.retried++;
    this.options.logger.warn(`job ${job.id} (${job.handlerName}) will run again`, {
      plugin: job.plugin || "host",
      job: job.id,
      cause: error,
      delayMs: delay,
    });
  }

  async #fail(
    job: StoredJob,
    error: string,
    logs: JobLogEntry[],
    answer?: JobAnswer,
  ): Promise<void> {
    const entries = [...logs, hostLog("error", error)];
    if (!await this.store.finish(job.id, answer ? outcomeOf(answer, error) : { error }, entries)) {
      return;
    }
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
