import type { DatabaseSync, SQLInputValue, StatementSync } from "node:sqlite";
import { type Job, JOB_STATUSES, type JobStatus } from "../plugin/mod.ts";
import { transaction } from "../store/mod.ts";
import {
  checkJobRequest,
  checkStatus,
  FINISHED,
  hostLog,
  JobError,
  type JobFilter,
  type JobLogEntry,
  type JobOutcome,
  type JobRequest,
  listLimit,
  type Row,
  type StoredJob,
  toJob,
} from "./job_record.ts";

/**
 * The Pulse queue's storage: jobs in FIFO order with the fields of the protocol, their log
 * entries, and the transitions workers make. Every transition is one SQL statement or one
 * transaction, and each checks the status it starts from, so a job is never taken twice and a
 * cancelled job stays cancelled whatever a late answer says.
 */
export class JobStore {
  readonly #insert: StatementSync;
  readonly #get: StatementSync;
  readonly #take: StatementSync;
  readonly #finish: StatementSync;
  readonly #log: StatementSync;
  readonly #listeners = new Set<() => void>();

  constructor(
    readonly db: DatabaseSync,
    /** Unix ms. */
    readonly clock: () => number = Date.now,
  ) {
    this.#insert = db.prepare(
      `INSERT INTO jobs (id, handler_name, payload, source, status, cost_estimate, parent_job_id,
         created_at, timeout_secs, schedule_id)
       VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?) RETURNING *`,
    );
    this.#get = db.prepare("SELECT * FROM jobs WHERE id = ?");
    // One statement: SQLite's write lock makes the pick and the claim one step. Each ready
    // plugin's oldest job is one probe of jobs_runnable, however many jobs others have queued.
    this.#take = db.prepare(
      `UPDATE jobs SET status = 'running', started_at = ?, error = ''
       WHERE seq = (SELECT min(first) FROM (
         SELECT (SELECT seq FROM jobs
           WHERE status = 'queued' AND plugin = ready.value AND run_after <= ?
           ORDER BY seq LIMIT 1) AS first
         FROM json_each(?) AS ready))
       RETURNING *`,
    );
    // What the outcome leaves out (null) keeps what the job had.
    this.#finish = db.prepare(
      `UPDATE jobs SET status = ?, error = ?, result = ?,
         progress_current = coalesce(?, progress_current),
         progress_total = coalesce(?, progress_total), cost_actual = coalesce(?, cost_actual),
         plugin_version = coalesce(?, plugin_version), completed_at = ?
       WHERE id = ? AND status = 'running'`,
    );
    this.#log = db.prepare(
      `INSERT INTO job_logs (job_id, timestamp, level, message, stage, metadata)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
  }

  #seconds(): number {
    return Math.floor(this.clock() / 1000);
  }

  /** Calls `listener` whenever a job may have become runnable; returns the unsubscribe. */
  onRunnable(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #runnable(): void {
    for (const listener of this.#listeners) listener();
  }

  /** Queues a job; the host makes up an id when none is given. `source` is the caller's. */
  enqueue(job: JobRequest, source: string): StoredJob {
    const { id, payload, timeout, cost } = checkJobRequest(job);
    if (job.parentJobId && !this.get(job.parentJobId)) {
      throw new JobError(`parent job "${job.parentJobId}" does not exist`);
    }
    let row: Row;
    try {
      row = this.#insert.get(
        id,
        job.handlerName,
        payload,
        source,
        cost,
        job.parentJobId ?? "",
        this.#seconds(),
        timeout,
        job.scheduleId ?? "",
      ) as unknown as Row;
    } catch (error) {
      if (/UNIQUE/.test((error as Error).message)) {
        throw new JobError(`a job with id "${id}" already exists`, "conflict");
      }
      throw error;
    }
    this.#runnable();
    return toJob(row);
  }

  get(id: string): StoredJob | undefined {
    const row = this.#get.get(id) as Row | undefined;
    return row && toJob(row);
  }

  /** The job, or a {@link JobError} of kind `missing` naming it. */
  #existing(id: string): StoredJob {
    const job = this.get(id);
    if (!job) throw new JobError(`job "${id}" does not exist`, "missing");
    return job;
  }

  /** A job's log entries, oldest first. */
  logs(id: string): JobLogEntry[] {
    return this.db.prepare(
      "SELECT timestamp, level, message, stage, metadata FROM job_logs WHERE job_id = ? ORDER BY seq",
    ).all(id) as unknown as JobLogEntry[];
  }

  /** Jobs by status and plugin; oldest first unless `newestFirst`; `limit` defaults to 100. */
  list(filter: JobFilter = {}): StoredJob[] {
    const where: string[] = [];
    const args: SQLInputValue[] = [];
    if (filter.status) {
      where.push("status = ?");
      args.push(checkStatus(filter.status));
    }
    if (filter.plugin !== undefined) {
      where.push("plugin = ?");
      args.push(filter.plugin);
    }
    if (filter.after) {
      const after = this.#get.get(filter.after) as Row | undefined;
      if (!after) throw new JobError(`cursor "${filter.after}" is not a job`);
      where.push(filter.newestFirst ? "seq < ?" : "seq > ?");
      args.push(after.seq);
    }
    const limit = listLimit(filter.limit);
    const rows = this.db.prepare(
      `SELECT * FROM jobs ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
       ORDER BY seq ${filter.newestFirst ? "DESC" : ""} LIMIT ?`,
    ).all(...args, limit);
    return (rows as unknown as Row[]).map(toJob);
  }

  /** How many jobs have each status. */
  counts(): Record<JobStatus, number> {
    const counts = Object.fromEntries(JOB_STATUSES.map((status) => [status, 0])) as Record<
      JobStatus,
      number
    >;
    for (
      const row of this.db.prepare("SELECT status, count(*) AS n FROM jobs GROUP BY status").all()
    ) {
      counts[row.status as JobStatus] = Number(row.n);
    }
    return counts;
  }

  /**
   * Records what a plugin says of a job while it runs: progress, cost, error and status. Only
   * the plugin that enqueued the job or the one whose handler runs it may, and a finished job
   * stays finished.
   */
  update(job: Job, caller: string): StoredJob {
    const current = this.#existing(job.id);
    if (current.source !== caller && current.plugin !== caller) {
      throw new JobError(`job "${job.id}" belongs to "${current.source}"`);
    }
    checkStatus(job.status);
    if (FINISHED.includes(current.status) && job.status !== current.status) {
      throw new JobError(
        `job "${job.id}" is ${current.status} and cannot become ${job.status}`,
        "conflict",
      );
    }
    const finished = FINISHED.includes(job.status);
    this.db.prepare(
      `UPDATE jobs SET status = ?, progress_current = ?, progress_total = ?, cost_actual = ?, error = ?,
         completed_at = CASE WHEN ? AND completed_at = 0 THEN ? ELSE completed_at END WHERE id = ?`,
    ).run(
      job.status,
      Math.trunc(job.progress?.current ?? 0),
      Math.trunc(job.progress?.total ?? 0),
      Number.isFinite(job.costActual) ? job.costActual : 0,
      job.error ?? "",
      finished ? 1 : 0,
      this.#seconds(),
      job.id,
    );
    return this.get(job.id)!;
  }

  /**
   * Records a running job's progress, and nothing else, in one statement (a report that comes
   * after the job ended, or was cancelled, changes nothing). False when it did not apply.
   */
  reportProgress(
    id: string,
    progress: { current: number; total: number },
    caller: string,
  ): boolean {
    const current = this.#existing(id);
    if (current.source !== caller && current.plugin !== caller) {
      throw new JobError(`job "${id}" belongs to "${current.source}"`);
    }
    const result = this.db.prepare(
      "UPDATE jobs SET progress_current = ?, progress_total = ? WHERE id = ? AND status = 'running'",
    ).run(Math.trunc(progress.current), Math.trunc(progress.total), id);
    return Number(result.changes) > 0;
  }

  /**
   * Claims the oldest queued job whose plugin is in `plugins` (`""` stands for host handlers)
   * and whose retry time has come: it becomes `running`. Never returns a job twice.
   */
  take(plugins: readonly string[]): StoredJob | undefined {
    if (plugins.length === 0) return undefined;
    const now = this.clock();
    const row = this.#take.get(Math.floor(now / 1000), now, JSON.stringify(plugins)) as
      | Row
      | undefined;
    return row && toJob(row);
  }

  /** Ends a running job as completed (no error) or failed; false if it is no longer running. */
  finish(id: string, outcome: JobOutcome, logs: readonly JobLogEntry[] = []): boolean {
    const finish = () =>
      this.#finish.run(
        outcome.error === "" ? "completed" : "failed",
        outcome.error,
        outcome.result ?? new Uint8Array(),
        outcome.progress ? Math.trunc(outcome.progress.current) : null,
        outcome.progress ? Math.trunc(outcome.progress.total) : null,
        outcome.costActual ?? null,
        outcome.pluginVersion ?? null,
        this.#seconds(),
        id,
      ).changes > 0;
    // One statement when there is nothing to log (most runs); else one transaction.
    if (logs.length === 0) return finish();
    return transaction(this.db, () => {
      const changed = finish();
      // Entries of a run that was cancelled meanwhile are kept: they say what it did.
      this.#appendLogs(id, logs);
      return changed;
    });
  }

  /** Puts a running job back in the queue after a failure worth another try, from `runAfter` (ms). */
  retry(id: string, error: string, runAfter: number, logs: readonly JobLogEntry[] = []): boolean {
    const changed = transaction(this.db, () => {
      this.#appendLogs(id, logs);
      return this.db.prepare(
        `UPDATE jobs SET status = 'queued', error = ?, retry_count = retry_count + 1, run_after = ?
         WHERE id = ? AND status = 'running'`,
      ).run(error, Math.trunc(runAfter), id).changes > 0;
    });
    return changed;
  }

  /** Puts a running job back in the queue untouched: it never reached its handler. */
  release(id: string): boolean {
    const changed = this.db.prepare(
      "UPDATE jobs SET status = 'queued' WHERE id = ? AND status = 'running'",
    ).run(id).changes > 0;
    if (changed) this.#runnable();
    return changed;
  }

  /**
   * Cancels a job that has not finished, and every unfinished job below it (children, their
   * children…). Returns the ids that were cancelled, so the workers can stop those running.
   */
  cancel(id: string, reason = "cancelled by an operator"): string[] {
    const job = this.#existing(id);
    if (FINISHED.includes(job.status)) {
      throw new JobError(`job "${id}" is already ${job.status}`, "conflict");
    }
    return transaction(this.db, () => {
      const rows = this.db.prepare(
        `WITH RECURSIVE tree(id) AS (
           SELECT ? UNION SELECT jobs.id FROM jobs JOIN tree ON jobs.parent_job_id = tree.id
         )
         UPDATE jobs SET status = 'cancelled', completed_at = ?,
           error = CASE WHEN jobs.id = ? THEN ? ELSE ? END
         WHERE id IN (SELECT id FROM tree) AND status NOT IN ('completed', 'failed', 'cancelled')
         RETURNING id`,
      ).all(id, this.#seconds(), id, reason, `parent job "${id}" was cancelled`);
      const ids = rows.map((row) => String(row.id));
      for (const cancelled of ids) {
        this.#appendLogs(cancelled, [
          hostLog("info", cancelled === id ? reason : `parent job "${id}" was cancelled`),
        ]);
      }
      return ids;
    });
  }

  /** Holds a queued job: workers skip it until it is resumed. */
  pause(id: string): StoredJob {
    return this.#move(id, "queued", "paused", "only a queued job can be paused");
  }

  /** Lets a paused job run again, in its place in the queue. */
  resume(id: string): StoredJob {
    const job = this.#move(id, "paused", "queued", "only a paused job can be resumed");
    this.#runnable();
    return job;
  }

  #move(id: string, from: JobStatus, to: JobStatus, rule: string): StoredJob {
    const job = this.#existing(id);
    const changed = this.db.prepare("UPDATE jobs SET status = ? WHERE id = ? AND status = ?")
      .run(to, id, from).changes > 0;
    if (!changed) throw new JobError(`job "${id}" is ${job.status}: ${rule}`, "conflict");
    this.#appendLogs(id, [hostLog("info", to === "paused" ? "paused" : "resumed")]);
    return this.get(id)!;
  }

  /**
   * Deals with jobs a crashed host left `running`: back in the queue (`requeue`, their retry
   * count raised) or `failed`, each with a log entry that says so. Returns their ids.
   */
  recover(mode: "requeue" | "fail"): string[] {
    const ids = transaction(this.db, () => {
      const reason = "the host stopped while the job ran";
      const rows = mode === "requeue"
        ? this.db.prepare(
          `UPDATE jobs SET status = 'queued', retry_count = retry_count + 1, error = ?
           WHERE status = 'running' RETURNING id`,
        ).all(reason)
        : this.db.prepare(
          `UPDATE jobs SET status = 'failed', error = ?, completed_at = ?
           WHERE status = 'running' RETURNING id`,
        ).all(reason, this.#seconds());
      const ids = rows.map((row) => String(row.id));
      const said = mode === "requeue" ? `${reason}; queued again` : `${reason}; marked failed`;
      for (const id of ids) this.#appendLogs(id, [hostLog("warn", said)]);
      return ids;
    });
    if (ids.length > 0) this.#runnable();
    return ids;
  }

  /** Adds log entries to a job. */
  appendLogs(id: string, entries: readonly JobLogEntry[]): void {
    if (entries.length === 0) return;
    transaction(this.db, () => this.#appendLogs(id, entries));
  }

  #appendLogs(id: string, entries: readonly JobLogEntry[]): void {
    for (const entry of entries) {
      this.#log.run(id, entry.timestamp, entry.level, entry.message, entry.stage, entry.metadata);
    }
  }

  /** Deletes finished jobs that ended before `before` (Unix s), with their logs. */
  prune(before: number): number {
    return Number(
      this.db.prepare(
        `DELETE FROM jobs WHERE status IN ('completed', 'failed', 'cancelled') AND completed_at < ?`,
      ).run(Math.trunc(before)).changes,
    );
  }
}
