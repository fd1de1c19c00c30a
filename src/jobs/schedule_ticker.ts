import type { Logger } from "../plugin/mod.ts";
import type { ScheduleBook } from "./schedule_book.ts";

/** Turns due schedules into jobs every `intervalMs`; returns the function that stops it. */
export function startScheduleTicker(
  schedules: ScheduleBook,
  intervalMs: number,
  logger: Logger,
): () => Promise<void> {
  let round: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    // One round at a time: a slow database never has two overlap.
    round = round.then(() => schedules.tick()).then(
      (queued) => {
        if (queued.length > 0) logger.debug("scheduled jobs queued", { jobs: queued });
      },
      (error) => {
        logger.error("turning due schedules into jobs failed; trying again next tick", { error });
      },
    );
  }, intervalMs);
  return async () => {
    clearInterval(timer);
    await round;
  };
}
