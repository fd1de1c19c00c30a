import { JobError, owned, ownHandler, type Schedule, type ScheduleBook } from "../jobs/mod.ts";
import type { Logger } from "../plugin/mod.ts";
import { schedule } from "../protocol/mod.ts";
import { guard } from "./guarded.ts";
import { recorded, type RefusalSink, warnRefusals } from "./refusals.ts";
import type { Caller, TokenOwners } from "./tokens.ts";

function rfc3339(ms: number): string {
  return ms > 0 ? new Date(ms).toISOString() : "";
}

/** A schedule on the wire (times in RFC 3339). */
export function toWireSchedule(value: Schedule): schedule.ScheduledJob {
  return {
    id: value.id,
    handlerName: value.handlerName,
    payload: value.payload,
    intervalSeconds: value.intervalSeconds,
    nextRunAt: rfc3339(value.nextRunAt),
    lastRunAt: rfc3339(value.lastRunAt),
    lastExecutionId: value.lastExecutionId,
    state: value.state,
    metadata: JSON.stringify(value.metadata),
    createdAt: rfc3339(value.createdAt),
    updatedAt: rfc3339(value.updatedAt),
    // QNTX's fields for schedules made from Ax code, a URL or a document: none are, here.
    atsCode: "",
    sourceUrl: "",
    createdFromDoc: "",
  };
}

export interface ScheduleServiceOptions {
  /** Where refusals are recorded; by default a warning in `logger`. */
  refused?: RefusalSink;
}

/**
 * `ScheduleService` for plugin processes: a plugin makes, pauses, resumes, deletes and reads
 * its own schedules, for its own handlers. Another plugin's schedule gets the answer a missing
 * one gets, and the attempt is recorded. Every refusal is an answer with `success=false` and
 * the reason.
 */
export function scheduleService(
  store: ScheduleBook,
  tokens: TokenOwners,
  logger: Logger,
  options: ScheduleServiceOptions = {},
): schedule.ScheduleServiceServer {
  const guarded = guard(tokens, logger, "schedule service", (error) => error instanceof JobError);
  const sink = options.refused ?? warnRefusals(logger, "schedule service");
  const own = async (caller: Caller, id: string): Promise<Schedule> =>
    owned(caller.plugin, `schedule "${id}"`, await store.get(id));
  const refused = (error: string) => ({ success: false, error });
  const change = (work: (id: string, plugin: string) => Promise<unknown>) =>
    guarded<schedule.PauseScheduleRequest, schedule.PauseScheduleResponse>(
      refused,
      recorded(sink, async (request, caller) => {
        await own(caller, request.scheduleId);
        await work(request.scheduleId, caller.plugin);
        return { success: true, error: "" };
      }),
    );
  return {
    createSchedule: guarded<schedule.CreateScheduleRequest, schedule.CreateScheduleResponse>(
      (error) => ({ success: false, error, scheduleId: "" }),
      recorded(sink, async (request, caller) => {
        // A bare name has always meant the plugin's own handler here, so no host names apply.
        const handlerName = ownHandler(caller.plugin, request.handlerName, "schedule");
        const made = await store.create(caller.plugin, {
          handlerName,
          intervalSeconds: request.intervalSeconds,
          payload: request.payload,
          metadata: request.metadata,
        });
        return { success: true, error: "", scheduleId: made.id };
      }),
    ),
    pauseSchedule: change((id, plugin) => store.setState(id, "paused", plugin)),
    resumeSchedule: change((id, plugin) => store.setState(id, "active", plugin)),
    deleteSchedule: change((id, plugin) => store.delete(id, plugin)),
    getSchedule: guarded<schedule.GetScheduleRequest, schedule.GetScheduleResponse>(
      (error) => ({ success: false, error, job: undefined }),
      recorded(sink, async (request, caller) => ({
        success: true,
        error: "",
        job: toWireSchedule(await own(caller, request.scheduleId)),
      })),
    ),
  };
}
