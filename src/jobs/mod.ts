/** The Pulse job queue: storage now; workers and schedules next. @module */
export { DEFAULT_LIST_LIMIT, JobError, JobStore } from "./job_store.ts";
