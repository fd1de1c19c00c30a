/**
 * The Pulse queue on PostgreSQL, shared by hosts: taken in batches without a job handed out
 * twice, only for the plugins a host runs; leases that heartbeats extend and that run out; every
 * move fenced by the host holding the job; a host's recovery touching only its own rows.
 */
import assert from "node:assert/strict";
import { PostgresJobs } from "../src/jobs/mod.ts";
import { migratePostgres, openPostgres, POSTGRES_MIGRATIONS } from "../src/store/mod.ts";
import { skipPostgres, startCluster } from "./_postgres.ts";

const LEASE = 30_000;

Deno.test({
  name: "jobs across hosts: batches never handed out twice, leases, fencing, own recovery",
  ignore: skipPostgres,
  async fn() {
    const cluster = await startCluster();
    const pools = [openPostgres(cluster.url, { max: 4 }), openPostgres(cluster.url, { max: 4 })];
    const clock = { now: 1_800_000_000_000 };
    try {
      await migratePostgres(pools[0]!, POSTGRES_MIGRATIONS);
      const a = new PostgresJobs(pools[0]!, "host-a", () => clock.now);
      const b = new PostgresJobs(pools[1]!, "host-b", () => clock.now);
      for (let i = 0; i < 200; i++) await a.enqueue({ handlerName: "bio/gc" }, "api");
      const fin = await b.enqueue({ handlerName: "fin/risk" }, "api");

      // Four takers on two hosts at once, ten at a time, until no bio job is left.
      const taken: { host: string; id: string }[] = [];
      const taker = async (host: PostgresJobs) => {
        for (;;) {
          const batch = await host.take(["bio"], 10, LEASE);
          if (batch.length === 0) return;
          taken.push(...batch.map((job) => ({ host: host.hostId, id: job.id })));
        }
      };
      await Promise.all([taker(a), taker(a), taker(b), taker(b)]);
      assert.equal(taken.length, 200);
      assert.equal(new Set(taken.map((t) => t.id)).size, 200, "no job was handed out twice");
      assert.ok(taken.some((t) => t.host === "host-a") && taken.some((t) => t.host === "host-b"));
      // Only the plugins a host runs: the fin job is still queued.
      assert.equal((await a.get(fin.id))?.status, "queued");

      // Fencing: a host finishes only what it holds.
      const ofB = taken.find((t) => t.host === "host-b")!.id;
      assert.equal(await a.finish(ofB, { error: "" }), false);
      assert.equal(await b.finish(ofB, { error: "" }), true);
      assert.equal((await a.get(ofB))?.status, "completed");

      // Host B goes quiet; host A heartbeats one of its jobs. Past the lease, the housekeeper
      // requeues what B held and A let lapse, not the job A kept alive.
      const kept = taken.find((t) => t.host === "host-a")!.id;
      clock.now += LEASE - 1_000;
      assert.deepEqual(await a.heartbeat([kept, ofB], LEASE), [kept]);
      clock.now += 2_000;
      const requeued = await a.requeueExpired();
      assert.ok(requeued && requeued.length === 198, `requeued ${requeued?.length}`);
      assert.ok(!requeued.includes(kept));
      const lapsedOfB = taken.find((t) => t.host === "host-b" && t.id !== ofB)!.id;
      assert.ok(requeued.includes(lapsedOfB));
      // B's late answer for a job that went back to the queue is refused.
      assert.equal(await b.finish(lapsedOfB, { error: "" }), false);
      const again = await a.take(["bio"], 500, LEASE);
      assert.ok(again.some((job) => job.id === lapsedOfB));
      assert.equal((await a.get(lapsedOfB))?.retryCount, 1);
      const said = (message: string) => ({
        timestamp: "2026-12-01T00:00:00Z",
        level: "info",
        message,
        stage: "",
        metadata: "",
      });
      assert.equal(await b.finish(lapsedOfB, { error: "" }, [said("late")]), false);
      assert.equal(
        await a.finish(lapsedOfB, { error: "boom" }, [said("one"), said("two"), said("three")]),
        true,
      );
      // The entries of the move that counted, in order; none of the refused one.
      const messages = (await a.logs(lapsedOfB)).map((entry) => entry.message);
      assert.deepEqual(messages.slice(-3), ["one", "two", "three"]);
      assert.ok(!messages.includes("late"));
      assert.deepEqual(
        [(await a.get(lapsedOfB))?.status, (await a.get(lapsedOfB))?.error],
        ["failed", "boom"],
      );

      // A host's start-up recovery is its own: B recovers nothing of A's.
      assert.deepEqual(await b.recoverOwn("requeue"), []);
      const mine = await a.recoverOwn("requeue");
      assert.ok(mine.includes(kept));
      assert.equal((await a.get(kept))?.status, "queued");
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
      await cluster.stop();
    }
  },
});

Deno.test({
  name:
    "jobs across hosts: heartbeats and group-committed finishes of the same jobs never deadlock",
  ignore: skipPostgres,
  async fn() {
    const cluster = await startCluster();
    const sql = openPostgres(cluster.url, { max: 8 });
    try {
      await migratePostgres(sql, POSTGRES_MIGRATIONS);
      const host = new PostgresJobs(sql, "host-a");
      // Enough rows that PostgreSQL looks jobs up by index, in the order it is handed ids.
      await Promise.all(
        Array.from({ length: 3_000 }, () => host.enqueue({ handlerName: "bio/gc" }, "api")),
      );
      await sql`ANALYZE jobs`;
      const held: string[] = [];
      for (;;) {
        const batch = await host.take(["bio"], 500, LEASE);
        if (batch.length === 0) break;
        held.push(...batch.map((job) => job.id));
      }
      held.sort();
      // Runs end in any order while the heartbeat renews every lease held, in id order: each
      // statement locks many of the same rows. Locked in different orders they would deadlock
      // (PostgreSQL then aborts one: a finish lost until its lease runs out).
      while (held.length > 0) {
        const ending = held.splice(-150).reverse();
        const [renewed, finished] = await Promise.all([
          host.heartbeat([...held, ...ending], LEASE),
          Promise.all(ending.map((id) => host.finish(id, { error: "" }))),
        ]);
        assert.ok(finished.every(Boolean), "every finish counted");
        assert.ok(held.every((id) => renewed.includes(id)), "every lease still held renewed");
      }
    } finally {
      await sql.end();
      await cluster.stop();
    }
  },
});
