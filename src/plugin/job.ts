/** The statuses of a Pulse job. */
export const JOB_STATUSES = [
  "queued",
  "running",
  "paused",
  "completed",
  "failed",
  "cancelled",
] as const;

export type JobStatus = typeof JOB_STATUSES[number];

/** An async job of the Pulse queue; handlers of plugin `p` are named `p/<handler>`. */
export interface Job {
  id: string;
  handlerName: string;
  payload: Uint8Array;
  source: string;
  status: JobStatus;
  progress: { current: number; total: number };
  costEstimate: number;
  costActual: number;
  error: string;
  parentJobId: string;
  retryCount: number;
  /** Unix seconds; 0 when not yet reached. */
  createdAt: number;
  startedAt: number;
  completedAt: number;
}

/** What a caller gives to enqueue a job; the host fills in the rest. */
export type NewJob =
  & Pick<Job, "handlerName">
  & Partial<Pick<Job, "id" | "payload" | "source" | "costEstimate" | "parentJobId">>;

/** The host's job queue, as a plugin sees it. */
export interface QueueService {
  enqueue(job: NewJob): Promise<string>;
  getJob(id: string): Promise<Job | undefined>;
  updateJob(job: Job): Promise<void>;
  listJobs(status: JobStatus | undefined, limit: number): Promise<Job[]>;
}
