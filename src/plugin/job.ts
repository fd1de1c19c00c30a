/** The statuses of a Pulse job. */
export const JOB_STATUSES = [
  "queued",
  "running",
  "paused",
  "completed",
  "failed",
  "cancelled",
] as const;

/** Where a Pulse job is in its life; `completed`, `failed` and `cancelled` are final. */
export type JobStatus = typeof JOB_STATUSES[number];

/** An async job of the Pulse queue; handlers of plugin `p` are named `p/<handler>`. */
export interface Job {
  /** The job's id, unique in the queue. */
  id: string;
  /** The handler that runs it: `<plugin>/<handler>` for a plugin's handler. */
  handlerName: string;
  /** The input given to the handler, JSON as UTF-8 bytes; empty for none. */
  payload: Uint8Array;
  /** Who enqueued it: a plugin's name, `host` for a watcher, `api` for the operator. */
  source: string;
  /** Where the job is in its life. */
  status: JobStatus;
  /** Work done out of work to do, in the handler's own units; both 0 until reported. */
  progress: { current: number; total: number };
  /** The cost the enqueuer expects; 0 when not given. */
  costEstimate: number;
  /** The cost the handler reported while it ran. */
  costActual: number;
  /** Why the job failed; empty otherwise. */
  error: string;
  /** The job that enqueued this one; empty when none. */
  parentJobId: string;
  /** How many times the job has been retried. */
  retryCount: number;
  /** When it was enqueued, Unix seconds. */
  createdAt: number;
  /** When it started running, Unix seconds; 0 when not yet reached. */
  startedAt: number;
  /** When it reached a final status, Unix seconds; 0 when not yet reached. */
  completedAt: number;
}

/** What a caller gives to enqueue a job; the host fills in the rest. */
export type NewJob =
  & Pick<Job, "handlerName">
  & Partial<Pick<Job, "id" | "payload" | "source" | "costEstimate" | "parentJobId">>;

/** The host's job queue, as a plugin sees it. */
export interface QueueService {
  /** Queues a job and returns its id (the one given, or one the host makes up). */
  enqueue(job: NewJob): Promise<string>;
  /**
   * The job with this id. When there is none the host's queue rejects (an in-process queue gives
   * undefined); a plugin process reaches only its own jobs, and another's counts as none.
   */
  getJob(id: string): Promise<Job | undefined>;
  /**
   * Writes the job's status, progress, actual cost and error. Only the plugin that enqueued it or
   * runs it may; a job in a final status cannot change status.
   */
  updateJob(job: Job): Promise<void>;
  /**
   * Jobs in `status` (any when undefined), oldest first, at most `limit` (capped at 1000). A plugin
   * process lists only its own jobs.
   */
  listJobs(status: JobStatus | undefined, limit: number): Promise<Job[]>;
}
