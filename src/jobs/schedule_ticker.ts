import type { Logger } from "../plugin/mod.ts";
import type { ScheduleStore } from "./schedule_store.ts";

/** Turns due schedules into jobs every `intervalMs`; returns the function that stops it. */
export function startScheduleTicker(
  schedules: ScheduleStore,
  intervalMs: number,
  logger: Logger,
): () => void {
  const timer = setInterval(() => {
    try {
      const queued = schedules.tick();
      if (queued.length > 0) logger.debug("scheduled jobs queued", { jobs: queued });
    } catch (error) {
      logger.error("turning due schedules into jobs failed; trying again next tick", { error });
    }
  }, intervalMs);
  return () => clearInterval(timer);
}
