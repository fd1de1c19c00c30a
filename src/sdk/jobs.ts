import type { domain } from "../protocol/wire.ts";
import {
  type JobContext,
  type JobHandler,
  type PluginContext,
  RetryableError,
} from "./definition.ts";
import { describeThrown } from "./thrown.ts";
import { permissionDenial } from "./permission_denial.ts";

const encoder = new TextEncoder();

/**
 * Runs one `ExecuteJob` call: finds the handler by its own name (the host strips the
 * `<plugin>/` prefix of queued jobs, as QNTX's host does), decodes the JSON payload, aborts the
 * handler's signal at `timeout_secs` (the host's deadline for the job, which the call carries
 * too) or when the host cancels, and reports progress, cost, logs and the JSON result. A
 * failure is an answer (`success=false`), never a broken call.
 */
export async function executeJob(
  request: domain.ExecuteJobRequest,
  handlers: Record<string, JobHandler>,
  context: PluginContext,
  cancelled?: AbortSignal,
  reportProgress: ProgressSender = readThenUpdate(context),
): Promise<domain.ExecuteJobResponse> {
  const response: domain.ExecuteJobResponse = {
    success: false,
    error: "",
    result: new Uint8Array(),
    progressCurrent: 0,
    progressTotal: 0,
    costActual: 0,
    logEntries: [],
    pluginVersion: context.metadata.version,
    retryable: false,
  };
  const name = request.handlerName;
  const handler = Object.hasOwn(handlers, name) ? handlers[name] : undefined;
  if (!handler) {
    response.error = `plugin "${context.metadata.name}" has no job handler "${name}"` +
      ` (it has: ${Object.keys(handlers).join(", ") || "none"})`;
    return response;
  }
  let payload: unknown = null;
  try {
    payload = request.payload.length > 0
      ? JSON.parse(new TextDecoder().decode(request.payload))
      : null;
  } catch (error) {
    response.error = `job ${request.jobId}: the payload is not JSON: ${(error as Error).message}`;
    return response;
  }

  const signals = [context.signal, ...(cancelled ? [cancelled] : [])];
  if (request.timeoutSecs !== undefined && request.timeoutSecs > 0n) {
    signals.push(AbortSignal.timeout(Number(request.timeoutSecs) * 1000));
  }
  const signal = AbortSignal.any(signals);
  const reporter = new ProgressReporter(context, request.jobId, reportProgress);
  const job: JobContext = {
    ...context,
    jobId: request.jobId,
    signal,
    progress(current, total) {
      response.progressCurrent = Math.trunc(current);
      response.progressTotal = Math.trunc(total);
      reporter.report(response.progressCurrent, response.progressTotal);
    },
    cost(amount) {
      response.costActual += amount;
    },
    log(level, message, stage = "") {
      response.logEntries.push({
        timestamp: new Date().toISOString(),
        level,
        message,
        stage,
        metadata: "",
      });
    },
  };
  try {
    const aborted = new Promise<never>((_, reject) => {
      if (signal.aborted) reject(signal.reason);
      signal.addEventListener("abort", () => reject(signal.reason), { once: true });
    });
    aborted.catch(() => {});
    const result = await Promise.race([Promise.resolve(handler(payload, job)), aborted]);
    // Encoded first: a result JSON cannot hold (a BigInt, a cycle) fails the job, not its result.
    response.result = result === undefined
      ? new Uint8Array()
      : encoder.encode(JSON.stringify(result));
    response.success = true;
  } catch (error) {
    const plugin = context.metadata.name;
    const denied = permissionDenial(error, plugin);
    response.error = denied?.detail ?? (error instanceof Error ? error.message : String(error));
    response.retryable = error instanceof RetryableError;
    // Where it broke, for the job's log (the operator's view) and the plugin's (with the stack).
    job.log("error", describeThrown(error, undefined, plugin), "failed");
    if (!signal.aborted) {
      context.logger.error(
        `job ${request.jobId} (${request.handlerName}) failed: ${
          describeThrown(error, undefined, plugin)
        }`,
        { error },
      );
    }
  } finally {
    reporter.stop();
  }
  return response;
}

const REPORT_EVERY_MS = 500;

/** Sends one progress report of a running job to the host. */
export type ProgressSender = (
  jobId: string,
  progress: { current: number; total: number },
) => Promise<void>;

/** For a queue that has no one-call report (an in-process one): read, then write back. */
function readThenUpdate(context: PluginContext): ProgressSender {
  return async (jobId, progress) => {
    const job = await context.queue.getJob(jobId);
    if (job && job.status === "running") await context.queue.updateJob({ ...job, progress });
  };
}

/**
 * Sends a running job's progress to the host's queue while it runs, at most every half second,
 * so operators see it move; the final figures travel in the answer. A failed report is only
 * logged: the job goes on.
 */
class ProgressReporter {
  #last = 0;
  #timer?: ReturnType<typeof setTimeout>;
  #pending?: { current: number; total: number };
  #stopped = false;

  constructor(
    readonly context: PluginContext,
    readonly jobId: string,
    readonly send: ProgressSender,
  ) {}

  report(current: number, total: number): void {
    if (this.#stopped || this.jobId === "") return;
    this.#pending = { current, total };
    if (this.#timer !== undefined) return;
    const wait = Math.max(0, this.#last + REPORT_EVERY_MS - Date.now());
    this.#timer = setTimeout(() => this.#send(), wait);
  }

  async #send(): Promise<void> {
    this.#timer = undefined;
    const progress = this.#pending;
    if (this.#stopped || !progress) return;
    this.#last = Date.now();
    try {
      await this.send(this.jobId, progress);
    } catch (error) {
      this.context.logger.debug("could not report a job's progress", {
        job: this.jobId,
        error: (error as Error).message,
      });
    }
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }
}
