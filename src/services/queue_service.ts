import {
  builtinHandlers,
  JobError,
  type JobQueue,
  owned,
  ownHandler,
  type StoredJob,
} from "../jobs/mod.ts";
import type { Logger } from "../plugin/mod.ts";
import { fromWireJob, queue, toWireJob } from "../protocol/mod.ts";
import { guard } from "./guarded.ts";
import { recorded, type RefusalSink, warnRefusals } from "./refusals.ts";
import type { Caller, TokenOwners } from "./tokens.ts";

export interface QueueServiceOptions {
  /** Bare names a plugin may not enqueue; by default the host's built-in handlers. */
  hostHandlers?: ReadonlySet<string>;
  /** Where refusals are recorded; by default a warning in `logger`. */
  refused?: RefusalSink;
}

/**
 * `QueueService` for plugin processes. The token decides the job's `source`, and a plugin
 * reaches only its own jobs (those whose handler is `<plugin>/…`, see `jobs/job_owner.ts`) and
 * enqueues only its own handlers. Another plugin's job gets the answer a missing job gets.
 * Refusals are answers with `success=false` and the reason (`invalid authentication token`
 * for a bad token); those that reached beyond the caller's own are recorded.
 */
export function queueService(
  store: JobQueue,
  tokens: TokenOwners,
  logger: Logger,
  options: QueueServiceOptions = {},
): queue.QueueServiceServer {
  const guarded = guard(tokens, logger, "job queue", (error) => error instanceof JobError);
  const sink = options.refused ?? warnRefusals(logger, "job queue");
  const hostHandlers = options.hostHandlers ?? builtinHandlers(store).names();
  const own = async (caller: Caller, what: string, id: string): Promise<StoredJob> =>
    owned(caller.plugin, `${what} "${id}"`, await store.get(id));
  return {
    enqueue: guarded<queue.EnqueueRequest, queue.EnqueueResponse>(
      (error) => ({ success: false, error, jobId: "" }),
      recorded(sink, async (request, caller) => {
        if (!request.job) return { success: false, error: "job is required", jobId: "" };
        const handlerName = ownHandler(
          caller.plugin,
          request.job.handlerName,
          "enqueue",
          hostHandlers,
        );
        if (request.job.parentJobId) await own(caller, "parent job", request.job.parentJobId);
        const job = await store.enqueue({
          id: request.job.id,
          handlerName,
          payload: request.job.payload,
          costEstimate: request.job.costEstimate,
          parentJobId: request.job.parentJobId,
        }, caller.plugin);
        return { success: true, error: "", jobId: job.id };
      }),
    ),
    getJob: guarded<queue.GetJobRequest, queue.GetJobResponse>(
      (error) => ({ success: false, error, job: undefined }),
      recorded(sink, async (request, caller) => ({
        success: true,
        error: "",
        job: toWireJob(await own(caller, "job", request.jobId)),
      })),
    ),
    updateJob: guarded<queue.UpdateJobRequest, queue.UpdateJobResponse>(
      (error) => ({ success: false, error }),
      recorded(sink, async (request, caller) => {
        if (!request.job) return { success: false, error: "job is required" };
        await own(caller, "job", request.job.id);
        // A job with no status is a progress report: its progress alone, in one call.
        if (request.job.status === "") {
          const { current = 0, total = 0 } = request.job.progress ?? {};
          await store.reportProgress(request.job.id, { current, total }, caller.plugin);
        } else await store.update(fromWireJob(request.job), caller.plugin);
        return { success: true, error: "" };
      }),
    ),
    listJobs: guarded<queue.ListJobsRequest, queue.ListJobsResponse>(
      (error) => ({ success: false, error, jobs: [] }),
      // The plugin is a condition of the query, so `limit` counts the caller's own jobs.
      async (request, caller) => ({
        success: true,
        error: "",
        jobs: (await store.list({
          status: request.status || undefined,
          plugin: caller.plugin,
          limit: request.limit,
        })).map(toWireJob),
      }),
    ),
  };
}
