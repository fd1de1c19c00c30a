import { JobError, type Schedule, type ScheduleStore } from "../jobs/mod.ts";
import type { Logger } from "../plugin/mod.ts";
import { schedule } from "../protocol/mod.ts";
import { guard } from "./guarded.ts";
import type { TokenOwners } from "./tokens.ts";

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
  };
}

/**
 * `ScheduleService` for plugin processes: a plugin makes, pauses, resumes, deletes and reads
 * its own schedules; another plugin's are refused by name. Every refusal is an answer with
 * `success=false` and the reason.
 */
export function scheduleService(
  store: ScheduleStore,
  tokens: TokenOwners,
  logger: Logger,
): schedule.ScheduleServiceServer {
  const guarded = guard(tokens, logger, "schedule service", (error) => error instanceof JobError);
  const refused = (error: string) => ({ success: false, error });
  const change = (work: (id: string, plugin: string) => void) =>
    guarded<schedule.ScheduleIdRequest, schedule.ScheduleResult>(refused, (request, caller) => {
      work(request.scheduleId, caller.plugin);
      return { success: true, error: "" };
    });
  return {
    createSchedule: guarded<schedule.CreateScheduleRequest, schedule.CreateScheduleResponse>(
      (error) => ({ success: false, error, scheduleId: "" }),
      (request, caller) => {
        const made = store.create(caller.plugin, {
          handlerName: request.handlerName,
          intervalSeconds: request.intervalSeconds,
          payload: request.payload,
          metadata: request.metadata,
        });
        return { success: true, error: "", scheduleId: made.id };
      },
    ),
    pauseSchedule: change((id, plugin) => store.setState(id, "paused", plugin)),
    resumeSchedule: change((id, plugin) => store.setState(id, "active", plugin)),
    deleteSchedule: change((id, plugin) => store.delete(id, plugin)),
    getSchedule: guarded<schedule.ScheduleIdRequest, schedule.GetScheduleResponse>(
      (error) => ({ success: false, error, job: undefined }),
      (request, caller) => ({
        success: true,
        error: "",
        job: toWireSchedule(store.owned(request.scheduleId, caller.plugin)),
      }),
    ),
  };
}
