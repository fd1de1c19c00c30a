import type { PostgresPool, PostgresTransaction } from "../store/mod.ts";
import {
  checkJobRequest,
  JobError,
  type JobLogEntry,
  type JobOutcome,
  type JobRequest,
  type Row,
  type StoredJob,
  toJob,
} from "./job_record.ts";
import { pluginOf } from "./job_owner.ts";

/** The advisory lock of the cluster's housekeeping: one host at a time requeues and prunes. */
const HOUSEKEEPING_LOCK = 7_177_002;

type PgRow =
  & Omit<
    Row,
    "created_at" | "started_at" | "completed_at" | "run_after" | "cost_estimate" | "cost_actual"
  >
  & {
    created_at: string;
    started_at: string;
    completed_at: string;
    run_after: string;
    cost_estimate: number;
    cost_actual: number;
  };

/**
 * The Pulse queue on PostgreSQL, shared by several hosts. A host takes jobs in batches (`FOR
 * UPDATE SKIP LOCKED`), only for the plugins it runs; each running job names the host holding it
 * and a lease that heartbeats extend. Every move of a running job is fenced by that host: an
 * answer from a host presumed dead (its lease expired and the job went to another) changes
 * nothing. One host at a time requeues the jobs whose lease ran out. A host's start-up recovery
 * touches its own rows only.
 */
export class PostgresJobs {
  constructor(
    readonly sql: PostgresPool,
    /** This host's id, written on the jobs it holds. */
    readonly hostId: string,
    readonly now: () => number = Date.now,
  ) {}

  async enqueue(job: JobRequest, source: string): Promise<StoredJob> {
    const { id, payload, timeout, cost } = checkJobRequest(job);
    const plugin = pluginOf(job.handlerName);
    if (job.parentJobId && !(await this.get(job.parentJobId))) {
      throw new JobError(`parent job "${job.parentJobId}" does not exist`);
    }
    try {
      const [row] = await this.sql<PgRow[]>`INSERT INTO jobs (id, handler_name, plugin, payload,
        source, status, cost_estimate, parent_job_id, created_at, timeout_secs, schedule_id)
        VALUES (${id}, ${job.handlerName}, ${plugin}, ${payload}, ${source}, 'queued', ${cost},
          ${job.parentJobId ?? ""}, ${Math.floor(this.now() / 1000)}, ${timeout},
          ${job.scheduleId ?? ""})
        RETURNING *`;
      return fromRow(row!);
    } catch (error) {
      if ((error as { code?: string }).code === "23505") {
        throw new JobError(`a job with id "${id}" already exists`, "conflict");
      }
      throw error;
    }
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
    const rows = await this.sql<{ id: string }[]>`UPDATE jobs
      SET lease_until = ${this.now() + leaseMs}
      WHERE id = ANY(${ids as string[]}::text[]) AND status = 'running' AND host_id = ${this.hostId}
      RETURNING id`;
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
    return await this.sql.begin(async (tx) => {
      const changed = await tx`UPDATE jobs SET
          status = ${outcome.error === "" ? "completed" : "failed"}, error = ${outcome.error},
          result = ${outcome.result ?? new Uint8Array()},
          progress_current = COALESCE(${outcome.progress?.current ?? null}::int, progress_current),
          progress_total = COALESCE(${outcome.progress?.total ?? null}::int, progress_total),
          cost_actual = COALESCE(${outcome.costActual ?? null}::float8, cost_actual),
          plugin_version = COALESCE(${outcome.pluginVersion ?? null}::text, plugin_version),
          completed_at = ${Math.floor(this.now() / 1000)}, host_id = '', lease_until = 0
        WHERE id = ${id} AND status = 'running' AND host_id = ${this.hostId}`;
      if (changed.count === 0) return false;
      await appendLogs(tx, id, logs);
      return true;
    });
  }

  /** Puts a job this host holds back in the queue, to run from `runAfter` (ms); fenced too. */
  async retry(id: string, error: string, runAfter: number): Promise<boolean> {
    const changed = await this.sql`UPDATE jobs SET status = 'queued', error = ${error},
        retry_count = retry_count + 1, run_after = ${Math.trunc(runAfter)}, host_id = '',
        lease_until = 0
      WHERE id = ${id} AND status = 'running' AND host_id = ${this.hostId}`;
    return changed.count > 0;
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
      const rows = await tx<{ id: string }[]>`UPDATE jobs SET status = 'queued', host_id = '',
          lease_until = 0, retry_count = retry_count + 1,
          error = 'its host stopped answering: the lease ran out'
        WHERE status = 'running' AND lease_until < ${this.now()}
        RETURNING id`;
      return rows.map((row) => row.id);
    });
  }

  /**
   * At this host's start: the jobs it held when it stopped are queued again (or failed), and
   * nobody else's. Returns their ids.
   */
  async recoverOwn(mode: "requeue" | "fail"): Promise<string[]> {
    const rows = mode === "requeue"
      ? await this.sql<{ id: string }[]>`UPDATE jobs SET status = 'queued', host_id = '',
          lease_until = 0 WHERE status = 'running' AND host_id = ${this.hostId} RETURNING id`
      : await this.sql<{ id: string }[]>`UPDATE jobs SET status = 'failed', host_id = '',
          lease_until = 0, error = 'its host stopped while it ran'
        WHERE status = 'running' AND host_id = ${this.hostId} RETURNING id`;
    return rows.map((row) => row.id);
  }
}

async function appendLogs(
  tx: PostgresTransaction,
  id: string,
  logs: readonly JobLogEntry[],
): Promise<void> {
  if (logs.length === 0) return;
  await tx`INSERT INTO job_logs ${
    tx(logs.map((entry) => ({ job_id: id, ...entry })), [
      "job_id",
      "timestamp",
      "level",
      "message",
      "stage",
      "metadata",
    ])
  }`;
}

/** A row as the workers handle it: BIGINT columns arrive as text. */
function fromRow(row: PgRow): StoredJob {
  return toJob({
    ...row,
    created_at: Number(row.created_at),
    started_at: Number(row.started_at),
    completed_at: Number(row.completed_at),
    run_after: Number(row.run_after),
    result: row.result ?? null,
  } as unknown as Row);
}
