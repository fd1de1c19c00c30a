/** Rows of the PostgreSQL queue as the host reads them, and the writes every move shares. */
import type { PostgresPool, PostgresTransaction } from "../store/mod.ts";
import { type JobLogEntry, type Row, type StoredJob, toJob } from "./job_record.ts";

/** Where hosts hear of jobs: `runnable:<plugin>` and `cancel:<id>,<id>…` (hints; polls stay). */
export const JOBS_CHANNEL = "qntx_jobs";

/** A row as PostgreSQL hands it over: BIGINT columns arrive as text. */
export type PgRow =
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

/** Tells every listening host (at the commit, when `tx` is a transaction). */
export async function notify(
  tx: PostgresTransaction | PostgresPool,
  payload: string,
): Promise<void> {
  await tx`SELECT pg_notify(${JOBS_CHANNEL}, ${payload})`;
}

export async function appendLogs(
  tx: PostgresTransaction | PostgresPool,
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
export function fromRow(row: PgRow): StoredJob {
  return toJob({
    ...row,
    created_at: Number(row.created_at),
    started_at: Number(row.started_at),
    completed_at: Number(row.completed_at),
    run_after: Number(row.run_after),
    result: row.result ?? null,
  } as unknown as Row);
}
