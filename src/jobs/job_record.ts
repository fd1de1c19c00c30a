/** A Pulse job as stored and as the workers handle it: its fields, its log, its refusals. */
import { ulid } from "../ats/mod.ts";
import { type Job, JOB_STATUSES, type JobStatus, type NewJob } from "../plugin/mod.ts";

/** Why a job request is refused, in words for the caller. */
export class JobError extends Error {
  override name = "JobError";
  /** `missing`: no such job; `conflict`: the job's status does not allow it; else bad input. */
  constructor(message: string, readonly kind: "invalid" | "missing" | "conflict" = "invalid") {
    super(message);
  }
}

export const DEFAULT_LIST_LIMIT = 100;
const MAX_LIST_LIMIT = 1000;
/** The statuses a job ends in; nothing moves it out of them. */
export const FINISHED: readonly JobStatus[] = ["completed", "failed", "cancelled"];

/** A list's page size: `limit` when given and sane, within 1 … 1000. */
export function listLimit(limit: number | undefined): number {
  return Math.min(
    Math.max(1, Math.trunc(limit ?? DEFAULT_LIST_LIMIT) || DEFAULT_LIST_LIMIT),
    MAX_LIST_LIMIT,
  );
}

/** One entry of a job's log, as plugins report them (`timestamp` in RFC 3339). */
export interface JobLogEntry {
  timestamp: string;
  level: string;
  message: string;
  stage: string;
  /** JSON, or empty. */
  metadata: string;
}

/** A job as the host keeps it: the protocol's fields and what the workers need. */
export interface StoredJob extends Job {
  /** The plugin of a `<plugin>/<handler>` job; empty for a host handler. */
  plugin: string;
  /** The job's own deadline in seconds; 0 means the host's default. */
  timeoutSecs: number;
  /** Unix ms before which a retry does not run. */
  runAfter: number;
  scheduleId: string;
  pluginVersion: string;
  /** The handler's JSON result, as bytes; empty until it completes. */
  result: Uint8Array;
}

/** What a caller gives to enqueue, beyond the protocol's fields. */
export interface JobRequest extends NewJob {
  timeoutSecs?: number;
  scheduleId?: string;
}

/** How one run of a job ended, as the worker records it. */
export interface JobOutcome {
  error: string;
  result?: Uint8Array;
  progress?: { current: number; total: number };
  costActual?: number;
  pluginVersion?: string;
}

export interface JobFilter {
  status?: string;
  plugin?: string;
  limit?: number;
  /** Newest first, continuing after this job id (a page's last); default oldest first. */
  newestFirst?: boolean;
  after?: string;
}

/** A row of the jobs table. */
export interface Row {
  seq: number;
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
  result: Uint8Array | null;
  plugin_version: string;
  created_at: number;
  started_at: number;
  completed_at: number;
  run_after: number;
  timeout_secs: number;
  schedule_id: string;
  plugin: string;
}

export function toJob(row: Row): StoredJob {
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
    plugin: row.plugin,
    timeoutSecs: row.timeout_secs,
    runAfter: row.run_after,
    scheduleId: row.schedule_id,
    pluginVersion: row.plugin_version,
    result: row.result ?? new Uint8Array(),
  };
}

export function checkStatus(status: string): JobStatus {
  if (!(JOB_STATUSES as readonly string[]).includes(status)) {
    throw new JobError(`status "${status}" is not one of ${JOB_STATUSES.join(", ")}`);
  }
  return status as JobStatus;
}

/** Refuses a payload that is larger than `max` bytes or not JSON (empty means none). */
export function checkPayload(payload: Uint8Array, max: number): void {
  if (payload.byteLength > max) throw new JobError(`the payload is larger than ${max} bytes`);
  if (payload.byteLength === 0) return;
  try {
    JSON.parse(new TextDecoder().decode(payload));
  } catch {
    throw new JobError("the payload is not JSON");
  }
}

const HANDLER = /^[a-z0-9][a-z0-9-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$|^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const MAX_PAYLOAD = 16 * 1024 * 1024;
const MAX_TIMEOUT_SECS = 7 * 24 * 3600;

/**
 * A job request checked as any store takes it: the handler's form, a JSON payload of at most
 * 16 MiB, the deadline, the cost, the id (given, or made: `J<ulid>`). Throws a JobError naming
 * what is wrong.
 */
export function checkJobRequest(
  job: JobRequest,
): { id: string; payload: Uint8Array; timeout: number; cost: number } {
  if (typeof job.handlerName !== "string" || !HANDLER.test(job.handlerName)) {
    throw new JobError(
      `handler_name "${job.handlerName}" is not "<plugin>/<handler>" or a host handler`,
    );
  }
  const payload = job.payload ?? new Uint8Array();
  checkPayload(payload, MAX_PAYLOAD);
  const timeout = job.timeoutSecs ?? 0;
  if (!Number.isInteger(timeout) || timeout < 0 || timeout > MAX_TIMEOUT_SECS) {
    throw new JobError(`timeout_secs must be an integer from 0 to ${MAX_TIMEOUT_SECS}`);
  }
  const cost = job.costEstimate ?? 0;
  if (!Number.isFinite(cost) || cost < 0) {
    throw new JobError("cost_estimate must be a number of 0 or more");
  }
  const id = job.id && job.id !== "" ? job.id : `J${ulid()}`;
  if (id.length > 128) throw new JobError("a job id has at most 128 characters");
  return { id, payload, timeout, cost };
}

/** A log entry written by the host about a job, stamped now. */
export function hostLog(level: string, message: string, stage = "host"): JobLogEntry {
  return { timestamp: new Date().toISOString(), level, message, stage, metadata: "" };
}
