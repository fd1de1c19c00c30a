import type * as grpc from "@grpc/grpc-js";
import { JobError, type JobStore } from "../jobs/mod.ts";
import type { Job, JobStatus, Logger } from "../plugin/mod.ts";
import { queue } from "../protocol/mod.ts";
import { INVALID_TOKEN, type TokenOwners } from "./tokens.ts";

/** A job on the wire. */
export function toWireJob(job: Job): queue.Job {
  return queue.Job.fromPartial({
    id: job.id,
    handlerName: job.handlerName,
    payload: job.payload,
    source: job.source,
    status: job.status,
    progress: job.progress,
    costEstimate: job.costEstimate,
    costActual: job.costActual,
    error: job.error,
    parentJobId: job.parentJobId,
    retryCount: job.retryCount,
    createdAt: BigInt(job.createdAt),
    startedAt: BigInt(job.startedAt),
    completedAt: BigInt(job.completedAt),
  });
}

function fromWireJob(job: queue.Job): Job {
  return {
    id: job.id,
    handlerName: job.handlerName,
    payload: job.payload,
    source: job.source,
    status: job.status as JobStatus,
    progress: { current: job.progress?.current ?? 0, total: job.progress?.total ?? 0 },
    costEstimate: job.costEstimate,
    costActual: job.costActual,
    error: job.error,
    parentJobId: job.parentJobId,
    retryCount: job.retryCount,
    createdAt: Number(job.createdAt),
    startedAt: Number(job.startedAt),
    completedAt: Number(job.completedAt),
  };
}

/**
 * `QueueService` for plugin processes. The token decides the job's `source`; refusals are
 * answers with `success=false` and the reason (`invalid authentication token` for a bad token).
 */
export function queueService(
  store: JobStore,
  tokens: TokenOwners,
  logger: Logger,
): queue.QueueServiceServer {
  function guarded<
    Req extends { authToken: string },
    Res extends { success: boolean; error: string },
  >(
    refused: (error: string) => Res,
    work: (request: Req, plugin: string) => Res,
  ): grpc.handleUnaryCall<Req, Res> {
    return (call, callback) => {
      const caller = tokens.owner(call.request.authToken);
      if (!caller) return callback(null, refused(INVALID_TOKEN));
      try {
        callback(null, work(call.request, caller.plugin));
      } catch (error) {
        if (!(error instanceof JobError)) {
          logger.error("queue call failed", { plugin: caller.plugin, error });
        }
        callback(null, refused((error as Error).message));
      }
    };
  }
  return {
    enqueue: guarded<queue.EnqueueRequest, queue.EnqueueResponse>(
      (error) => ({ success: false, error, jobId: "" }),
      (request, plugin) => {
        if (!request.job) return { success: false, error: "job is required", jobId: "" };
        const job = store.enqueue({
          id: request.job.id,
          handlerName: request.job.handlerName,
          payload: request.job.payload,
          costEstimate: request.job.costEstimate,
          parentJobId: request.job.parentJobId,
        }, plugin);
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
      (request, plugin) => {
        if (!request.job) return { success: false, error: "job is required" };
        store.update(fromWireJob(request.job), plugin);
        return { success: true, error: "" };
      },
    ),
    listJobs: guarded<queue.ListJobsRequest, queue.ListJobsResponse>(
      (error) => ({ success: false, error, jobs: [] }),
      (request) => ({
        success: true,
        error: "",
        jobs: store.list(request.status || undefined, request.limit).map(toWireJob),
      }),
    ),
  };
}
