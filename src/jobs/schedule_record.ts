/** A Pulse schedule as every engine keeps it, and the rules both apply. */
import { ulid } from "../ats/mod.ts";
import { JobError } from "./job_record.ts";
import { pluginHandler } from "./job_owner.ts";

export const MAX_INTERVAL = 366 * 86_400;
export const MAX_PAYLOAD = 1024 * 1024;

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

/** A row of the schedules table: SQLite's integers, or PostgreSQL's booleans and BIGINT text. */
export interface ScheduleRow {
  id: string;
  plugin: string;
  handler_name: string;
  interval_seconds: number;
  payload: Uint8Array;
  metadata: string;
  description: string;
  ats_code: string;
  declared: number | boolean;
  state: ScheduleState;
  next_run_at: number | string;
  last_run_at: number | string;
  last_execution_id: string;
  created_at: number | string;
  updated_at: number | string;
}

export function toSchedule(row: ScheduleRow): Schedule {
  return {
    id: row.id,
    plugin: row.plugin,
    handlerName: row.handler_name,
    intervalSeconds: row.interval_seconds,
    payload: row.payload,
    metadata: JSON.parse(row.metadata),
    description: row.description,
    atsCode: row.ats_code,
    declared: row.declared === 1 || row.declared === true,
    state: row.state,
    nextRunAt: Number(row.next_run_at),
    lastRunAt: Number(row.last_run_at),
    lastExecutionId: row.last_execution_id,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
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

export function checkInterval(seconds: number): number {
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_INTERVAL) {
    throw new JobError(
      `interval_seconds must be an integer from 1 to ${MAX_INTERVAL}, not ${seconds}`,
    );
  }
  return seconds;
}

/** What a plugin's declared schedules need done in the store: made, changed, removed. */
export interface SyncPlan {
  inserts: Pick<
    Schedule,
    "id" | "handlerName" | "intervalSeconds" | "description" | "atsCode" | "state" | "nextRunAt"
  >[];
  updates: Pick<Schedule, "id" | "intervalSeconds" | "description" | "atsCode" | "nextRunAt">[];
  deletes: string[];
  report: SyncReport;
}

/**
 * Makes `plugin`'s declared schedules what it declared now, against those it has (`existing`,
 * every schedule of the plugin): new ones created (paused when not enabled by default), changed
 * ones updated (an operator's pause is kept), the rest removed. An empty list removes them all.
 * Schedules made at run time are left alone.
 */
export function planSync(
  plugin: string,
  declared: readonly DeclaredSchedule[],
  handlers: readonly string[],
  existing: readonly Schedule[],
  now: number,
): SyncPlan {
  const plan: SyncPlan = {
    inserts: [],
    updates: [],
    deletes: [],
    report: { created: [], updated: [], removed: [], refused: [] },
  };
  const wanted = new Map<string, DeclaredSchedule & { interval: number }>();
  for (const declaration of declared) {
    try {
      const handler = pluginHandler(plugin, declaration.handlerName);
      const short = handler.slice(plugin.length + 1);
      if (!handlers.includes(short)) {
        throw new JobError(`"${short}" is not one of its job handlers`);
      }
      if (wanted.has(handler)) throw new JobError(`"${short}" is declared twice`);
      wanted.set(handler, { ...declaration, interval: checkInterval(declaration.intervalSeconds) });
    } catch (error) {
      plan.report.refused.push(`${declaration.handlerName}: ${(error as Error).message}`);
    }
  }
  const had = new Map(
    existing.filter((schedule) => schedule.declared).map((schedule) => [
      schedule.handlerName,
      schedule,
    ]),
  );
  for (const [handler, declaration] of wanted) {
    const current = had.get(handler);
    const fields = {
      intervalSeconds: declaration.interval,
      description: declaration.description,
      atsCode: declaration.atsCode,
    };
    if (!current) {
      plan.inserts.push({
        id: `S${ulid()}`,
        handlerName: handler,
        ...fields,
        state: declaration.enabledByDefault ? "active" : "paused",
        nextRunAt: now + declaration.interval * 1000,
      });
      plan.report.created.push(handler);
      continue;
    }
    had.delete(handler);
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
    plan.updates.push({ id: current.id, ...fields, nextRunAt: Math.max(1, next) });
    plan.report.updated.push(handler);
  }
  for (const [handler, stale] of had) {
    plan.deletes.push(stale.id);
    plan.report.removed.push(handler);
  }
  return plan;
}

/** When a schedule due at `due` (every `intervalSeconds`) runs next, seen at `now`: in step. */
export function nextRun(due: number, intervalSeconds: number, now: number): number {
  const step = intervalSeconds * 1000;
  const next = due + step;
  return next <= now ? now + step : next;
}
