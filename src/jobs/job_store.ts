import type { DatabaseSync, StatementSync } from "node:sqlite";
import { ulid } from "../ats/mod.ts";
import { type Job, JOB_STATUSES, type JobStatus, type NewJob } from "../plugin/mod.ts";

/** Why a job request is refused, in words for the caller. */
export class JobError extends Error {
  override name = "JobError";
}

const HANDLER = /^[a-z0-9][a-z0-9-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$|^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const MAX_PAYLOAD = 16 * 1024 * 1024;
export const DEFAULT_LIST_LIMIT = 100;
const MAX_LIST_LIMIT = 1000;

interface Row {
  id: string;
  handler_name: string;
  payload: Uint8Array;
  source: string;
  status: JobStatus;
  progress_current: number;
  progress_total: number;
  cost_estimate: number;
  cost_actual: number;
  error: string;
  parent_job_id: string;
  retry_count: number;
  created_at: number;
  started_at: number;
  completed_at: number;
}

function toJob(row: Row): Job {
  return {
    id: row.id,
    handlerName: row.handler_name,
    payload: row.payload,
    source: row.source,
    status: row.status,
    progress: { current: row.progress_current, total: row.progress_total },
    costEstimate: row.cost_estimate,
    costActual: row.cost_actual,
    error: row.error,
    parentJobId: row.parent_job_id,
    retryCount: row.retry_count,
    createdAt: row.created_at,
    startedAt: row.started_at,
    completedAt: row.completed_at,
  };
}

/**
 * The Pulse queue's storage: jobs in FIFO order with the fields of the protocol. Handlers of
 * plugin `p` are named `p/<handler>`. Workers (next) take queued jobs from here.
 */
export class JobStore {
  readonly #insert: StatementSync;
  readonly #get: StatementSync;

  constructor(
    readonly db: DatabaseSync,
    readonly now: () => number = () => Math.floor(Date.now() / 1000),
  ) {
    this.#insert = db.prepare(
      `INSERT INTO jobs (id, handler_name, payload, source, status, cost_estimate, parent_job_id, created_at)
       VALUES (?, ?, ?, ?, 'queued', ?, ?, ?)`,
    );
    this.#get = db.prepare("SELECT * FROM jobs WHERE id = ?");
  }

  /** Queues a job; the host makes up an id when none is given. `source` is the caller's. */
  enqueue(job: NewJob, source: string): Job {
    if (!HANDLER.test(job.handlerName)) {
      throw new JobError(
        `handler_name "${job.handlerName}" is not "<plugin>/<handler>" or a host handler`,
      );
    }
    const payload = job.payload ?? new Uint8Array();
    if (payload.byteLength > MAX_PAYLOAD) {
      throw new JobError(`the payload is larger than ${MAX_PAYLOAD} bytes`);
    }
    if (payload.byteLength > 0) {
      try {
        JSON.parse(new TextDecoder().decode(payload));
      } catch {
        throw new JobError("the payload is not JSON");
      }
    }
    const id = job.id && job.id !== "" ? job.id : `J${ulid()}`;
    if (id.length > 128) throw new JobError("a job id has at most 128 characters");
    if (job.parentJobId && !this.get(job.parentJobId)) {
      throw new JobError(`parent job "${job.parentJobId}" does not exist`);
    }
    try {
      this.#insert.run(
        id,
        job.handlerName,
        payload,
        source,
        job.costEstimate ?? 0,
        job.parentJobId ?? "",
        this.now(),
      );
    } catch (error) {
      if (/UNIQUE/.test((error as Error).message)) {
        throw new JobError(`a job with id "${id}" already exists`);
      }
      throw error;
    }
    return this.get(id)!;
  }

  get(id: string): Job | undefined {
    const row = this.#get.get(id) as Row | undefined;
    return row && toJob(row);
  }

  /** Jobs, oldest first, of one status or all; `limit` defaults to 100. */
  list(status: string | undefined, limit = DEFAULT_LIST_LIMIT): Job[] {
    if (status && !(JOB_STATUSES as readonly string[]).includes(status)) {
      throw new JobError(`status "${status}" is not one of ${JOB_STATUSES.join(", ")}`);
    }
    const bounded = Math.min(Math.max(1, Math.trunc(limit) || DEFAULT_LIST_LIMIT), MAX_LIST_LIMIT);
    const rows = status
      ? this.db.prepare("SELECT * FROM jobs WHERE status = ? ORDER BY seq LIMIT ?").all(
        status,
        bounded,
      )
      : this.db.prepare("SELECT * FROM jobs ORDER BY seq LIMIT ?").all(bounded);
    return (rows as unknown as Row[]).map(toJob);
  }

  /**
   * Records what a job's owner says of it: progress, cost, error and status. Only the plugin
   * that enqueued a job may update it, and a finished job stays finished.
   */
  update(job: Job, caller: string): Job {
    const current = this.get(job.id);
    if (!current) throw new JobError(`job "${job.id}" does not exist`);
    if (current.source !== caller) {
      throw new JobError(`job "${job.id}" belongs to "${current.source}"`);
    }
    if (!(JOB_STATUSES as readonly string[]).includes(job.status)) {
      throw new JobError(`status "${job.status}" is not one of ${JOB_STATUSES.join(", ")}`);
    }
    if (
      ["completed", "failed", "cancelled"].includes(current.status) && job.status !== current.status
    ) {
      throw new JobError(`job "${job.id}" is ${current.status} and cannot become ${job.status}`);
    }
    const finished = ["completed", "failed", "cancelled"].includes(job.status);
    this.db.prepare(
      `UPDATE jobs SET status = ?, progress_current = ?, progress_total = ?, cost_actual = ?, error = ?,
         completed_at = CASE WHEN ? AND completed_at = 0 THEN ? ELSE completed_at END WHERE id = ?`,
    ).run(
      job.status,
      Math.trunc(job.progress.current),
      Math.trunc(job.progress.total),
      job.costActual,
      job.error,
      finished ? 1 : 0,
      this.now(),
      job.id,
    );
    return this.get(job.id)!;
  }
}
