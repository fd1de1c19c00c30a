import type { Job, JobStatus, NewJob, QueueService } from "../plugin/mod.ts";
import type { JobQueue } from "./job_queue.ts";

/**
 * The job queue for code inside the host (in-process plugins, host handlers): the same store
 * the workers and the gRPC service use, with `source` the name given here.
 */
export function localQueue(store: JobQueue, source: string): QueueService {
  return {
    enqueue: async (job: NewJob) => (await store.enqueue(job, source)).id,
    getJob: (id: string) => store.get(id),
    updateJob: async (job: Job) => void await store.update(job, source),
    listJobs: (status: JobStatus | undefined, limit: number) => store.list({ status, limit }),
  };
}
