import type { DatabaseSync, SQLInputValue } from "node:sqlite";
import { ulid } from "../ats/mod.ts";
import { transaction } from "../store/mod.ts";
import { checkPayload, JobError } from "./job_record.ts";
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
import { pluginHandler } from "./job_owner.ts";
import type { JobStore } from "./job_store.ts";

/**
 * Schedules of the Pulse queue: those plugins declare (synced on every initialize: created,
 * updated, pruned) and those they make at run time through `ScheduleService`. {@link tick}
 * turns due schedules into jobs. Every schedule has a next run time, always.
 */
export class ScheduleStore {
  constructor(
    readonly db: DatabaseSync,
    readonly jobs: JobStore,
    /** Unix ms. */
    readonly clock: () => number = Date.now,
  ) {}

  /** Makes a schedule for `plugin` at run time; its first run is one interval from now. */
  create(
    plugin: string,
    request: {
      handlerName: string;
      intervalSeconds: number;
      payload?: Uint8Array;
      metadata?: Record<string, string>;
    },
  ): Schedule {
    const handler = pluginHandler(plugin, request.handlerName);
    const interval = checkInterval(request.intervalSeconds);
    const payload = request.payload ?? new Uint8Array();
    checkPayload(payload, MAX_PAYLOAD);
    const now = this.clock();
    const id = `S${ulid()}`;
    this.db.prepare(
      `INSERT INTO schedules (id, plugin, handler_name, interval_seconds, payload, metadata,
         declared, state, next_run_at, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, 0, 'active', ?, ?, ?)`,
    ).run(
      id,
      plugin,
      handler,
      interval,
      payload,
      JSON.stringify(request.metadata ?? {}),
      now + interval * 1000,
      now,
      now,
    );
    return this.get(id)!;
  }

  get(id: string): Schedule | undefined {
    const row = this.db.prepare("SELECT * FROM schedules WHERE id = ?").get(id) as
      | ScheduleRow
      | undefined;
    return row && toSchedule(row);
  }

  /** The schedule, when it exists and (given `owner`) belongs to that plugin. */
  owned(id: string, owner?: string): Schedule {
    const schedule = this.get(id);
    if (!schedule) throw new JobError(`schedule "${id}" does not exist`, "missing");
    if (owner !== undefined && schedule.plugin !== owner) {
      throw new JobError(`schedule "${id}" belongs to "${schedule.plugin}"`);
    }
    return schedule;
  }

  /** Every schedule, or one plugin's, in the order they were made. */
  list(plugin?: string): Schedule[] {
    const args: SQLInputValue[] = plugin === undefined ? [] : [plugin];
    const rows = this.db.prepare(
      `SELECT * FROM schedules ${plugin === undefined ? "" : "WHERE plugin = ?"} ORDER BY seq`,
    ).all(...args);
    return (rows as unknown as ScheduleRow[]).map(toSchedule);
  }

  setState(id: string, state: ScheduleState, owner?: string): Schedule {
    this.owned(id, owner);
    this.db.prepare("UPDATE schedules SET state = ?, updated_at = ? WHERE id = ?").run(
      state,
      this.clock(),
      id,
    );
    return this.get(id)!;
  }

  delete(id: string, owner?: string): void {
    this.owned(id, owner);
    this.db.prepare("DELETE FROM schedules WHERE id = ?").run(id);
  }

  /**
   * Makes `plugin`'s declared schedules what it declared now: new ones created (paused when
   * not enabled by default), changed ones updated (an operator's pause is kept), the rest
   * removed. An empty list removes them all. Schedules made at run time are left alone.
   */
  sync(
    plugin: string,
    declared: readonly DeclaredSchedule[],
    handlers: readonly string[],
  ): SyncReport {
    const now = this.clock();
    return transaction(this.db, () => {
      const plan = planSync(plugin, declared, handlers, this.list(plugin), now);
      for (const made of plan.inserts) {
        this.db.prepare(
          `INSERT INTO schedules (id, plugin, handler_name, interval_seconds, payload,
             description, ats_code, declared, state, next_run_at, created_at, updated_at)
           VALUES (?, ?, ?, ?, X'', ?, ?, 1, ?, ?, ?, ?)`,
        ).run(
          made.id,
          plugin,
          made.handlerName,
          made.intervalSeconds,
          made.description,
          made.atsCode,
          made.state,
          made.nextRunAt,
          now,
          now,
        );
      }
      for (const changed of plan.updates) {
        this.db.prepare(
          `UPDATE schedules SET interval_seconds = ?, description = ?, ats_code = ?,
             next_run_at = ?, updated_at = ? WHERE id = ?`,
        ).run(
          changed.intervalSeconds,
          changed.description,
          changed.atsCode,
          changed.nextRunAt,
          now,
          changed.id,
        );
      }
      for (const id of plan.deletes) this.db.prepare("DELETE FROM schedules WHERE id = ?").run(id);
      return plan.report;
    });
  }

  /**
   * Queues a job for every active schedule that is due, and moves each to its next run. A
   * schedule whose last job has not finished skips this run (runs never pile up). Returns the
   * ids of the jobs queued.
   */
  tick(): string[] {
    const now = this.clock();
    return transaction(this.db, () => {
      const due = this.db.prepare(
        "SELECT * FROM schedules WHERE state = 'active' AND next_run_at <= ? ORDER BY next_run_at",
      ).all(now) as unknown as ScheduleRow[];
      const queued: string[] = [];
      for (const row of due) {
        const schedule = toSchedule(row);
        const next = nextRun(schedule.nextRunAt, schedule.intervalSeconds, now);
        const last = schedule.lastExecutionId ? this.jobs.get(schedule.lastExecutionId) : undefined;
        if (last && ["queued", "running", "paused"].includes(last.status)) {
          this.db.prepare("UPDATE schedules SET next_run_at = ? WHERE id = ?").run(
            next,
            schedule.id,
          );
          continue;
        }
        const job = this.jobs.enqueue({
          handlerName: schedule.handlerName,
          payload: schedule.payload,
          scheduleId: schedule.id,
        }, schedule.plugin);
        this.db.prepare(
          `UPDATE schedules SET next_run_at = ?, last_run_at = ?, last_execution_id = ?
           WHERE id = ?`,
        ).run(next, now, job.id, schedule.id);
        queued.push(job.id);
      }
      return queued;
    });
  }
}
