import type { Job, JobStatus, NewJob, QueueService } from "../plugin/mod.ts";
import type { JobStore } from "./job_store.ts";

/**
 * The job queue for code inside the host (in-process plugins, host handlers): the same store
 * the workers and the gRPC service use, with `source` the name given here.
 */
export function localQueue(store: JobStore, source: string): QueueService {
  return {
    enqueue: (job: NewJob) => Promise.resolve().then(() => store.enqueue(job, source).id),
    getJob: (id: string) => Promise.resolve().then(() => store.get(id)),
    updateJob: (job: Job) => Promise.resolve().then(() => void store.update(job, source)),
    listJobs: (status: JobStatus | undefined, limit: number) =>
      Promise.resolve().then(() => store.list({ status, limit })),
  };
}
