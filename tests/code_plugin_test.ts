/**
 * The code plugin through the host: its sample repository (a git bundle) is ingested by a job,
 * its history comes back from the attestation store, and the WebSocket streams progress.
 */
import assert from "node:assert/strict";
import { REPO } from "./_host_process.ts";
import { startTestHost, type TestHost, waitForState } from "./_in_process_host.ts";

const CONFIG = `[code]
repository = "samples/notebook.bundle"
ingest_on_start = false

[plugin.grants.code]
trusted = true
`;

async function get(test: TestHost, path: string) {
  const response = await fetch(new URL(path, test.host.url));
  return { status: response.status, body: await response.json() };
}

async function finished(test: TestHost, id: string) {
  const end = Date.now() + 20_000;
  for (;;) {
    const { body } = await get(test, `/api/pulse/jobs/${id}`);
    if (["completed", "failed", "cancelled"].includes(body.job.status)) return body.job;
    assert.ok(Date.now() < end, `job ${id} is still ${body.job.status}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

Deno.test("the code plugin ingests its sample repository and answers from the store", async () => {
  const test = await startTestHost(["code"], CONFIG, [`${REPO}plugins`]);
  try {
    await waitForState(test.host.registry, "code", "running");
    const socket = new WebSocket(
      new URL("/code-ws/ingest", test.host.url.href.replace("http", "ws")),
    );
    const messages: { type: string; phase?: string }[] = [];
    const done = new Promise<void>((resolve, reject) => {
      socket.onmessage = (event) => {
        const message = JSON.parse(event.data);
        messages.push(message);
        if (message.type === "status") socket.send(JSON.stringify({ ingest: true }));
        if (message.type === "done") resolve();
        if (message.type === "error") reject(new Error(message.message));
      };
    });
    await done;
    const job = messages.find((m) => m.type === "queued") as unknown as { job: string };
    const ran = await finished(test, job.job);
    assert.equal(ran.status, "completed", ran.error);
    assert.deepEqual([ran.result.commits, ran.result.attestations], [5, 11]);
    assert.ok(messages.some((m) => m.type === "progress" && m.phase === "attest"));
    socket.close();
    await new Promise((resolve) => socket.onclose = resolve);

    const history = await get(test, "/api/code/files/history?path=src/gc.ts");
    assert.deepEqual(
      history.body.commits.map((c: { author: string; subject: string }) => [c.author, c.subject]),
      [
        ["Katherine Johnson <katherine@example.org>", "GC content of an empty sequence is 0"],
        ["Grace Hopper <grace@example.org>", "Add GC content"],
      ],
    );
    const everyone = await get(test, "/api/code/authors");
    assert.deepEqual(everyone.body.authors, {
      "Grace Hopper <grace@example.org>": 2,
      "Ada Lovelace <ada@example.org>": 2,
      "Katherine Johnson <katherine@example.org>": 1,
    });
    const ada = await get(
      test,
      `/api/code/work?author=${encodeURIComponent("Ada Lovelace <ada@example.org>")}`,
    );
    assert.deepEqual(ada.body.files, { "README.md": 2, "src/revcomp.ts": 1 });
    const missing = await get(test, "/api/code/files/history");
    assert.equal(missing.status, 400);

    // A second ingest finds nothing new; the schedule is declared; health says what it did.
    const again = await fetch(new URL("/api/code/ingest", test.host.url), { method: "POST" });
    assert.equal(again.status, 202);
    const second = await finished(test, (await again.json()).job);
    assert.deepEqual([second.status, second.result.commits], ["completed", 0]);
    const schedules = await get(test, "/api/pulse/schedules?plugin=code");
    assert.equal(schedules.body.schedules[0].handlerName, "code/ingest");
    const attested = await get(test, "/api/attestations?source=code&predicate=authored_by");
    assert.equal(attested.body.attestations.length, 5);
  } finally {
    await test.close();
  }
});

Deno.test("without a trusted grant the code plugin does not start, and says why", async () => {
  const test = await startTestHost(["code"], `[code]\nrepository = "samples/notebook.bundle"\n`, [
    `${REPO}plugins`,
  ]);
  try {
    await waitForState(test.host.registry, "code", "failed");
    const { body } = await get(test, "/api/plugins/code");
    assert.match(
      body.lastError,
      /asks for run \(git\).*set trusted = true in \[plugin\.grants\.code\]/,
    );
  } finally {
    await test.close();
  }
});
