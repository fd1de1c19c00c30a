/**
 * Hosts sharing PostgreSQL: a schedule fires once however many hosts see it due at the same
 * moment, and each host's heartbeat lists it among the live hosts, with its plugins.
 */
import assert from "node:assert/strict";
import { PostgresSchedules } from "../src/jobs/mod.ts";
import {
  HostDirectory,
  migratePostgres,
  openPostgres,
  POSTGRES_MIGRATIONS,
} from "../src/store/mod.ts";
import { skipPostgres, startCluster } from "./_postgres.ts";

Deno.test({
  name: "a schedule fires once with three hosts; live hosts are listed with their plugins",
  ignore: skipPostgres,
  async fn() {
    const cluster = await startCluster();
    const pools = [0, 1, 2].map(() => openPostgres(cluster.url, { max: 3 }));
    const clock = { now: 1_800_000_000_000 };
    try {
      await migratePostgres(pools[0]!, POSTGRES_MIGRATIONS);
      const hosts = pools.map((pool) => new PostgresSchedules(pool, () => clock.now));
      const made = await Promise.all(
        Array.from(
          { length: 20 },
          (_, i) => hosts[0]!.create("bio", { handlerName: `tick-${i}`, intervalSeconds: 60 }),
        ),
      );
      assert.deepEqual(await hosts[1]!.fireDue(), [], "first due one interval from now");
      clock.now += 60_000;
      // Three hosts, each firing twice at once, at the same moment.
      const fired = (await Promise.all(hosts.flatMap((host) => [host.fireDue(), host.fireDue()])))
        .flat();
      assert.equal(fired.length, 20, "one job per schedule and due time");
      const jobs = await pools[0]!`SELECT schedule_id, source FROM jobs`;
      assert.deepEqual(
        jobs.map((row) => row.schedule_id).sort(),
        made.map((schedule) => schedule.id).sort(),
      );
      assert.ok(jobs.every((row) => row.source === "bio"));
      // Not due again until its interval has passed; then once more, but only for schedules
      // whose last job has finished (runs never pile up).
      assert.deepEqual(await hosts[1]!.fireDue(), []);
      await pools[0]!`UPDATE jobs SET status = 'completed' WHERE schedule_id <> ${made[0]!.id}`;
      clock.now += 60_000;
      const next = (await Promise.all(hosts.map((host) => host.fireDue()))).flat();
      assert.equal(next.length, 19);

      // A plugin's declarations synced by three hosts at once are one set of schedules.
      const declared = [{
        handlerName: "sweep",
        intervalSeconds: 5,
        enabledByDefault: true,
        description: "",
        atsCode: "",
      }];
      const reports = await Promise.all(
        hosts.map((host) => host.sync("lab", declared, ["sweep"])),
      );
      assert.deepEqual(reports.map((report) => report.created.length).sort(), [0, 0, 1]);
      assert.equal((await hosts[2]!.list("lab")).length, 1);

      const directory = pools.map((pool, i) =>
        new HostDirectory(pool, {
          id: `host-${i}`,
          url: `http://10.0.0.${i}:8877/`,
          version: "0.1.0",
          startedAt: clock.now,
        }, () => clock.now)
      );
      await directory[0]!.beat([{ name: "bio", state: "running" }]);
      await directory[1]!.beat([{ name: "fin", state: "paused" }]);
      await directory[2]!.beat([]);
      clock.now += 20_000;
      await directory[1]!.beat([{ name: "fin", state: "running" }]);
      const live = await directory[1]!.live(15_000);
      assert.deepEqual(live.map((host) => host.id), ["host-1"], "the others went quiet");
      const all = await directory[1]!.live(60_000);
      assert.deepEqual(all.map((host) => host.id), ["host-1", "host-0", "host-2"]);
      assert.deepEqual(all[0]!.plugins, [{ name: "fin", state: "running" }]);
      await directory[2]!.leave();
      assert.deepEqual((await directory[0]!.live(60_000)).map((host) => host.id), [
        "host-0",
        "host-1",
      ]);
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
      await cluster.stop();
    }
  },
});
