import { hostLog, type JobLogEntry } from "./job_record.ts";
import type { JobQueue } from "./job_queue.ts";
import type { JobAnswer, JobCall } from "./worker_pool.ts";

/** What a host handler gets besides its payload. */
export interface HostJobContext {
  jobId: string;
  /** Aborts at the job's deadline, on cancel, or when the host stops. */
  signal: AbortSignal;
  log(level: string, message: string): void;
}

/** A job the host itself runs; the answer is sent back as JSON. */
export type HostJobHandler = (
  payload: unknown,
  context: HostJobContext,
) => unknown | Promise<unknown>;

const encoder = new TextEncoder();

/**
 * Job handlers of the host itself, named without a `<plugin>/` prefix. They run on the same
 * workers, deadlines and retries as plugin jobs.
 */
export class HostHandlers {
  readonly #handlers = new Map<string, HostJobHandler>();

  register(name: string, handler: HostJobHandler): void {
    if (name.includes("/")) throw new Error(`a host handler's name has no "/": "${name}"`);
    if (this.#handlers.has(name)) throw new Error(`host handler "${name}" is registered twice`);
    this.#handlers.set(name, handler);
  }

  names(): ReadonlySet<string> {
    return new Set(this.#handlers.keys());
  }

  async run(call: JobCall, signal: AbortSignal): Promise<JobAnswer> {
    const logEntries: JobLogEntry[] = [];
    const answer: JobAnswer = {
      success: false,
      error: "",
      result: new Uint8Array(),
      progressCurrent: 0,
      progressTotal: 0,
      costActual: 0,
      logEntries,
      pluginVersion: "",
      retryable: false,
    };
    const handler = this.#handlers.get(call.handlerName);
    if (!handler) {
      answer.error = `the host has no job handler "${call.handlerName}"`;
      return answer;
    }
    try {
      const payload = call.payload.byteLength > 0
        ? JSON.parse(new TextDecoder().decode(call.payload))
        : null;
      const result = await handler(payload, {
        jobId: call.jobId,
        signal,
        log: (level, message) => logEntries.push(hostLog(level, message, call.handlerName)),
      });
      answer.success = true;
      if (result !== undefined) answer.result = encoder.encode(JSON.stringify(result));
    } catch (error) {
      answer.error = error instanceof Error ? error.message : String(error);
    }
    return answer;
  }
}

/**
 * The host's own jobs: `prune-jobs` deletes finished jobs older than `days` (default 30), with
 * their log entries.
 */
export function builtinHandlers(jobs: JobQueue): HostHandlers {
  const handlers = new HostHandlers();
  handlers.register("prune-jobs", async (payload, context) => {
    const days = (payload as { days?: unknown } | null)?.days ?? 30;
    if (typeof days !== "number" || !(days >= 0)) {
      throw new Error(`"days" must be a number of 0 or more, not ${JSON.stringify(days)}`);
    }
    const deleted = await jobs.prune(Math.floor(jobs.clock() / 1000 - days * 86_400));
    context.log("info", `deleted ${deleted} finished jobs older than ${days} days`);
    return { deleted };
  });
  return handlers;
}
