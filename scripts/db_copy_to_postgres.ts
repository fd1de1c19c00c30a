/**
 * `deno task db:copy-to-postgres [--from data/qntx.db] [--to postgres://…]`: moves a host's
 * SQLite store to PostgreSQL, so it can join hosts that share one database: attestations (ids,
 * sources and times kept), jobs with their logs, and schedules. The target is migrated first;
 * rows already there (by id) are left as they are, so the copy can run again after a stop. The
 * source is only read. `--to` defaults to `[database] url` / QNTX_DATABASE_URL.
 */
import { DatabaseSync } from "node:sqlite";
import {
  migratePostgres,
  openPostgres,
  POSTGRES_MIGRATIONS,
  type PostgresPool,
} from "../src/store/mod.ts";

const PAGE = 2000;

/** Copies every table, page by page; the number of rows written to each. */
export async function copyToPostgres(
  from: string,
  sql: PostgresPool,
): Promise<Record<string, number>> {
  const db = new DatabaseSync(from, { readOnly: true });
  try {
    await migratePostgres(sql, POSTGRES_MIGRATIONS);
    const inserted = new Set<string>();
    return {
      attestations: await copy(db, sql, "attestations", new Set(), (row) => {
        const list = (text: unknown) => JSON.parse(String(text)) as string[];
        const fold = (values: string[]) => values.map((value) => value.toLowerCase());
        const [subjects, predicates, contexts, actors] = [
          list(row.subjects),
          list(row.predicates),
          list(row.contexts),
          list(row.actors),
        ];
        return {
          id: row.id,
          subjects,
          predicates,
          contexts,
          actors,
          folded_subjects: fold(subjects),
          folded_predicates: fold(predicates),
          folded_contexts: fold(contexts),
          folded_actors: fold(actors),
          timestamp: row.timestamp,
          source: row.source,
          attributes: sql.json(JSON.parse(String(row.attributes))),
          created_at: row.created_at,
          signature: row.signature ?? null,
          signer_did: row.signer_did ?? null,
        };
      }),
      jobs: await copy(db, sql, "jobs", inserted, (row) => ({
        id: row.id,
        handler_name: row.handler_name,
        plugin: row.plugin ?? "",
        payload: row.payload,
        source: row.source,
        // A job left running by the stopped host runs again on whichever host takes it.
        status: row.status === "running" ? "queued" : row.status,
        progress_current: row.progress_current,
        progress_total: row.progress_total,
        cost_estimate: row.cost_estimate,
        cost_actual: row.cost_actual,
        error: row.error,
        parent_job_id: row.parent_job_id,
        retry_count: row.retry_count,
        result: row.result ?? null,
        plugin_version: row.plugin_version,
        created_at: row.created_at,
        started_at: row.started_at,
        completed_at: row.completed_at,
        run_after: row.run_after,
        timeout_secs: row.timeout_secs,
        schedule_id: row.schedule_id,
      })),
      // The logs of the jobs this run added (a job already there has its logs).
      job_logs: await copyLogs(db, sql, inserted),
      schedules: await copy(db, sql, "schedules", new Set(), (row) => ({
        id: row.id,
        plugin: row.plugin,
        handler_name: row.handler_name,
        interval_seconds: row.interval_seconds,
        payload: row.payload,
        metadata: row.metadata,
        description: row.description,
        ats_code: row.ats_code,
        declared: row.declared === 1,
        state: row.state,
        next_run_at: row.next_run_at,
        last_run_at: row.last_run_at,
        last_execution_id: row.last_execution_id,
        created_at: row.created_at,
        updated_at: row.updated_at,
      })),
    };
  } finally {
    db.close();
  }
}

/**
 * Copies one table in `seq` order, skipping rows whose `id` the target has; the ids it added go
 * into `added`.
 */
async function copy(
  db: DatabaseSync,
  sql: PostgresPool,
  table: string,
  added: Set<string>,
  toRow: (row: Record<string, unknown>) => Record<string, unknown>,
): Promise<number> {
  let after = 0;
  for (;;) {
    const rows = db.prepare(`SELECT * FROM ${table} WHERE seq > ? ORDER BY seq LIMIT ?`)
      .all(after, PAGE) as Record<string, unknown>[];
    if (rows.length === 0) return added.size;
    after = Number(rows.at(-1)!.seq);
    // deno-lint-ignore no-explicit-any
    const values = rows.map(toRow) as any[];
    const written = await sql<{ id: string }[]>`INSERT INTO ${sql(table)} ${
      sql(values)
    } ON CONFLICT (id) DO NOTHING RETURNING id`;
    for (const { id } of written) added.add(id);
  }
}

/** The log entries of the jobs in `jobs`, in their order. */
async function copyLogs(db: DatabaseSync, sql: PostgresPool, jobs: Set<string>): Promise<number> {
  let after = 0;
  let written = 0;
  for (;;) {
    const rows = db.prepare("SELECT * FROM job_logs WHERE seq > ? ORDER BY seq LIMIT ?")
      .all(after, PAGE) as Record<string, unknown>[];
    if (rows.length === 0) return written;
    after = Number(rows.at(-1)!.seq);
    const mine = rows.filter((row) => jobs.has(String(row.job_id))).map((row) => ({
      job_id: String(row.job_id),
      timestamp: String(row.timestamp),
      level: String(row.level),
      message: String(row.message),
      stage: String(row.stage),
      metadata: String(row.metadata),
    }));
    if (mine.length === 0) continue;
    written += (await sql`INSERT INTO job_logs ${sql(mine)}`).count;
  }
}

if (import.meta.main) {
  const flag = (name: string) => {
    const at = Deno.args.indexOf(name);
    return at >= 0 ? Deno.args[at + 1] : undefined;
  };
  const from = flag("--from") ?? "data/qntx.db";
  const to = flag("--to") ?? Deno.env.get("QNTX_DATABASE_URL");
  if (!to) {
    console.error(
      "usage: deno task db:copy-to-postgres [--from data/qntx.db] --to postgres://… " +
        "(or QNTX_DATABASE_URL)",
    );
    Deno.exit(2);
  }
  const sql = openPostgres(to);
  try {
    const counts = await copyToPostgres(from, sql);
    console.log(
      `copied from ${from}: ` +
        Object.entries(counts).map(([table, n]) => `${n} ${table.replace("_", " ")}`).join(", "),
    );
  } catch (error) {
    console.error(`the copy stopped: ${(error as Error).message}`);
    Deno.exit(1);
  } finally {
    await sql.end();
  }
}
