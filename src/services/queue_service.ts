import { JobError, type JobStore } from "../jobs/mod.ts";
import type { Logger } from "../plugin/mod.ts";
import { fromWireJob, queue, toWireJob } from "../protocol/mod.ts";
import { guard } from "./guarded.ts";
import type { TokenOwners } from "./tokens.ts";

/**
 * `QueueService` for plugin processes. The token decides the job's `source`; refusals are
 * answers with `success=false` and the reason (`invalid authentication token` for a bad token).
 */
export function queueService(
  store: JobStore,
  tokens: TokenOwners,
  logger: Logger,
): queue.QueueServiceServer {
  const guarded = guard(tokens, logger, "job queue", (error) => error instanceof JobError);
  return {
    enqueue: guarded<queue.EnqueueRequest, queue.EnqueueResponse>(
      (error) => ({ success: false, error, jobId: "" }),
      (request, caller) => {
        if (!request.job) return { success: false, error: "job is required", jobId: "" };
        const job = store.enqueue({
          id: request.job.id,
          handlerName: request.job.handlerName,
          payload: request.job.payload,
          costEstimate: request.job.costEstimate,
          parentJobId: request.job.parentJobId,
        }, caller.plugin);
        return { success: true, error: "", jobId: job.id };
      },
    ),
    getJob: guarded<queue.GetJobRequest, queue.GetJobResponse>(
      (error) => ({ success: false, error, job: undefined }),
      (request) => {
        const job = store.get(request.jobId);
        return job
          ? { success: true, error: "", job: toWireJob(job) }
          : { success: false, error: `job "${request.jobId}" does not exist`, job: undefined };
      },
    ),
    updateJob: guarded<queue.UpdateJobRequest, queue.UpdateJobResponse>(
      (error) => ({ success: false, error }),
      (request, caller) => {
        if (!request.job) return { success: false, error: "job is required" };
        store.update(fromWireJob(request.job), caller.plugin);
        return { success: true, error: "" };
      },
    ),
    listJobs: guarded<queue.ListJobsRequest, queue.ListJobsResponse>(
      (error) => ({ success: false, error, jobs: [] }),
      (request) => ({
        success: true,
        error: "",
        jobs: store.list({ status: request.status || undefined, limit: request.limit }).map(
          toWireJob,
        ),
      }),
    ),
  };
}
