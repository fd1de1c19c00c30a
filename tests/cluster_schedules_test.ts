/**
 * Schedules and watchers with three real hosts that run the same plugin on one PostgreSQL: a
 * declared schedule is one schedule, and each of its due times is one job; an attestation made
 * through a fourth host that runs no plugin is one job for the watcher that matches it.
 */
import assert from "node:assert/strict";
import { skipPostgres, startCluster } from "./_postgres.ts";
import { startTestHost, type TestHost, waitForState } from "./_in_process_host.ts";

type Job = { id: string; handlerName: string; status: string; scheduleId: string | null };

async function jobs(host: TestHost, handler: string): Promise<Job[]> {
  const page = await (await fetch(
    new URL("/api/pulse/jobs?plugin=worker&limit=1000", host.host.url),
  )).json();
  return page.jobs.filter((job: Job) => job.handlerName === handler);
}

Deno.test({
  name: "three hosts running one plugin: each due time of its schedule and each watched " +
    "attestation is one job",
  ignore: skipPostgres,
  async fn() {
    const cluster = await startCluster();
    const shared = `\n[database]\nurl = ${JSON.stringify(cluster.url)}\n`;
    const hosts: TestHost[] = [];
    try {
      for (let i = 0; i < 3; i++) hosts.push(await startTestHost(["worker"], shared));
      const front = await startTestHost([], shared);
      hosts.push(front);
      for (const host of hosts.slice(0, 3)) {
        await waitForState(host.host.registry, "worker", "running");
      }
      // One schedule, whichever host is asked (each host saves its plugin's declarations just
      // after the plugin runs).
      const list = () =>
        Promise.all(
          hosts.map(async (host) =>
            (await (await fetch(new URL("/api/pulse/schedules?plugin=worker", host.host.url)))
              .json()).schedules.map((s: { id: string; handlerName: string }) => s.handlerName)
          ),
        );
      const deadline = Date.now() + 5_000;
      let listed = await list();
      while (listed.some((names) => names.length === 0) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        listed = await list();
      }
      for (const names of listed) assert.deepEqual(names, ["worker/tick"]);

      // Every second for four seconds: three hosts ticking would make about twelve jobs.
      const from = (await jobs(front, "worker/tick")).length;
      const started = Date.now();
      await new Promise((resolve) => setTimeout(resolve, 4_000));
      const ticks = (await jobs(front, "worker/tick")).length - from;
      const seconds = (Date.now() - started) / 1000;
      assert.ok(ticks >= 2 && ticks <= Math.ceil(seconds) + 1, `${ticks} jobs in ${seconds} s`);

      // An attestation made through the host that runs no plugin wakes the watcher once.
      const { id } = await front.host.services.atsStore().generateAndCreate({
        subjects: ["pump-7"],
        predicates: ["alerted"],
        contexts: ["ops"],
        actors: ["sensor"],
      });
      const end = Date.now() + 10_000;
      let seen: Job[] = [];
      while (Date.now() < end) {
        seen = await jobs(front, "worker/seen");
        if (seen.some((job) => job.status === "completed")) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      // Every host that runs the plugin read it; one job came of it.
      await new Promise((resolve) => setTimeout(resolve, 600));
      seen = await jobs(front, "worker/seen");
      assert.equal(seen.length, 1, JSON.stringify(seen));
      assert.equal(seen[0]!.status, "completed");
      const done = await (await fetch(
        new URL(`/api/pulse/jobs/${encodeURIComponent(seen[0]!.id)}`, front.host.url),
      )).json();
      assert.deepEqual(done.job.result, { saw: id });
    } finally {
      for (const host of hosts) await host.close();
      await cluster.stop();
    }
  },
});
