/**
 * PostgreSQL shared by hosts (issue 18), on a throwaway local cluster: attestations written in
 * batches, and the queue's jobs taken and finished by two hosts with two takers each (the queue
 * alone, without plugins). Skipped, saying why, where no PostgreSQL binaries exist.
 */
import { checkCommand, PostgresAttestations } from "../src/ats/mod.ts";
import { PostgresJobs } from "../src/jobs/mod.ts";
import { migratePostgres, openPostgres, POSTGRES_MIGRATIONS } from "../src/store/mod.ts";
import { postgresBin, startCluster } from "../tests/_postgres.ts";
import type { Figure } from "./supervision.ts";

const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function postgresFigures(): Promise<Figure[]> {
  const found = await postgresBin();
  if ("missing" in found) {
    return [{ name: "PostgreSQL figures", value: `skipped: ${found.missing}`, target: "" }];
  }
  const cluster = await startCluster();
  const pools = [openPostgres(cluster.url, { max: 4 }), openPostgres(cluster.url, { max: 4 })];
  try {
    await migratePostgres(pools[0]!, POSTGRES_MIGRATIONS);
    const store = new PostgresAttestations(pools[0]!);
    const checked = checkCommand({
      subjects: ["s"],
      predicates: ["measured"],
      contexts: ["bench"],
      actors: ["bench"],
      attributes: { n: 1 },
    });
    if (!checked.ok) throw new Error(checked.problems.join());
    const batch = Array.from({ length: 10_000 }, (_, i) => ({
      ...checked.command,
      subjects: [`subject-${i}`],
    }));
    const rates: number[] = [];
    for (let round = 0; round < 10; round++) {
      const started = performance.now();
      await store.createMany(batch, { plugin: "bench", version: "1.0.0" });
      rates.push(batch.length / ((performance.now() - started) / 1000));
    }

    const hosts = [new PostgresJobs(pools[0]!, "host-a"), new PostgresJobs(pools[1]!, "host-b")];
    const jobRates: number[] = [];
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 2000; i += 500) {
        await Promise.all(
          Array.from({ length: 500 }, () => hosts[0]!.enqueue({ handlerName: "bio/gc" }, "bench")),
        );
      }
      const started = performance.now();
      let done = 0;
      const taker = async (host: PostgresJobs) => {
        for (;;) {
          const jobs = await host.take(["bio"], 10, 30_000);
          if (jobs.length === 0) return;
          await Promise.all(jobs.map((job) => host.finish(job.id, { error: "" })));
          done += jobs.length;
        }
      };
      await Promise.all([taker(hosts[0]!), taker(hosts[0]!), taker(hosts[1]!), taker(hosts[1]!)]);
      jobRates.push(done / ((performance.now() - started) / 1000));
    }
    return [
      {
        name: "attestations inserted per second on PostgreSQL, batches of 10k (median of 10)",
        value: `${Math.round(median(rates))}`,
        target: "≥ 20 000/s",
        check: { measured: median(rates), atLeast: 20_000 },
      },
      {
        name: "jobs taken and finished per second, two hosts × two takers, 10 a take (queue only)",
        value: `${Math.round(median(jobRates))}`,
        target: "≥ 2 000/s through plugins (to measure end to end)",
      },
    ];
  } finally {
    await Promise.all(pools.map((pool) => pool.end()));
    await cluster.stop();
  }
}
