/** The Pulse job queue: storage, workers, host handlers and schedules. @module */
export { JobStore } from "./job_store.ts";
export { type JobQueue, sqliteQueue } from "./job_queue.ts";
export {
  DEFAULT_LIST_LIMIT,
  hostLog,
  JobError,
  type JobFilter,
  type JobLogEntry,
  type JobOutcome,
  type JobRequest,
  type StoredJob,
} from "./job_record.ts";
export { owned, ownHandler, pluginOf, Refusal } from "./job_owner.ts";
export {
  type JobAnswer,
  type JobCall,
  type JobTarget,
  WorkerPool,
  type WorkerPoolOptions,
  type WorkerStats,
} from "./worker_pool.ts";
export {
  builtinHandlers,
  HostHandlers,
  type HostJobContext,
  type HostJobHandler,
} from "./host_handlers.ts";
export { ScheduleStore } from "./schedule_store.ts";
export {
  type DeclaredSchedule,
  planSync,
  type Schedule,
  type ScheduleState,
  type SyncReport,
} from "./schedule_record.ts";
export { startScheduleTicker } from "./schedule_ticker.ts";
export { localQueue } from "./local_queue.ts";
export {
  type WatcherDeclaration,
  watcherMatches,
  watcherProblem,
  WatcherRegistry,
  type WatcherView,
} from "./watchers.ts";
export { PostgresJobs } from "./postgres_jobs.ts";
export { JOBS_CHANNEL } from "./postgres_job_rows.ts";
export { PostgresSchedules } from "./postgres_schedules.ts";
export { type ScheduleBook, type ScheduleRequest, sqliteSchedules } from "./schedule_book.ts";
