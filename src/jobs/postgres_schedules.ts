import { ulid } from "../ats/mod.ts";
import type { PostgresPool, PostgresTransaction } from "../store/mod.ts";
import { checkPayload, JobError } from "./job_record.ts";
import { pluginHandler, pluginOf } from "./job_owner.ts";
import { JOBS_CHANNEL } from "./postgres_job_rows.ts";
import type { ScheduleBook, ScheduleRequest } from "./schedule_book.ts";
import {
  checkInterval,
  type DeclaredSchedule,
  MAX_PAYLOAD,
  nextRun,
  planSync,
  type Schedule,
  type ScheduleRow,
  type ScheduleState,
  type SyncReport,
  toSchedule,
} from "./schedule_record.ts";

/**
 * Schedules on PostgreSQL, fired once across every host that shares the database: the due rows
 * are taken with `SKIP LOCKED`, and for each the job is queued and the next run set in one
 * transaction, a schedule and due time firing at most once (`schedule_fires`' key) however many
 * hosts see it due at the same moment. A plugin's declarations, synced by every host that runs
 * it, are one set of rows (a lock per plugin keeps two hosts from making them twice).
 */
export class PostgresSchedules implements ScheduleBook {
  constructor(readonly sql: PostgresPool, readonly now: () => number = Date.now) {}

  async create(plugin: string, request: ScheduleRequest): Promise<Schedule> {
    const handler = pluginHandler(plugin, request.handlerName);
    const interval = checkInterval(request.intervalSeconds);
    const payload = request.payload ?? new Uint8Array();
    checkPayload(payload, MAX_PAYLOAD);
    const now = this.now();
    const [row] = await this.sql<ScheduleRow[]>`INSERT INTO schedules (id, plugin, handler_name,
        interval_seconds, payload, metadata, state, next_run_at, created_at, updated_at)
      VALUES (${`S${ulid()}`}, ${plugin}, ${handler}, ${interval}, ${payload},
        ${JSON.stringify(request.metadata ?? {})}, 'active', ${now + interval * 1000}, ${now},
        ${now})
      RETURNING *`;
    return toSchedule(row!);
  }

  async get(id: string): Promise<Schedule | undefined> {
    const [row] = await this.sql<ScheduleRow[]>`SELECT * FROM schedules WHERE id = ${id}`;
    return row && toSchedule(row);
  }

  async list(plugin?: string): Promise<Schedule[]> {
    const rows = plugin === undefined
      ? await this.sql<ScheduleRow[]>`SELECT * FROM schedules ORDER BY seq`
      : await this.sql<
        ScheduleRow[]
      >`SELECT * FROM schedules WHERE plugin = ${plugin} ORDER BY seq`;
    return rows.map(toSchedule);
  }

  async setState(id: string, state: ScheduleState, owner?: string): Promise<Schedule> {
    await this.#owned(id, owner);
    const [row] = await this.sql<ScheduleRow[]>`UPDATE schedules SET state = ${state},
      updated_at = ${this.now()} WHERE id = ${id} RETURNING *`;
    if (!row) throw new JobError(`schedule "${id}" does not exist`, "missing");
    return toSchedule(row);
  }

  async delete(id: string, owner?: string): Promise<void> {
    await this.#owned(id, owner);
    await this.sql`DELETE FROM schedules WHERE id = ${id}`;
  }

  async sync(
    plugin: string,
    declared: readonly DeclaredSchedule[],
    handlers: readonly string[],
  ): Promise<SyncReport> {
    const now = this.now();
    return await this.sql.begin(async (tx) => {
      // Hosts that start the same plugin at once sync one after the other.
      await tx`SELECT pg_advisory_xact_lock(hashtext(${`schedules:${plugin}`}))`;
      const existing = await tx<ScheduleRow[]>`SELECT * FROM schedules WHERE plugin = ${plugin}
        ORDER BY seq`;
      const plan = planSync(plugin, declared, handlers, existing.map(toSchedule), now);
      for (const made of plan.inserts) {
        await tx`INSERT INTO schedules (id, plugin, handler_name, interval_seconds, payload,
            description, ats_code, declared, state, next_run_at, created_at, updated_at)
          VALUES (${made.id}, ${plugin}, ${made.handlerName}, ${made.intervalSeconds},
            ${new Uint8Array()}, ${made.description}, ${made.atsCode}, TRUE, ${made.state},
            ${made.nextRunAt}, ${now}, ${now})`;
      }
      for (const changed of plan.updates) {
        await tx`UPDATE schedules SET interval_seconds = ${changed.intervalSeconds},
            description = ${changed.description}, ats_code = ${changed.atsCode},
            next_run_at = ${changed.nextRunAt}, updated_at = ${now}
          WHERE id = ${changed.id}`;
      }
      if (plan.deletes.length > 0) {
        await tx`DELETE FROM schedules WHERE id = ANY(${plan.deletes}::text[])`;
      }
      return plan.report;
    });
  }

  tick(): Promise<string[]> {
    return this.fireDue();
  }

  /**
   * Queues a job for each active schedule that is due, once across the cluster, and moves its
   * next run on in step (a host that was down runs a missed schedule once, not once per interval
   * missed). A schedule whose last job has not finished skips this run. Returns the ids of the
   * jobs this call queued.
   */
  async fireDue(limit = 100): Promise<string[]> {
    const now = this.now();
    return await this.sql.begin(async (tx) => {
      const due = await tx<(ScheduleRow & { last_status: string | null })[]>`
        SELECT schedules.*, jobs.status AS last_status FROM schedules
          LEFT JOIN jobs ON jobs.id = schedules.last_execution_id
        WHERE schedules.state = 'active' AND schedules.next_run_at <= ${now}
        ORDER BY schedules.next_run_at LIMIT ${limit}
        FOR UPDATE OF schedules SKIP LOCKED`;
      const queued: string[] = [];
      for (const row of due) {
        const schedule = toSchedule(row);
        const next = nextRun(schedule.nextRunAt, schedule.intervalSeconds, now);
        const unfinished = ["queued", "running", "paused"].includes(row.last_status ?? "");
        const jobId = unfinished ? "" : await fire(tx, schedule, now);
        if (jobId) queued.push(jobId);
        await tx`UPDATE schedules SET next_run_at = ${next},
            last_run_at = CASE WHEN ${jobId} = '' THEN last_run_at ELSE ${now} END,
            last_execution_id = CASE WHEN ${jobId} = '' THEN last_execution_id ELSE ${jobId} END
          WHERE id = ${schedule.id}`;
      }
      return queued;
    });
  }

  async #owned(id: string, owner?: string): Promise<Schedule> {
    const schedule = await this.get(id);
    if (!schedule) throw new JobError(`schedule "${id}" does not exist`, "missing");
    if (owner !== undefined && schedule.plugin !== owner) {
      throw new JobError(`schedule "${id}" belongs to "${schedule.plugin}"`);
    }
    return schedule;
  }
}

/** Queues the job of one due time of `schedule`, unless a host did already: its id, or "". */
async function fire(tx: PostgresTransaction, schedule: Schedule, now: number): Promise<string> {
  const jobId = `J${ulid()}`;
  const fired = await tx`INSERT INTO schedule_fires (schedule_id, due_at, job_id)
    VALUES (${schedule.id}, ${schedule.nextRunAt}, ${jobId}) ON CONFLICT DO NOTHING`;
  if (fired.count === 0) return "";
  const plugin = pluginOf(schedule.handlerName);
  await tx`INSERT INTO jobs (id, handler_name, plugin, payload, source, status, created_at,
      schedule_id)
    VALUES (${jobId}, ${schedule.handlerName}, ${plugin}, ${schedule.payload},
      ${schedule.plugin}, 'queued', ${Math.floor(now / 1000)}, ${schedule.id})`;
  await tx`SELECT pg_notify(${JOBS_CHANNEL}, ${`runnable:${plugin}`})`;
  return jobId;
}
