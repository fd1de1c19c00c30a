import assert from "node:assert/strict";
import { type JobRequest, Refusal, sqliteQueue } from "../jobs/mod.ts";
import { queue, toWireJob } from "../protocol/mod.ts";
import { call, json, kit, TOKENS, tokens } from "./_service_test_kit.ts";
import { queueService } from "./queue_service.ts";

function setup() {
  const k = kit();
  const service = queueService(sqliteQueue(k.jobs), tokens, k.logger);
  const enqueue = (job: JobRequest, token: string = TOKENS.bio) =>
    call(service.enqueue, { authToken: token, job: toWireJob(job) });
  const get = (jobId: string, token: string = TOKENS.bio) =>
    call(service.getJob, { authToken: token, jobId });
  const list = (status: string, limit?: number) =>
    call(service.listJobs, { authToken: TOKENS.bio, status, limit });
  return { ...k, service, enqueue, get, list };
}

Deno.test("QueueService answers GetJob and UpdateJob on another plugin's job as on a missing one", async () => {
  using t = setup();
  const theirs = t.jobs.enqueue(
    { handlerName: "fin/pay", payload: json({ iban: "secret" }) },
    "fin",
  );
  const got = await t.get(theirs.id);
  assert.deepEqual(got, {
    success: false,
    error: `job "${theirs.id}" does not exist`,
    job: undefined,
  });
  assert.deepEqual(await t.get("ghost"), {
    success: false,
    error: 'job "ghost" does not exist',
    job: undefined,
  });
  const updated = await call(t.service.updateJob, {
    authToken: TOKENS.bio,
    job: toWireJob({ ...theirs, status: "cancelled", error: "hijacked" }),
  });
  assert.deepEqual(updated, { success: false, error: `job "${theirs.id}" does not exist` });
  assert.equal(t.jobs.get(theirs.id)?.status, "queued");
  assert.equal(t.jobs.get(theirs.id)?.error, "");
  // The owner still reads its job.
  assert.equal((await t.get(theirs.id, TOKENS.fin)).job?.handlerName, "fin/pay");
  // The operator hears of the attempt once, with the plugin named; the plugin never does.
  assert.deepEqual(t.warnings(), [
    `bio: job queue refused: plugin "bio" reached for job "${theirs.id}" of plugin "fin"; it was told that it does not exist`,
  ]);
});

Deno.test("QueueService shows a plugin the jobs of its handlers, also those the operator enqueued", async () => {
  using t = setup();
  const operators = t.jobs.enqueue({ handlerName: "bio/gc", payload: json({ seq: "AC" }) }, "api");
  const hosts = t.jobs.enqueue({ handlerName: "prune-jobs" }, "api");
  const got = await t.get(operators.id);
  assert.equal(got.success, true, got.error);
  assert.equal(got.job?.source, "api");
  assert.equal((await t.get(hosts.id)).error, `job "${hosts.id}" does not exist`);
  const updated = await call(t.service.updateJob, {
    authToken: TOKENS.bio,
    job: toWireJob({ ...operators, progress: { current: 1, total: 4 } }),
  });
  assert.deepEqual(updated, { success: true, error: "" });
  assert.deepEqual(t.jobs.get(operators.id)?.progress, { current: 1, total: 4 });
});

Deno.test("QueueService lists only the caller's jobs, up to its limit, whoever else has more", async () => {
  using t = setup();
  const others = (n: number) => {
    for (let i = 0; i < n; i++) t.jobs.enqueue({ handlerName: "fin/pay" }, "fin");
  };
  others(5);
  const own = [1, 2, 3].map(() => t.jobs.enqueue({ handlerName: "bio/gc" }, "bio").id);
  others(5);
  t.jobs.enqueue({ handlerName: "prune-jobs" }, "api");
  const rows: [string, number | undefined, string[]][] = [
    ["", 2, own.slice(0, 2)],
    ["", undefined, own],
    ["queued", 1, own.slice(0, 1)],
    ["running", 10, []],
  ];
  for (const [status, limit, expected] of rows) {
    const listed = await t.list(status, limit);
    assert.equal(listed.success, true, listed.error);
    assert.deepEqual(listed.jobs.map((job) => job.id), expected, `status=${status} limit=${limit}`);
  }
});

Deno.test("QueueService stores a bare handler as the caller's, and accepts its full name", async () => {
  using t = setup();
  for (const handlerName of ["gc", "bio/gc"]) {
    const answer = await t.enqueue({ handlerName });
    assert.equal(answer.success, true, answer.error);
    const stored = t.jobs.get(answer.jobId)!;
    assert.deepEqual([stored.handlerName, stored.plugin, stored.source], ["bio/gc", "bio", "bio"]);
  }
  assert.equal(
    (await t.enqueue({ handlerName: "not a handler" })).error,
    'handler_name "not a handler" is not a handler of plugin "bio"',
  );
  assert.deepEqual(t.warnings(), []);
});

Deno.test("QueueService refuses another plugin's handler, naming the caller and the handler", async () => {
  using t = setup();
  for (const handlerName of ["fin/pay", "fin/", "/gc", "bio-x/gc"]) {
    const answer = await t.enqueue({ handlerName, payload: json({ to: "me" }) });
    assert.equal(answer.success, false);
    assert.match(answer.error, new RegExp(`^plugin "bio" may not enqueue "${handlerName}": `));
    assert.match(answer.error, /the operator may enqueue any through the API/);
  }
  assert.deepEqual(t.jobs.list(), []);
  assert.equal(t.warnings().length, 4);
  assert.ok(t.warnings().every((line) => line.startsWith('bio: job queue refused: plugin "bio"')));
});

Deno.test("QueueService refuses the host's own handlers to plugins: prune-jobs deletes nothing", async () => {
  using t = setup();
  const done = t.jobs.enqueue({ handlerName: "fin/pay" }, "fin");
  t.jobs.update({ ...done, status: "completed" }, "fin");
  const answer = await t.enqueue({ handlerName: "prune-jobs", payload: json({ days: 0 }) });
  assert.equal(answer.success, false);
  assert.match(answer.error, /^plugin "bio" may not enqueue host handler "prune-jobs": /);
  assert.match(answer.error, /host handlers run only when the operator asks/);
  assert.match(answer.error, /its own handler of that name is "bio\/prune-jobs"/);
  assert.deepEqual(t.jobs.list().map((job) => job.id), [done.id]);
  // Its own handler of that name, asked for by its full name, is its own business.
  assert.equal((await t.enqueue({ handlerName: "bio/prune-jobs" })).success, true);
  assert.equal(t.jobs.list({ plugin: "" }).length, 0);
});

Deno.test("QueueService refuses a parent job of another plugin as one that does not exist", async () => {
  using t = setup();
  const theirs = t.jobs.enqueue({ handlerName: "fin/pay" }, "fin");
  const own = t.jobs.enqueue({ handlerName: "bio/gc" }, "bio");
  const refused = await t.enqueue({ handlerName: "gc", parentJobId: theirs.id });
  assert.deepEqual(refused, {
    success: false,
    error: `parent job "${theirs.id}" does not exist`,
    jobId: "",
  });
  assert.equal(
    (await t.enqueue({ handlerName: "gc", parentJobId: "ghost" })).error,
    'parent job "ghost" does not exist',
  );
  const child = await t.enqueue({ handlerName: "gc", parentJobId: own.id });
  assert.equal(child.success, true, child.error);
  assert.equal(t.jobs.get(child.jobId)?.parentJobId, own.id);
  assert.equal(t.jobs.list({ plugin: "bio" }).length, 2);
});

Deno.test("QueueService tells its refusal sink what was refused and of whom", async () => {
  using t = setup();
  const told: string[] = [];
  const service = queueService(sqliteQueue(t.jobs), tokens, t.logger, {
    refused: (caller, refusal: Refusal) => told.push(`${caller.plugin}: ${refusal.detail}`),
    hostHandlers: new Set(["vacuum"]),
  });
  const theirs = t.jobs.enqueue({ handlerName: "fin/pay" }, "fin");
  await call(service.getJob, { authToken: TOKENS.bio, jobId: theirs.id });
  await call(service.getJob, { authToken: TOKENS.bio, jobId: "ghost" });
  const vacuum = await call(service.enqueue, {
    authToken: TOKENS.bio,
    job: toWireJob({ handlerName: "vacuum" }),
  });
  assert.match(vacuum.error, /host handler "vacuum"/);
  // Not in this host's list: a bare name is the plugin's own handler, never the host's.
  const prune = await call(service.enqueue, {
    authToken: TOKENS.bio,
    job: toWireJob({ handlerName: "prune-jobs" }),
  });
  assert.equal(t.jobs.get(prune.jobId)?.handlerName, "bio/prune-jobs");
  assert.deepEqual(told, [
    `bio: plugin "bio" reached for job "${theirs.id}" of plugin "fin"; it was told that it does not exist`,
    `bio: ${vacuum.error}`,
  ]);
  assert.deepEqual(t.warnings(), []);
});

Deno.test("QueueService takes a progress report (a job with no status) in one call, while it runs", async () => {
  using t = setup();
  const job = t.jobs.enqueue({ handlerName: "bio/gc" }, "bio");
  const report = (current: number, token: string = TOKENS.bio) =>
    call(t.service.updateJob, {
      authToken: token,
      job: queue.Job.fromPartial({ id: job.id, progress: { current, total: 10 } }),
    });
  // Queued: nothing to report on yet; the report changes nothing and is not an error.
  assert.deepEqual(await report(1), { success: true, error: "" });
  assert.deepEqual(t.jobs.get(job.id)?.progress, { current: 0, total: 0 });
  assert.equal(t.jobs.take(["bio"])?.id, job.id);
  assert.deepEqual(await report(3), { success: true, error: "" });
  const running = t.jobs.get(job.id)!;
  assert.deepEqual([running.status, running.progress], ["running", { current: 3, total: 10 }]);
  // Another plugin's report is refused like any reach for its job.
  assert.equal((await report(9, TOKENS.fin)).success, false);
  // Once the job has ended, a late report changes nothing.
  t.jobs.finish(job.id, { error: "" });
  assert.deepEqual(await report(7), { success: true, error: "" });
  assert.deepEqual(t.jobs.get(job.id)?.progress, { current: 3, total: 10 });
  assert.equal(t.jobs.get(job.id)?.status, "completed");
});
