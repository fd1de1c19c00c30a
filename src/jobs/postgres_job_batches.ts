import { Buffer } from "node:buffer";
import type { PostgresPool } from "../store/mod.ts";
import type { JobLogEntry, JobOutcome } from "./job_record.ts";
import { JOBS_CHANNEL, type PgRow } from "./postgres_job_rows.ts";

/** A job to insert, checked already. */
export interface NewRow {
  id: string;
  handlerName: string;
  plugin: string;
  payload: Uint8Array;
  source: string;
  cost: number;
  parentJobId: string;
  createdAt: number;
  timeout: number;
  scheduleId: string;
}

/** How a run this host holds ended. */
export interface Ending {
  id: string;
  outcome: JobOutcome;
  logs: readonly JobLogEntry[];
}

const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");

/**
 * Inserts many jobs in one statement, in order, and tells the hosts once per plugin. Each comes
 * back as its row, or undefined when its id was taken (by a job already there, or by an earlier
 * one of the same batch).
 */
export async function insertJobs(
  sql: PostgresPool,
  rows: readonly NewRow[],
): Promise<(PgRow | undefined)[]> {
  const input = rows.map((row, n) => ({
    n,
    id: row.id,
    handler_name: row.handlerName,
    plugin: row.plugin,
    payload: base64(row.payload),
    source: row.source,
    cost: row.cost,
    parent: row.parentJobId,
    created: row.createdAt,
    timeout: row.timeout,
    schedule: row.scheduleId,
  }));
  const inserted = await sql<PgRow[]>`WITH input AS (
      SELECT * FROM jsonb_to_recordset(${sql.json(input as never)}::jsonb) AS x(n int, id text,
        handler_name text, plugin text, payload text, source text, cost float8, parent text,
        created bigint, timeout int, schedule text)),
    queued AS (INSERT INTO jobs (id, handler_name, plugin, payload, source, status,
        cost_estimate, parent_job_id, created_at, timeout_secs, schedule_id)
      SELECT id, handler_name, plugin, decode(payload, 'base64'), source, 'queued', cost, parent,
        created, timeout, schedule FROM input ORDER BY n
      ON CONFLICT (id) DO NOTHING
      RETURNING *),
    hints AS (SELECT pg_notify(${JOBS_CHANNEL}, 'runnable:' || plugin)
      FROM (SELECT DISTINCT plugin FROM queued) AS plugins)
    SELECT queued.*, (SELECT count(*) FROM hints) AS hinted FROM queued`;
  const byId = new Map(inserted.map((row) => [row.id, row]));
  // An id given twice in one batch: the first caller has it, the next is told it is taken.
  return rows.map((row) => {
    const found = byId.get(row.id);
    byId.delete(row.id);
    return found;
  });
}

/**
 * Ends many runs this host holds in one statement, with their log entries (in order); each
 * answer says whether its move counted (false: the job is no longer this host's).
 */
export async function finishJobs(
  sql: PostgresPool,
  hostId: string,
  seconds: number,
  endings: readonly Ending[],
): Promise<boolean[]> {
  const input = endings.map(({ id, outcome, logs }) => ({
    id,
    status: outcome.error === "" ? "completed" : "failed",
    error: outcome.error,
    result: base64(outcome.result ?? new Uint8Array()),
    current: outcome.progress?.current ?? null,
    total: outcome.progress?.total ?? null,
    cost: outcome.costActual ?? null,
    version: outcome.pluginVersion ?? null,
    logs,
  }));
  const done = await sql<{ id: string }[]>`WITH input AS (
      SELECT * FROM jsonb_to_recordset(${sql.json(input as never)}::jsonb) AS x(id text,
        status text, error text, result text, current int, total int, cost float8,
        version text, logs jsonb)),
    -- Locked in id order, like the heartbeat's rows: locked in different orders they deadlock.
    -- Found by id (the unique index), whatever the statistics say: found through the running
    -- jobs' index, a bitmap scan visited every job that ran since the last VACUUM, each time.
    held AS MATERIALIZED (SELECT id FROM jobs
      WHERE id = ANY(${endings.map((ending) => ending.id)}::text[])
      AND status = 'running' AND host_id = ${hostId} ORDER BY id FOR UPDATE),
    done AS (UPDATE jobs SET status = input.status, error = input.error,
        result = decode(input.result, 'base64'),
        progress_current = COALESCE(input.current, jobs.progress_current),
        progress_total = COALESCE(input.total, jobs.progress_total),
        cost_actual = COALESCE(input.cost, jobs.cost_actual),
        plugin_version = COALESCE(input.version, jobs.plugin_version),
        completed_at = ${seconds}, host_id = '', lease_until = 0
      FROM input JOIN held USING (id)
      WHERE jobs.id = input.id AND jobs.status = 'running' AND jobs.host_id = ${hostId}
      RETURNING jobs.id, input.logs),
    logged AS (INSERT INTO job_logs (job_id, timestamp, level, message, stage, metadata)
      SELECT done.id, e.entry->>'timestamp', e.entry->>'level', e.entry->>'message',
        coalesce(e.entry->>'stage', ''), coalesce(e.entry->>'metadata', '')
      FROM done, jsonb_array_elements(done.logs) WITH ORDINALITY AS e(entry, n)
      ORDER BY done.id, e.n
      RETURNING 1)
    SELECT id, (SELECT count(*) FROM logged) AS entries FROM done`;
  const ended = new Set(done.map((row) => row.id));
  return endings.map((ending) => ended.has(ending.id));
}
