import { type Job, JOB_STATUSES, type JobStatus } from "../plugin/mod.ts";
import type { PostgresPool } from "../store/mod.ts";
import type { JobQueue } from "./job_queue.ts";
import { JobHints } from "./postgres_job_hints.ts";
import { type Ending, finishJobs, insertJobs, type NewRow } from "./postgres_job_batches.ts";
import { Coalescer } from "../async/mod.ts";
import { appendLogs, fromRow, JOBS_CHANNEL, notify, type PgRow } from "./postgres_job_rows.ts";
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
  type StoredJob,
} from "./job_record.ts";
import { pluginOf } from "./job_owner.ts";

/** The advisory lock of the cluster's housekeeping: one host at a time requeues and prunes. */
const HOUSEKEEPING_LOCK = 7_177_002;

/**
 * The Pulse queue on PostgreSQL, shared by several hosts. A host takes jobs in batches (`FOR
 * UPDATE SKIP LOCKED`), only for the plugins it runs; each running job names the host holding it
 * and a lease that heartbeats extend. Every move of a running job is fenced by that host: an
 * answer from a host presumed dead (its lease expired and the job went to another) changes
 * nothing. One host at a time requeues the jobs whose lease ran out. A host's start-up recovery
 * touches its own rows only.
 */
export class PostgresJobs implements JobQueue {
  readonly #hints = new JobHints();
  readonly #inserts = new Coalescer<NewRow, PgRow | undefined>((rows) =>
    insertJobs(this.sql, rows)
  );
  readonly #endings = new Coalescer<Ending, boolean>((endings) =>
    finishJobs(this.sql, this.hostId, Math.floor(this.now() / 1000), endings)
  );

  constructor(
    readonly sql: PostgresPool,
    /** This host's id, written on the jobs it holds. */
    readonly hostId: string,
    readonly now: () => number = Date.now,
  ) {}

  clock(): number {
    return this.now();
  }

  onRunnable(listener: () => void): () => void {
    return this.#hints.listen(this.sql, "runnable", listener);
  }

  onCancelled(listener: (ids: readonly string[]) => void): () => void {
    return this.#hints.listen(this.sql, "cancel", listener);
  }

  /** Stops listening for hints (the pool's own end closes the connection too). */
  async close(): Promise<void> {
    await this.#hints.close();
  }

  async enqueue(job: JobRequest, source: string): Promise<StoredJob> {
    const { id, payload, timeout, cost } = checkJobRequest(job);
    const plugin = pluginOf(job.handlerName);
    if (job.parentJobId && !(await this.get(job.parentJobId))) {
      throw new JobError(`parent job "${job.parentJobId}" does not exist`);
    }
    const row = await this.#inserts.submit({
      id,
      handlerName: job.handlerName,
      plugin,
      payload,
      source,
      cost,
      parentJobId: job.parentJobId ?? "",
      createdAt: Math.floor(this.now() / 1000),
      timeout,
      scheduleId: job.scheduleId ?? "",
    });
    if (!row) throw new JobError(`a job with id "${id}" already exists`, "conflict");
    return fromRow(row);
  }

  async get(id: string): Promise<StoredJob | undefined> {
    const [row] = await this.sql<PgRow[]>`SELECT * FROM jobs WHERE id = ${id}`;
    return row && fromRow(row);
  }

  /**
   * Claims up to `count` of the oldest queued jobs of `plugins` (`""` for host handlers) whose
   * retry time has come, for this host, until `leaseMs` from now. Hosts taking at once never get
   * the same job: each skips the rows another has locked.
   */
  async take(plugins: readonly string[], count: number, leaseMs: number): Promise<StoredJob[]> {
    if (plugins.length === 0 || count <= 0) return [];
    const now = this.now();
    const rows = await this.sql<PgRow[]>`UPDATE jobs SET status = 'running',
        host_id = ${this.hostId}, lease_until = ${now + leaseMs},
        started_at = CASE WHEN started_at = 0 THEN ${Math.floor(now / 1000)} ELSE started_at END
      WHERE seq IN (SELECT seq FROM jobs
        WHERE status = 'queued' AND plugin = ANY(${plugins as string[]}::text[])
          AND run_after <= ${now}
        ORDER BY seq LIMIT ${count} FOR UPDATE SKIP LOCKED)
      RETURNING *`;
    return rows.map(fromRow).sort((a, b) => a.createdAt - b.createdAt);
  }

  /** Extends the leases this host holds on `ids`; the ids it still holds (the others it lost). */
  async heartbeat(ids: readonly string[], leaseMs: number): Promise<string[]> {
    if (ids.length === 0) return [];
    // Rows locked in id order, as every statement that moves many jobs does: two statements
    // locking the same rows in different orders deadlock, and PostgreSQL aborts one of them.
    const rows = await this.sql<{ id: string }[]>`WITH held AS MATERIALIZED (SELECT id FROM jobs
        WHERE id = ANY(${ids as string[]}::text[]) AND status = 'running'
          AND host_id = ${this.hostId}
        ORDER BY id FOR UPDATE)
      UPDATE jobs SET lease_until = ${this.now() + leaseMs} FROM held WHERE jobs.id = held.id
      RETURNING jobs.id`;
    return rows.map((row) => row.id);
  }

  /**
   * Ends a job this host holds as completed or failed; false when it no longer holds it (its
   * lease ran out and the job went back to the queue or to another host), and nothing changes.
   */
  async finish(
    id: string,
    outcome: JobOutcome,
    logs: readonly JobLogEntry[] = [],
  ): Promise<boolean> {
    // The hot path of every job: the ends of many runs in one statement (group commit).
    return await this.#endings.submit({ id, outcome, logs });
  }

  /** Puts a job this host holds back in the queue, to run from `runAfter` (ms); fenced too. */
  async retry(
    id: string,
    error: string,
    runAfter: number,
    logs: readonly JobLogEntry[] = [],
  ): Promise<boolean> {
    return await this.sql.begin(async (tx) => {
      // The hint goes with the move (delivered at the commit), as release's does.
      const moved = await tx`UPDATE jobs SET status = 'queued', error = ${error},
          retry_count = retry_count + 1, run_after = ${Math.trunc(runAfter)}, host_id = '',
          lease_until = 0
        WHERE id = ${id} AND status = 'running' AND host_id = ${this.hostId}
        RETURNING pg_notify(${JOBS_CHANNEL}, 'runnable:' || plugin)`;
      await appendLogs(tx, id, logs);
      return moved.count > 0;
    });
  }

  /** Puts a job this host holds back in the queue untouched: it never reached its handler. */
  async release(id: string): Promise<boolean> {
    const rows = await this.sql<{ plugin: string }[]>`UPDATE jobs SET status = 'queued',
        host_id = '', lease_until = 0
      WHERE id = ${id} AND status = 'running' AND host_id = ${this.hostId}
      RETURNING plugin, pg_notify(${JOBS_CHANNEL}, 'runnable:' || plugin)`;
    return rows.length > 0;
  }

  async appendLogs(id: string, entries: readonly JobLogEntry[]): Promise<void> {
    await appendLogs(this.sql, id, entries);
  }

  /**
   * The cluster's housekeeping, by one host at a time (an advisory lock; the others skip it):
   * jobs whose lease ran out go back to the queue, counted as a retry. The ids requeued, or
   * undefined when another host holds the housekeeping now.
   */
  async requeueExpired(): Promise<string[] | undefined> {
    return await this.sql.begin(async (tx) => {
      const [lock] = await tx`SELECT pg_try_advisory_xact_lock(${HOUSEKEEPING_LOCK}) AS held`;
      if (!lock?.held) return undefined;
      // A bitmap scan of the running jobs' index (what stale statistics choose) visits every job
      // that ran since the last VACUUM, four times a second, and marks none of them dead for the
      // next scan; a plain index scan does (measured: jobs/s fell 2 400 → 1 000 within a minute).
      await tx`SET LOCAL enable_bitmapscan = off`;
      const rows = await tx<{ id: string; plugin: string }[]>`UPDATE jobs SET status = 'queued',
          host_id = '', lease_until = 0, retry_count = retry_count + 1,
          error = 'its host stopped answering: the lease ran out'
        WHERE id IN (SELECT id FROM jobs WHERE status = 'running' AND lease_until < ${this.now()}
          ORDER BY id FOR UPDATE)
        RETURNING id, plugin`;
      for (const row of rows) {
        await appendLogs(tx, row.id, [
          hostLog("warn", "its host stopped answering (the lease ran out); queued again"),
        ]);
      }
      for (const plugin of new Set(rows.map((row) => row.plugin))) {
        await notify(tx, `runnable:${plugin}`);
      }
      return rows.map((row) => row.id);
    });
  }

  /** A job's log entries, oldest first. */
  async logs(id: string): Promise<JobLogEntry[]> {
    return [
      ...await this.sql<JobLogEntry[]>`SELECT timestamp, level, message, stage, metadata
        FROM job_logs WHERE job_id = ${id} ORDER BY seq`,
    ];
  }

  /** Jobs by status and plugin; oldest first unless `newestFirst`; `limit` defaults to 100. */
  async list(filter: JobFilter = {}): Promise<StoredJob[]> {
    const sql = this.sql;
    let after: PgRow | undefined;
    if (filter.after) {
      [after] = await sql<PgRow[]>`SELECT seq FROM jobs WHERE id = ${filter.after}`;
      if (!after) throw new JobError(`cursor "${filter.after}" is not a job`);
    }
    const conditions = [
      filter.status ? sql`status = ${checkStatus(filter.status)}` : sql`TRUE`,
      filter.plugin !== undefined ? sql`plugin = ${filter.plugin}` : sql`TRUE`,
      after ? (filter.newestFirst ? sql`seq < ${after.seq}` : sql`seq > ${after.seq}`) : sql`TRUE`,
    ];
    const rows = await sql<PgRow[]>`SELECT * FROM jobs
      WHERE ${conditions[0]!} AND ${conditions[1]!} AND ${conditions[2]!}
      ORDER BY seq ${filter.newestFirst ? sql`DESC` : sql``} LIMIT ${listLimit(filter.limit)}`;
    return rows.map(fromRow);
  }

  /** How many jobs have each status. */
  async counts(): Promise<Record<JobStatus, number>> {
    const counts = Object.fromEntries(JOB_STATUSES.map((status) => [status, 0])) as Record<
      JobStatus,
      number
    >;
    const rows = await this.sql<{ status: JobStatus; n: string }[]>`SELECT status, count(*) AS n
      FROM jobs GROUP BY status`;
    for (const row of rows) counts[row.status] = Number(row.n);
    return counts;
  }

  /** What a plugin says of a job: only its source or its handler's plugin; finished stays so. */
  async update(job: Job, caller: string): Promise<StoredJob> {
    const current = await this.#existing(job.id);
    if (current.source !== caller && current.plugin !== caller) {
      throw new JobError(`job "${job.id}" belongs to "${current.source}"`);
    }
    checkStatus(job.status);
    const finished = FINISHED.includes(job.status);
    const [row] = await this.sql<PgRow[]>`UPDATE jobs SET status = ${job.status},
        progress_current = ${Math.trunc(job.progress?.current ?? 0)},
        progress_total = ${Math.trunc(job.progress?.total ?? 0)},
        cost_actual = ${Number.isFinite(job.costActual) ? job.costActual : 0},
        error = ${job.error ?? ""},
        completed_at = CASE WHEN ${finished} AND completed_at = 0
          THEN ${Math.floor(this.now() / 1000)} ELSE completed_at END
      WHERE id = ${job.id} AND (status NOT IN ('completed', 'failed', 'cancelled')
        OR status = ${job.status})
      RETURNING *`;
    if (!row) {
      const now = await this.#existing(job.id);
      throw new JobError(
        `job "${job.id}" is ${now.status} and cannot become ${job.status}`,
        "conflict",
      );
    }
    return fromRow(row);
  }

  /** A running job's progress alone; false when it is no longer running. */
  async reportProgress(
    id: string,
    progress: { current: number; total: number },
    caller: string,
  ): Promise<boolean> {
    const current = await this.#existing(id);
    if (current.source !== caller && current.plugin !== caller) {
      throw new JobError(`job "${id}" belongs to "${current.source}"`);
    }
    const changed = await this.sql`UPDATE jobs SET progress_current = ${
      Math.trunc(progress.current)
    }, progress_total = ${Math.trunc(progress.total)} WHERE id = ${id} AND status = 'running'`;
    return changed.count > 0;
  }

  /**
   * Cancels a job that has not finished and every unfinished job below it; the hosts running
   * any of them hear of it at once (and at their next heartbeat, whatever happens to the hint).
   */
  async cancel(id: string, reason = "cancelled by an operator"): Promise<string[]> {
    const job = await this.#existing(id);
    if (FINISHED.includes(job.status)) {
      throw new JobError(`job "${id}" is already ${job.status}`, "conflict");
    }
    const because = `parent job "${id}" was cancelled`;
    return await this.sql.begin(async (tx) => {
      const rows = await tx<{ id: string }[]>`WITH RECURSIVE tree(id) AS (
          SELECT ${id}::text UNION SELECT jobs.id FROM jobs JOIN tree ON jobs.parent_job_id = tree.id
        )
        UPDATE jobs SET status = 'cancelled', completed_at = ${Math.floor(this.now() / 1000)},
          host_id = '', lease_until = 0,
          error = CASE WHEN jobs.id = ${id} THEN ${reason} ELSE ${because} END
        WHERE id IN (SELECT jobs.id FROM jobs JOIN tree USING (id)
          WHERE status NOT IN ('completed', 'failed', 'cancelled') ORDER BY id FOR UPDATE OF jobs)
        RETURNING id`;
      const ids = rows.map((row) => row.id);
      for (const cancelled of ids) {
        await appendLogs(tx, cancelled, [hostLog("info", cancelled === id ? reason : because)]);
      }
      // A notification carries at most 8000 bytes: ids go out in slices.
      for (let i = 0; i < ids.length; i += 100) {
        await notify(tx, `cancel:${ids.slice(i, i + 100).join(",")}`);
      }
      return ids;
    });
  }

  /** Holds a queued job: no host takes it until it is resumed. */
  pause(id: string): Promise<StoredJob> {
    return this.#move(id, "queued", "paused", "only a queued job can be paused");
  }

  /** Lets a paused job run again, in its place in the queue. */
  resume(id: string): Promise<StoredJob> {
    return this.#move(id, "paused", "queued", "only a paused job can be resumed");
  }

  async #move(id: string, from: JobStatus, to: JobStatus, rule: string): Promise<StoredJob> {
    const job = await this.#existing(id);
    return await this.sql.begin(async (tx) => {
      const [row] = await tx<PgRow[]>`UPDATE jobs SET status = ${to}
        WHERE id = ${id} AND status = ${from} RETURNING *`;
      if (!row) throw new JobError(`job "${id}" is ${job.status}: ${rule}`, "conflict");
      await appendLogs(tx, id, [hostLog("info", to === "paused" ? "paused" : "resumed")]);
      if (to === "queued") await notify(tx, `runnable:${row.plugin}`);
      return fromRow(row);
    });
  }

  /** Deletes finished jobs that ended before `before` (Unix s), with their logs. */
  async prune(before: number): Promise<number> {
    const deleted = await this.sql`DELETE FROM jobs
      WHERE status IN ('completed', 'failed', 'cancelled') AND completed_at < ${
      Math.trunc(before)
    }`;
    return deleted.count;
  }

  async #existing(id: string): Promise<StoredJob> {
    const job = await this.get(id);
    if (!job) throw new JobError(`job "${id}" does not exist`, "missing");
    return job;
  }

  /**
   * At this host's start: the jobs it held when it stopped are queued again (or failed), and
   * nobody else's. Returns their ids.
   */
  async recoverOwn(mode: "requeue" | "fail"): Promise<string[]> {
    const reason = "the host stopped while the job ran";
    return await this.sql.begin(async (tx) => {
      const rows = mode === "requeue"
        ? await tx<{ id: string }[]>`UPDATE jobs SET status = 'queued', host_id = '',
            lease_until = 0, retry_count = retry_count + 1, error = ${reason}
          WHERE status = 'running' AND host_id = ${this.hostId} RETURNING id`
        : await tx<{ id: string }[]>`UPDATE jobs SET status = 'failed', host_id = '',
            lease_until = 0, error = ${reason},
            completed_at = ${Math.floor(this.now() / 1000)}
          WHERE status = 'running' AND host_id = ${this.hostId} RETURNING id`;
      const said = mode === "requeue" ? `${reason}; queued again` : `${reason}; marked failed`;
      for (const row of rows) await appendLogs(tx, row.id, [hostLog("warn", said)]);
      if (rows.length > 0 && mode === "requeue") await notify(tx, "runnable:");
      return rows.map((row) => row.id);
    });
  }
}
