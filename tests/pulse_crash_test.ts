/**
 * A host SIGKILLed in the middle of a job, started again on the same files: every committed
 * attestation is still there and the job is recovered (queued again, then run), never lost.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { listeningUrl, spawnHost, withToken } from "./_host_process.ts";
import { FIXTURES } from "./_in_process_host.ts";
import { inTempDir } from "./_temp.ts";

async function getJson(url: URL | string) {
  const response = await fetch(url, withToken());
  assert.equal(response.status, 200);
  return await response.json();
}

Deno.test("a host killed mid-job loses no attestation and recovers the job", async () => {
  await inTempDir(async (dir) => {
    await Deno.writeTextFile(
      join(dir, "am.toml"),
      `[plugin]\nenabled = ["worker"]\npaths = ["${FIXTURES}"]\n[pulse]\nworkers = 2\n`,
    );
    const first = spawnHost({ cwd: dir });
    const url = await listeningUrl(first);
    await first.waitFor((line) => line.msg === 'plugin "worker" loading → running');
    const enqueued = await fetch(
      new URL("/api/pulse/jobs", url),
      withToken({
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ handler_name: "worker/sleep", payload: { ms: 60_000 } }),
      }),
    );
    const jobId = (await enqueued.json()).job.id as string;
    // Wait for the job to run and the schedule to have written a few attestations.
    let committed: string[] = [];
    const end = Date.now() + 20_000;
    for (;;) {
      const job = (await getJson(new URL(`/api/pulse/jobs/${jobId}`, url))).job;
      const page = await getJson(new URL("/api/attestations?subject=worker&limit=1000", url));
      committed = page.attestations.map((a: { id: string }) => a.id);
      if (job.status === "running" && committed.length >= 2) break;
      assert.ok(Date.now() < end, `job ${job.status}, ${committed.length} attestations`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    first.child.kill("SIGKILL");
    await first.finished;

    const second = spawnHost({ cwd: dir });
    try {
      const again = await listeningUrl(second);
      const recovered = await second.waitFor((line) =>
        typeof line.msg === "string" && line.msg.includes("were running when the host stopped")
      );
      assert.ok((recovered.jobs as string[]).includes(jobId), JSON.stringify(recovered));
      const page = await getJson(new URL("/api/attestations?subject=worker&limit=1000", again));
      const found = new Set(page.attestations.map((a: { id: string }) => a.id));
      const lost = committed.filter((id) => !found.has(id));
      assert.deepEqual(lost, [], "every attestation committed before the kill is there");
      const { job, logs } = await getJson(new URL(`/api/pulse/jobs/${jobId}`, again));
      assert.ok(["queued", "running"].includes(job.status), job.status);
      assert.equal(job.retryCount, 1);
      assert.ok(
        logs.some((entry: { message: string }) =>
          entry.message === "the host stopped while the job ran; queued again"
        ),
      );
      await second.waitFor((line) => line.msg === 'plugin "worker" loading → running');
      const cancelled = await fetch(
        new URL(`/api/pulse/jobs/${jobId}/cancel`, again),
        withToken({ method: "POST" }),
      );
      assert.equal(cancelled.status, 200);
      await cancelled.body?.cancel();
    } finally {
      second.child.kill("SIGTERM");
      await second.finished;
    }
  });
});
