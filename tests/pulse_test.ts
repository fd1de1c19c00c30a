/**
 * The Pulse queue end to end: jobs enqueued over HTTP run on a real plugin process through
 * `ExecuteJob`, with deadlines, retries, cancel, schedules and plugins that come and go.
 */
import assert from "node:assert/strict";
import { startTestHost, type TestHost, waitForState } from "./_in_process_host.ts";

const PULSE = `[pulse]
workers = 4
max_retries = 2
retry_delay = "50ms"
retry_delay_max = "100ms"
`;

async function api(test: TestHost, method: string, path: string, body?: unknown) {
  const response = await fetch(new URL(path, test.host.url), {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

async function enqueue(test: TestHost, handler_name: string, payload?: unknown, extra = {}) {
  const answer = await api(test, "POST", "/api/pulse/jobs", { handler_name, payload, ...extra });
  assert.equal(answer.status, 201, JSON.stringify(answer.body));
  return answer.body.job.id as string;
}

/** Polls a job until `done` says so; returns its last view with its logs. */
async function until(
  test: TestHost,
  id: string,
  done: (job: Record<string, unknown>) => boolean,
  ms = 20_000,
) {
  const end = Date.now() + ms;
  for (;;) {
    const { body } = await api(test, "GET", `/api/pulse/jobs/${id}`);
    if (done(body.job)) {
      return body as { job: Record<string, unknown>; logs: { message: string }[] };
    }
    if (Date.now() > end) assert.fail(`job ${id} did not get there: ${JSON.stringify(body.job)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const finished = (job: Record<string, unknown>) =>
  ["completed", "failed", "cancelled"].includes(job.status as string);

Deno.test("a job enqueued over HTTP runs on the plugin: result, progress, cost, logs, version", async () => {
  const test = await startTestHost(["worker"], PULSE);
  try {
    await waitForState(test.host.registry, "worker", "running");
    const good = await enqueue(test, "worker/gc", { seq: "ACGTGG" });
    const bad = await enqueue(test, "worker/gc", { seq: "hello" });
    // A handler the running plugin did not declare: refused at once, naming what it has.
    const unknown = await api(test, "POST", "/api/pulse/jobs", { handler_name: "worker/nothing" });
    assert.equal(unknown.status, 422);
    assert.match(
      unknown.body.detail,
      /plugin "worker" has no job handler "nothing" \(it has: .*gc.*\)/,
    );
    const done = await until(test, good, finished);
    assert.equal(done.job.status, "completed");
    assert.deepEqual(done.job.result, { gc: 4 / 6 });
    assert.deepEqual(done.job.progress, { current: 6, total: 6 });
    assert.equal(done.job.costActual, 0.5);
    assert.equal(done.job.pluginVersion, "3.0.0");
    assert.equal(done.job.source, "api");
    assert.deepEqual(done.logs.map((entry) => entry.message), ["counted 6 bases"]);
    const failed = await until(test, bad, finished);
    assert.equal(failed.job.status, "failed");
    assert.equal(failed.job.error, '"HELLO" is not a DNA sequence');

    const metrics = await (await fetch(new URL("/metrics", test.host.url))).text();
    assert.match(metrics, /^qntx_pulse_jobs\{status="failed"\} 1$/m);
    assert.match(metrics, /^qntx_pulse_runs_total\{outcome="completed"\} [1-9]/m);
    const listed = await api(
      test,
      "GET",
      "/api/pulse/jobs?plugin=worker&status=completed&limit=1000",
    );
    assert.ok(listed.body.jobs.some((job: { id: string }) => job.id === good));
    assert.ok(listed.body.counts.completed >= 1);
  } finally {
    await test.close();
  }
});

Deno.test("bad Pulse requests get a 4xx that names the problem", async () => {
  const test = await startTestHost(["worker"], PULSE);
  try {
    await waitForState(test.host.registry, "worker", "running");
    const rows: [string, string, unknown, number, RegExp][] = [
      ["POST", "/api/pulse/jobs", "{nope", 400, /not JSON/],
      ["POST", "/api/pulse/jobs", [], 400, /JSON object/],
      ["POST", "/api/pulse/jobs", {}, 400, /"handler_name" is required/],
      ["POST", "/api/pulse/jobs", { handler_name: "a b" }, 404, /is named "<plugin>\/<handler>"/],
      // A job nobody could run is refused at once, naming what there is.
      [
        "POST",
        "/api/pulse/jobs",
        { handler_name: "ghost/run" },
        404,
        /no plugin "ghost" is enabled/,
      ],
      [
        "POST",
        "/api/pulse/jobs",
        { handler_name: "worker/nope" },
        422,
        /plugin "worker" has no job handler "nope" \(it has: .*gc/,
      ],
      [
        "POST",
        "/api/pulse/jobs",
        { handler_name: "worker/gc", colour: 1 },
        400,
        /unknown field "colour"/,
      ],
      [
        "POST",
        "/api/pulse/jobs",
        { handler_name: "worker/gc", timeout_secs: -1 },
        400,
        /timeout_secs/,
      ],
      [
        "POST",
        "/api/pulse/jobs",
        { handler_name: "worker/gc", parent_job_id: "no" },
        400,
        /parent job "no"/,
      ],
      ["GET", "/api/pulse/jobs?status=sleeping", undefined, 400, /status "sleeping"/],
      ["GET", "/api/pulse/jobs?limit=0", undefined, 400, /limit must be/],
      ["GET", "/api/pulse/jobs?cursor=nope", undefined, 400, /cursor "nope"/],
      ["GET", "/api/pulse/jobs/ghost", undefined, 404, /job "ghost" does not exist/],
      ["POST", "/api/pulse/jobs/ghost/cancel", undefined, 404, /job "ghost" does not exist/],
      ["POST", "/api/pulse/schedules/ghost/pause", undefined, 404, /schedule "ghost"/],
    ];
    for (const [method, path, body, status, detail] of rows) {
      const answer = await api(test, method, path, body);
      assert.equal(answer.status, status, `${method} ${path} ${JSON.stringify(body)}`);
      assert.match(answer.body.detail, detail);
    }
    const id = await enqueue(test, "worker/gc", null, { id: "mine" });
    assert.equal(id, "mine");
    const twice = await api(test, "POST", "/api/pulse/jobs", {
      handler_name: "worker/gc",
      id: "mine",
    });
    assert.equal(twice.status, 409);
    const resumed = await api(test, "POST", "/api/pulse/jobs/mine/resume");
    assert.equal(resumed.status, 409);
    assert.match(resumed.body.detail, /job "mine" is \w+: only a paused job can be resumed/);
  } finally {
    await test.close();
  }
});

Deno.test("the host enforces timeout_secs; cancelling a parent cancels its children", async () => {
  const test = await startTestHost(["worker"], PULSE);
  try {
    await waitForState(test.host.registry, "worker", "running");
    const slow = await enqueue(test, "worker/sleep", { ms: 30_000 }, { timeout_secs: 1 });
    const parent = await enqueue(test, "worker/spawn", { children: 2 });
    const timedOut = await until(test, slow, finished);
    assert.equal(timedOut.job.status, "failed");
    assert.equal(timedOut.job.error, "timed out after 1 s (the job's deadline)");

    let children: { id: string; status: string }[] = [];
    const end = Date.now() + 10_000;
    while (children.length < 2 && Date.now() < end) {
      const { body } = await api(test, "GET", "/api/pulse/jobs?plugin=worker&limit=50");
      children = body.jobs.filter((job: { parentJobId: string }) => job.parentJobId === parent);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(children.length, 2);
    await until(test, children[0]!.id, (job) => job.status === "running");
    const cancel = await api(test, "POST", `/api/pulse/jobs/${parent}/cancel`);
    assert.equal(cancel.status, 200);
    assert.deepEqual(
      new Set(cancel.body.cancelled),
      new Set([parent, ...children.map((c) => c.id)]),
    );
    for (const id of [parent, ...children.map((c) => c.id)]) {
      assert.equal((await until(test, id, finished)).job.status, "cancelled");
    }
    // The workers are free again: a new job runs at once.
    const after = await enqueue(test, "worker/noop");
    assert.equal((await until(test, after, finished)).job.status, "completed");
    assert.equal(test.host.registry.getState("worker"), "running");
  } finally {
    await test.close();
  }
});

Deno.test("retryable failures run again; a plugin that dies under a job is retried, then given up", async () => {
  const test = await startTestHost(["worker"], PULSE);
  try {
    await waitForState(test.host.registry, "worker", "running");
    const flaky = await enqueue(test, "worker/flaky", { key: "a", fail: 2 });
    const done = await until(test, flaky, finished);
    assert.equal(done.job.status, "completed");
    assert.deepEqual(done.job.result, { attempts: 3 });
    assert.equal(done.job.retryCount, 2);
    assert.deepEqual(
      done.logs.map((entry) => entry.message.replace(/in \d+ ms/, "in N ms")),
      [
        // The plugin's own words, placed in its code; then the host's.
        "RetryableError: attempt 1 failed (at main.ts:41:32)",
        "retry 1 of 2 in N ms: attempt 1 failed",
        "RetryableError: attempt 2 failed (at main.ts:41:32)",
        "retry 2 of 2 in N ms: attempt 2 failed",
      ],
    );
    const doomed = await enqueue(test, "worker/die");
    const dead = await until(test, doomed, finished, 30_000);
    assert.equal(dead.job.status, "failed");
    assert.match(
      dead.job.error as string,
      /plugin "worker" could not be reached.*\(gave up after 3 runs\)/,
    );
    await waitForState(test.host.registry, "worker", "running");
  } finally {
    await test.close();
  }
});

Deno.test("jobs of a plugin that is not running wait, paused jobs wait, and both run later", async () => {
  const test = await startTestHost(["worker"], PULSE);
  try {
    await waitForState(test.host.registry, "worker", "running");
    await test.host.supervisor.disable("worker");
    const waiting = await enqueue(test, "worker/noop");
    const held = await enqueue(test, "worker/noop");
    assert.equal(
      (await api(test, "POST", `/api/pulse/jobs/${held}/pause`)).body.job.status,
      "paused",
    );
    await new Promise((resolve) => setTimeout(resolve, 700));
    assert.equal((await api(test, "GET", `/api/pulse/jobs/${waiting}`)).body.job.status, "queued");
    await test.host.supervisor.enable("worker");
    assert.equal((await until(test, waiting, finished)).job.status, "completed");
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal((await api(test, "GET", `/api/pulse/jobs/${held}`)).body.job.status, "paused");
    await api(test, "POST", `/api/pulse/jobs/${held}/resume`);
    assert.equal((await until(test, held, finished)).job.status, "completed");
  } finally {
    await test.close();
  }
});

Deno.test("declared schedules become jobs every interval and are listed with their next run", async () => {
  const test = await startTestHost(["worker"], PULSE);
  try {
    await waitForState(test.host.registry, "worker", "running");
    const { body } = await api(test, "GET", "/api/pulse/schedules");
    assert.equal(body.schedules.length, 1);
    const schedule = body.schedules[0];
    assert.deepEqual(
      [
        schedule.plugin,
        schedule.handlerName,
        schedule.intervalSeconds,
        schedule.state,
        schedule.declared,
      ],
      ["worker", "worker/tick", 1, "active", true],
    );
    // Times are Unix milliseconds, the API's one format.
    assert.ok(typeof schedule.nextRunAt === "number" && schedule.nextRunAt > Date.now() - 60_000);
    const end = Date.now() + 10_000;
    let ran: { status: string; scheduleId: string }[] = [];
    while (Date.now() < end) {
      const jobs = await api(test, "GET", "/api/pulse/jobs?plugin=worker&status=completed");
      ran = jobs.body.jobs;
      if (ran.length >= 2) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(ran.length >= 2, "two runs of a one-second schedule within ten seconds");
    assert.ok(ran.every((job) => job.scheduleId === schedule.id));
    const ticks = test.host.db.prepare(
      "SELECT COUNT(*) AS n FROM attestations WHERE source = 'worker'",
    ).get();
    assert.ok(Number(ticks?.n) >= 2, "each run wrote through the host's store");
    const paused = await api(test, "POST", `/api/pulse/schedules/${schedule.id}/pause`);
    assert.equal(paused.body.schedule.state, "paused");
    // A restart re-declares the schedule: the operator's pause is kept.
    await test.host.supervisor.restart("worker");
    const again = await api(test, "GET", "/api/pulse/schedules");
    assert.deepEqual(
      again.body.schedules.map((s: { id: string; state: string }) => [s.id, s.state]),
      [
        [schedule.id, "paused"],
      ],
    );
  } finally {
    await test.close();
  }
});

Deno.test("a plugin's watchers turn matching attestations, from any source, into jobs within their rate", async () => {
  const test = await startTestHost(["worker"], PULSE);
  try {
    await waitForState(test.host.registry, "worker", "running");
    const { body } = await api(test, "GET", "/api/pulse/watchers?plugin=worker");
    assert.deepEqual(body.watchers.map((w: { id: string }) => w.id), ["alerts", "quiet"]);
    // The malformed one was refused by name, where the operator sees it.
    for (const refused of [/watcher id "bad id!" must be/]) {
      assert.ok(test.logs.some((line) => refused.test(String(line.msg))), String(refused));
    }
    const ats = test.host.services.atsStore();
    const attest = (predicate: string, context: string) =>
      ats.generateAndCreate({
        subjects: ["pump-7"],
        predicates: [predicate],
        contexts: [context],
        actors: ["sensor"],
      });
    // OR within a dimension, AND across: "alerted" in "lab" matches, "alerted" in "home" does
    // not, "cleared" in "ops" does not.
    const matched = await attest("alerted", "lab");
    await attest("alerted", "home");
    await attest("cleared", "ops");
    const end = Date.now() + 10_000;
    let seen: { id: string; status: string; result?: { saw?: string } }[] = [];
    for (;;) {
      const page = await api(test, "GET", "/api/pulse/jobs?plugin=worker&limit=1000");
      seen = page.body.jobs.filter((job: { handlerName: string }) =>
        job.handlerName === "worker/seen"
      );
      if (seen.length > 0 && seen.every((job) => job.status === "completed")) break;
      assert.ok(Date.now() < end, JSON.stringify(seen));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.result?.saw, matched.id);
    // The structural-only watcher matched both "alerted" ones and ran nothing.
    const after = await api(test, "GET", "/api/pulse/watchers?plugin=worker");
    const quiet = after.body.watchers.find((w: { id: string }) => w.id === "quiet");
    const alerts = after.body.watchers.find((w: { id: string }) => w.id === "alerts");
    assert.deepEqual([quiet.fired, quiet.held, alerts.fired, alerts.held], [0, 2, 1, 0]);
  } finally {
    await test.close();
  }
});
