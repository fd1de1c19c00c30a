/**
 * Jobs across hosts that share PostgreSQL: a job queued through one host runs on the host that
 * runs its plugin; a cancel made through one host stops the run on another; a host SIGKILLed
 * mid-job has its job run elsewhere once the lease runs out. Real hosts (in this process, and
 * as processes for the kill), a real cluster. Skipped where no PostgreSQL binaries exist.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { skipPostgres, startCluster } from "./_postgres.ts";
import { FIXTURES, startTestHost, waitForState } from "./_in_process_host.ts";
import { listeningUrl, spawnHost, withToken } from "./_host_process.ts";
import { inTempDir } from "./_temp.ts";

type JobView = { id: string; status: string; retryCount: number; result: unknown };

async function enqueue(base: URL, body: unknown, init?: (r: RequestInit) => RequestInit) {
  const request = {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  };
  const response = await fetch(new URL("/api/pulse/jobs", base), init ? init(request) : request);
  assert.equal(response.status, 201, await response.clone().text());
  return (await response.json()).job as JobView;
}

async function jobOf(base: URL, id: string, init?: RequestInit) {
  const response = await fetch(new URL(`/api/pulse/jobs/${id}`, base), init);
  assert.equal(response.status, 200);
  return (await response.json()) as { job: JobView; logs: { message: string }[] };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 20_000) {
  const end = Date.now() + ms;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    assert.ok(Date.now() < end, `timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function running(base: URL, init?: RequestInit): Promise<number> {
  const text = await (await fetch(new URL("/metrics", base), init)).text();
  return Number(/^qntx_pulse_running (\d+)$/m.exec(text)?.[1] ?? NaN);
}

Deno.test({
  name: "a job queued through one host runs on the host of its plugin; a cancel reaches it",
  ignore: skipPostgres,
  async fn() {
    const cluster = await startCluster();
    const shared = `\n[database]\nurl = ${JSON.stringify(cluster.url)}\n`;
    const front = await startTestHost([], shared);
    const back = await startTestHost(["worker"], shared);
    try {
      await waitForState(back.host.registry, "worker", "running");
      const a = front.host.url;
      // The front host knows the plugin only through the hosts' directory.
      await until("the worker host in the directory", async () => {
        const hosts = (await (await fetch(new URL("/api/hosts", a))).json()).hosts;
        return hosts.some((h: { plugins: { name: string }[] }) =>
            h.plugins.some((p) => p.name === "worker")
          )
          ? true
          : undefined;
      });
      const job = await enqueue(a, { handler_name: "worker/gc", payload: { seq: "GGCA" } });
      const done = await until("the job to complete", async () => {
        const { job: now } = await jobOf(a, job.id);
        return now.status === "completed" ? now : undefined;
      });
      assert.deepEqual(done.result, { gc: 0.75 });

      // A plugin no host runs is still refused at once.
      const refused = await fetch(new URL("/api/pulse/jobs", a), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ handler_name: "nobody/x" }),
      });
      assert.equal(refused.status, 404);
      await refused.body?.cancel();

      // Cancelled through the front host, the run on the back host stops.
      const long = await enqueue(a, { handler_name: "worker/sleep", payload: { ms: 60_000 } });
      await until("the long job to run", async () => {
        const { job: now } = await jobOf(a, long.id);
        return now.status === "running" ? true : undefined;
      });
      assert.equal(await running(back.host.url), 1);
      const cancel = await fetch(new URL(`/api/pulse/jobs/${long.id}/cancel`, a), {
        method: "POST",
      });
      assert.equal(cancel.status, 200);
      assert.deepEqual((await cancel.json()).cancelled, [long.id]);
      await until(
        "the run on the other host to stop",
        async () => await running(back.host.url) === 0 ? true : undefined,
      );
      assert.equal((await jobOf(a, long.id)).job.status, "cancelled");
    } finally {
      await front.close();
      await back.close();
      await cluster.stop();
    }
  },
});

Deno.test({
  name: "a host SIGKILLed mid-job: the job runs on another host once its lease runs out",
  ignore: skipPostgres,
  async fn() {
    const cluster = await startCluster();
    try {
      await inTempDir(async (dir) => {
        const config = (name: string) => {
          const folder = join(dir, name);
          return Deno.mkdir(folder).then(() =>
            Deno.writeTextFile(
              join(folder, "am.toml"),
              `[plugin]\nenabled = ["worker"]\npaths = ["${FIXTURES}"]\n` +
                `[database]\nurl = ${JSON.stringify(cluster.url)}\n[pulse]\nlease = "2s"\n`,
            )
          ).then(() => folder);
        };
        const first = spawnHost({ cwd: await config("one") });
        const firstUrl = await listeningUrl(first);
        await first.waitFor((line) => line.msg === 'plugin "worker" loading → running');
        // The job starts on the first host: the second is not up yet.
        const job = await enqueue(
          firstUrl,
          { handler_name: "worker/sleep", payload: { ms: 3_000 } },
          withToken,
        );
        await until(
          "the job to run on the first host",
          async () => await running(firstUrl, withToken()) === 1 ? true : undefined,
        );
        const second = spawnHost({ cwd: await config("two") });
        try {
          const secondUrl = await listeningUrl(second);
          await second.waitFor((line) => line.msg === 'plugin "worker" loading → running');
          first.child.kill("SIGKILL");
          await first.finished;
          const killedAt = Date.now();
          await until(
            "the job to run on the second host",
            async () => await running(secondUrl, withToken()) === 1 ? true : undefined,
          );
          const tookOver = Date.now() - killedAt;
          const done = await until("the job to complete", async () => {
            const { job: now, logs } = await jobOf(secondUrl, job.id, withToken());
            return now.status === "completed" ? { now, logs } : undefined;
          });
          assert.deepEqual(done.now.result, { slept: 3_000 });
          assert.equal(done.now.retryCount, 1);
          assert.ok(
            done.logs.some((entry) => entry.message.includes("the lease ran out")),
            JSON.stringify(done.logs),
          );
          // The lease is 2 s; the figure itself is the bench's (`--only=postgres`).
          assert.ok(tookOver < 2_000 + 4_000, `took over after ${tookOver} ms`);
        } finally {
          second.child.kill("SIGTERM");
          await second.finished;
        }
      });
    } finally {
      await cluster.stop();
    }
  },
});
