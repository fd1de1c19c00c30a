import { ulid } from "../ats/mod.ts";
import type { PostgresPool } from "../store/mod.ts";
import { pluginOf } from "./job_owner.ts";

/** A schedule as the cluster keeps it (times in Unix ms). */
export interface SharedSchedule {
  id: string;
  plugin: string;
  handlerName: string;
  intervalSeconds: number;
  nextRunAt: number;
  state: "active" | "paused";
}

/**
 * Schedules on PostgreSQL, fired once across every host that shares the database: the due rows
 * are taken with `SKIP LOCKED`, and for each the job is queued and the next run set in one
 * transaction, a schedule and due time firing at most once (`schedule_fires`' key) however many
 * hosts see it due at the same moment.
 */
export class PostgresSchedules {
  constructor(readonly sql: PostgresPool, readonly now: () => number = Date.now) {}

  /** Makes a schedule (a plugin's declaration, or one made at run time), due first at `firstRunAt`. */
  async create(
    plugin: string,
    handlerName: string,
    intervalSeconds: number,
    firstRunAt = this.now() + intervalSeconds * 1000,
  ): Promise<SharedSchedule> {
    const id = `S${ulid()}`;
    const now = this.now();
    await this.sql`INSERT INTO schedules (id, plugin, handler_name, interval_seconds, payload,
        state, next_run_at, created_at, updated_at)
      VALUES (${id}, ${plugin}, ${handlerName}, ${intervalSeconds}, ${new Uint8Array()}, 'active',
        ${firstRunAt}, ${now}, ${now})`;
    return { id, plugin, handlerName, intervalSeconds, nextRunAt: firstRunAt, state: "active" };
  }

  /**
   * Queues a job for each active schedule that is due, once across the cluster, and moves its
   * next run on (from now, so a host that was down runs a missed schedule once, not once per
   * interval missed). Returns the ids of the jobs this call queued.
   */
  async fireDue(limit = 100): Promise<string[]> {
    const now = this.now();
    return await this.sql.begin(async (tx) => {
      const due = await tx<
        { id: string; handler_name: string; interval_seconds: number; next_run_at: string }[]
      >`
        SELECT id, handler_name, interval_seconds, next_run_at FROM schedules
        WHERE state = 'active' AND next_run_at <= ${now}
        ORDER BY next_run_at LIMIT ${limit} FOR UPDATE SKIP LOCKED`;
      const queued: string[] = [];
      for (const schedule of due) {
        const jobId = `J${ulid()}`;
        const fired = await tx`INSERT INTO schedule_fires (schedule_id, due_at, job_id)
          VALUES (${schedule.id}, ${schedule.next_run_at}, ${jobId}) ON CONFLICT DO NOTHING`;
        if (fired.count === 1) {
          await tx`INSERT INTO jobs (id, handler_name, plugin, payload, source, status, created_at,
              schedule_id)
            VALUES (${jobId}, ${schedule.handler_name},
              ${pluginOf(schedule.handler_name)}, ${new Uint8Array()},
              ${`schedule:${schedule.id}`}, 'queued', ${Math.floor(now / 1000)}, ${schedule.id})`;
          queued.push(jobId);
        }
        await tx`UPDATE schedules SET next_run_at = ${now + schedule.interval_seconds * 1000},
            last_run_at = ${now}, last_execution_id = ${fired.count === 1 ? jobId : ""},
            updated_at = ${now}
          WHERE id = ${schedule.id}`;
      }
      return queued;
    });
  }
}
