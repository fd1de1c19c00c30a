import type { PostgresJobs } from "../jobs/mod.ts";
import type { Logger } from "../plugin/mod.ts";

/**
 * How often a host offers to do the cluster's housekeeping (one host a round does it): a job
 * whose host died runs elsewhere within its lease and this.
 */
const ROUND_MS = 250;

/**
 * The housekeeping of hosts sharing PostgreSQL, done every quarter second by whichever host holds the
 * advisory lock: jobs whose host stopped renewing their lease go back to the queue (and the
 * hosts running their plugins hear of it). Returns the function that stops it.
 */
export function startClusterHousekeeping(jobs: PostgresJobs, logger: Logger): () => Promise<void> {
  let round: Promise<void> = Promise.resolve();
  let told = false;
  const timer = setInterval(() => {
    round = round.then(async () => {
      try {
        const requeued = await jobs.requeueExpired();
        told = false;
        if (requeued?.length) {
          logger.warn(
            `${requeued.length} jobs went back to the queue: their host stopped answering`,
            {
              jobs: requeued.slice(0, 20),
            },
          );
        }
      } catch (error) {
        // Said once per outage, not every round.
        if (!told) {
          logger.warn("the cluster's housekeeping could not reach the database", { error });
        }
        told = true;
      }
    });
  }, ROUND_MS);
  return async () => {
    clearInterval(timer);
    await round;
  };
}
