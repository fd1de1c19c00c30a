import type { DatabaseSync, SQLInputValue } from "node:sqlite";
import { ulid } from "../ats/mod.ts";
import { transaction } from "../store/mod.ts";
import { checkPayload, JobError } from "./job_record.ts";
import { pluginHandler } from "./job_owner.ts";
import type { JobStore } from "./job_store.ts";

const MAX_INTERVAL = 366 * 86_400;
const MAX_PAYLOAD = 1024 * 1024;

export type ScheduleState = "active" | "paused";

/** A recurring job: every `intervalSeconds`, a job of `handlerName` is queued. */
export interface Schedule {
  id: string;
  plugin: string;
  /** `<plugin>/<handler>`. */
  handlerName: string;
  intervalSeconds: number;
  payload: Uint8Array;
  metadata: Record<string, string>;
  description: string;
  atsCode: string;
  /** Declared by the plugin in Initialize (and kept in step with it), or made at run time. */
  declared: boolean;
  state: ScheduleState;
  /** Unix ms; always set. */
  nextRunAt: number;
  /** Unix ms; 0 before the first run. */
  lastRunAt: number;
  lastExecutionId: string;
  createdAt: number;
  updatedAt: number;
}

/** A schedule as a plugin declares it in `InitializeResponse`. */
export interface DeclaredSchedule {
  handlerName: string;
  intervalSeconds: number;
  enabledByDefault: boolean;
  description: string;
  atsCode: string;
}

/** What one initialize changed in a plugin's schedules. */
export interface SyncReport {
  created: string[];
  updated: string[];
  removed: string[];
  /** Declarations that were refused, each with its reason. */
  refused: string[];
}

interface Row {
  id: string;
  plugin: string;
  handler_name: string;
  interval_seconds: number;
  payload: Uint8Array;
  metadata: string;
  description: string;
  ats_code: string;
  declared: number;
  state: ScheduleState;
  next_run_at: number;
  last_run_at: number;
  last_execution_id: string;
  created_at: number;
  updated_at: number;
}

function toSchedule(row: Row): Schedule {
  return {
    id: row.id,
    plugin: row.plugin,
    handlerName: row.handler_name,
    intervalSeconds: row.interval_seconds,
    payload: row.payload,
    metadata: JSON.parse(row.metadata),
    description: row.description,
    atsCode: row.ats_code,
    declared: row.declared === 1,
    state: row.state,
    nextRunAt: row.next_run_at,
    lastRunAt: row.last_run_at,
    lastExecutionId: row.last_execution_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function checkInterval(seconds: number): number {
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_INTERVAL) {
    throw new JobError(
      `interval_seconds must be an integer from 1 to ${MAX_INTERVAL}, not ${seconds}`,
    );
  }
  return seconds;
}

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
    const row = this.db.prepare("SELECT * FROM schedules WHERE id = ?").get(id) as Row | undefined;
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
    return (rows as unknown as Row[]).map(toSchedule);
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
    const report: SyncReport = { created: [], updated: [], removed: [], refused: [] };
    const now = this.clock();
    const wanted = new Map<string, DeclaredSchedule & { interval: number }>();
    for (const declaration of declared) {
      try {
        const handler = pluginHandler(plugin, declaration.handlerName);
        const short = handler.slice(plugin.length + 1);
        if (!handlers.includes(short)) {
          throw new JobError(`"${short}" is not one of its job handlers`);
        }
        if (wanted.has(handler)) throw new JobError(`"${short}" is declared twice`);
        wanted.set(handler, {
          ...declaration,
          interval: checkInterval(declaration.intervalSeconds),
        });
      } catch (error) {
        report.refused.push(`${declaration.handlerName}: ${(error as Error).message}`);
      }
    }
    transaction(this.db, () => {
      const existing = new Map(
        this.list(plugin).filter((schedule) => schedule.declared).map((
          schedule,
        ) => [schedule.handlerName, schedule]),
      );
      for (const [handler, declaration] of wanted) {
        const current = existing.get(handler);
        if (!current) {
          this.db.prepare(
            `INSERT INTO schedules (id, plugin, handler_name, interval_seconds, payload,
               description, ats_code, declared, state, next_run_at, created_at, updated_at)
             VALUES (?, ?, ?, ?, X'', ?, ?, 1, ?, ?, ?, ?)`,
          ).run(
            `S${ulid()}`,
            plugin,
            handler,
            declaration.interval,
            declaration.description,
            declaration.atsCode,
            declaration.enabledByDefault ? "active" : "paused",
            now + declaration.interval * 1000,
            now,
            now,
          );
          report.created.push(handler);
          continue;
        }
        existing.delete(handler);
        if (
          current.intervalSeconds === declaration.interval &&
          current.description === declaration.description &&
          current.atsCode === declaration.atsCode
        ) continue;
        // A shorter interval brings the next run closer; a longer one never skips a due run.
        const next = Math.min(
          current.nextRunAt,
          (current.lastRunAt || now) + declaration.interval * 1000,
        );
        this.db.prepare(
          `UPDATE schedules SET interval_seconds = ?, description = ?, ats_code = ?,
             next_run_at = ?, updated_at = ? WHERE id = ?`,
        ).run(
          declaration.interval,
          declaration.description,
          declaration.atsCode,
          Math.max(1, next),
          now,
          current.id,
        );
        report.updated.push(handler);
      }
      for (const [handler, stale] of existing) {
        this.db.prepare("DELETE FROM schedules WHERE id = ?").run(stale.id);
        report.removed.push(handler);
      }
    });
    return report;
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
      ).all(now) as unknown as Row[];
      const queued: string[] = [];
      for (const row of due) {
        const schedule = toSchedule(row);
        const step = schedule.intervalSeconds * 1000;
        let next = schedule.nextRunAt + step;
        if (next <= now) next = now + step;
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
