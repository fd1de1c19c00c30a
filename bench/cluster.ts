/**
 * Hosts sharing PostgreSQL, end to end (issue 18), on a throwaway local cluster: jobs queued
 * through one host and run through real SDK plugin processes by two hosts; and failover, a host
 * SIGKILLed mid-job until its job runs on the other host (lease 2 s). Beside them, the same
 * jobs through one host on SQLite, in the same run.
 */
import { join } from "node:path";
import type { Host } from "../src/host/mod.ts";
import { openPostgres } from "../src/store/mod.ts";
import { FIXTURES } from "../tests/_in_process_host.ts";
import { listeningUrl, spawnHost, withToken } from "../tests/_host_process.ts";
import { postgresBin, startCluster } from "../tests/_postgres.ts";
import type { Figure } from "./supervision.ts";
import { shown, spread, whole } from "./turns.ts";
import { startWorkerHost } from "./jobs.ts";

/** Jobs queued through the first host (200 at a time) until `settled()` says all ran: jobs/s. */
async function run(hosts: Host[], count: number, settled: () => Promise<boolean>): Promise<number> {
  const queue = hosts[0]!.services.queue();
  const payload = new TextEncoder().encode('{"n":1}');
  const started = performance.now();
  for (let i = 0; i < count; i += 200) {
    await Promise.all(
      Array.from({ length: 200 }, () => queue.enqueue({ handlerName: "worker/noop", payload })),
    );
  }
  while (!await settled()) await new Promise((resolve) => setTimeout(resolve, 10));
  return count / ((performance.now() - started) / 1000);
}

/** Kills the host running a long job and times until the other host runs it: ms. */
async function failover(dir: string, url: string, round: number): Promise<number> {
  const config = async (name: string) => {
    const folder = join(dir, `${name}-${round}`);
    await Deno.mkdir(folder, { recursive: true });
    await Deno.writeTextFile(
      join(folder, "am.toml"),
      `[plugin]\nenabled = ["worker"]\npaths = ["${FIXTURES}"]\n` +
        `[database]\nurl = ${JSON.stringify(url)}\n[pulse]\nlease = "2s"\n`,
    );
    return folder;
  };
  const sql = openPostgres(url, { max: 1 });
  const first = spawnHost({ cwd: await config("one") });
  let second: ReturnType<typeof spawnHost> | undefined;
  try {
    const firstUrl = await listeningUrl(first);
    await first.waitFor((line) => line.msg === 'plugin "worker" loading → running');
    const enqueued = await fetch(
      new URL("/api/pulse/jobs", firstUrl),
      withToken({
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ handler_name: "worker/sleep", payload: { ms: 30_000 } }),
      }),
    );
    const id = (await enqueued.json()).job.id as string;
    const holder = async () =>
      (await sql<{ host_id: string }[]>`SELECT host_id FROM jobs WHERE id = ${id}`)[0]?.host_id ??
        "";
    let held = "";
    while (!(held = await holder())) await new Promise((resolve) => setTimeout(resolve, 20));
    second = spawnHost({ cwd: await config("two") });
    await listeningUrl(second);
    await second.waitFor((line) => line.msg === 'plugin "worker" loading → running');
    first.child.kill("SIGKILL");
    await first.finished;
    const killed = performance.now();
    for (;;) {
      const now = await holder();
      if (now && now !== held) return performance.now() - killed;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  } finally {
    await sql.end();
    if (second) {
      second.child.kill("SIGTERM");
      await second.finished;
    }
    try {
      first.child.kill("SIGKILL");
    } catch {
      // Killed already (the measured path).
    }
    await first.finished;
  }
}

export async function clusterFigures(count = 6_000): Promise<Figure[]> {
  const found = await postgresBin();
  if ("missing" in found) {
    return [{ name: "cluster figures", value: `skipped: ${found.missing}`, target: "" }];
  }
  const cluster = await startCluster();
  const dir = await Deno.makeTempDir({ prefix: "qntx-bench-cluster-" });
  const database = `[database]\nurl = ${JSON.stringify(cluster.url)}\n`;
  const sql = openPostgres(cluster.url, { max: 2 });
  try {
    const alone = await startWorkerHost(join(dir, "alone"), 8);
    // One index probe each: whether any job is still to run.
    const local = alone.db.prepare(
      "SELECT EXISTS (SELECT 1 FROM jobs WHERE status IN ('queued', 'running')) AS any",
    );
    const hosts = [
      await startWorkerHost(join(dir, "a"), 8, database),
      await startWorkerHost(join(dir, "b"), 8, database),
    ];
    const shared = async () =>
      !(await sql<{ any: boolean }[]>`SELECT EXISTS (SELECT 1 FROM jobs
        WHERE status IN ('queued', 'running')) AS any`)[0]!.any;
    const aloneSettled = () => Promise.resolve(!local.get()?.any);
    const sqlite: number[] = [];
    const two: number[] = [];
    try {
      await run([alone], 500, aloneSettled); // warm-up
      await run(hosts, 500, shared);
      // Alternating turns, side by side.
      for (let turn = 0; turn < 3; turn++) {
        sqlite.push(await run([alone], count, aloneSettled));
        two.push(await run(hosts, count, shared));
      }
    } finally {
      await alone.shutdown();
      for (const started of hosts) await started.shutdown();
    }
    const takeovers: number[] = [];
    for (let round = 0; round < 3; round++) takeovers.push(await failover(dir, cluster.url, round));
    return [
      {
        name: `jobs through plugins, two hosts on PostgreSQL, 8 workers each (${
          count.toLocaleString("en")
        } jobs a turn; median, range)`,
        value: `${shown(two, whole)}/s`,
        target: "≥ 2 000/s",
        check: { measured: spread(two).median, atLeast: 2000 },
      },
      {
        name: "the same jobs, one host on SQLite, 8 workers (alternating turns; calibration)",
        value: `${shown(sqlite, whole)}/s`,
      },
      {
        name: "failover: host SIGKILLed mid-job → the job held by the other host (lease 2 s; " +
          "median, range of 3)",
        value: shown(takeovers, (v) => `${whole(v)} ms`),
        target: "≤ lease + 1 s (3 000 ms)",
        check: { measured: spread(takeovers).median, atMost: 3000 },
      },
    ];
  } finally {
    await sql.end();
    await Deno.remove(dir, { recursive: true });
    await cluster.stop();
  }
}
