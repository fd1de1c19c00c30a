import { promised } from "../async/mod.ts";
import type { DeclaredSchedule, Schedule, ScheduleState, SyncReport } from "./schedule_record.ts";
import type { ScheduleStore } from "./schedule_store.ts";

/** What a plugin asks for when it makes a schedule at run time. */
export interface ScheduleRequest {
  handlerName: string;
  intervalSeconds: number;
  payload?: Uint8Array;
  metadata?: Record<string, string>;
}

/**
 * The schedules as every part of the host uses them, whatever keeps them: one host's SQLite
 * file ({@link sqliteSchedules}) or PostgreSQL shared by several (`PostgresSchedules`, where
 * each due time fires once across the hosts).
 */
export interface ScheduleBook {
  /** Makes a schedule for `plugin` at run time; its first run is one interval from now. */
  create(plugin: string, request: ScheduleRequest): Promise<Schedule>;
  get(id: string): Promise<Schedule | undefined>;
  /** Every schedule, or one plugin's, in the order they were made. */
  list(plugin?: string): Promise<Schedule[]>;
  /** Pauses or resumes; with `owner`, only that plugin's schedule. */
  setState(id: string, state: ScheduleState, owner?: string): Promise<Schedule>;
  delete(id: string, owner?: string): Promise<void>;
  /** Makes `plugin`'s declared schedules what it declared now (see `planSync`). */
  sync(
    plugin: string,
    declared: readonly DeclaredSchedule[],
    handlers: readonly string[],
  ): Promise<SyncReport>;
  /** Queues a job for each due schedule (skipped while its last job is unfinished); their ids. */
  tick(): Promise<string[]>;
}

/** The schedules of one host, in its SQLite file. */
export function sqliteSchedules(store: ScheduleStore): ScheduleBook {
  const now = promised;
  return {
    create: (plugin, request) => now(() => store.create(plugin, request)),
    get: (id) => now(() => store.get(id)),
    list: (plugin) => now(() => store.list(plugin)),
    setState: (id, state, owner) => now(() => store.setState(id, state, owner)),
    delete: (id, owner) => now(() => store.delete(id, owner)),
    sync: (plugin, declared, handlers) => now(() => store.sync(plugin, declared, handlers)),
    tick: () => now(() => store.tick()),
  };
}
