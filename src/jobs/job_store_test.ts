import assert from "node:assert/strict";
import { IN_MEMORY, openDatabase } from "../store/mod.ts";
import { hostLog, JobError } from "./job_record.ts";
import { JobStore } from "./job_store.ts";

const encoder = new TextEncoder();

function store() {
  const db = openDatabase({ path: IN_MEMORY });
  return { db, jobs: new JobStore(db, () => 1_000_000) };
}

Deno.test("enqueue() queues jobs FIFO with host-made ids and the caller as source", () => {
  const { db, jobs } = store();
  const first = jobs.enqueue({
    handlerName: "biotech/gc-content",
    payload: encoder.encode('{"seq":"ACGT"}'),
  }, "biotech");
  const second = jobs.enqueue(
    { id: "mine-1", handlerName: "biotech/align", source: "forged" },
    "biotech",
  );
  assert.match(first.id, /^J[0-9A-Z]{26}$/);
  assert.equal(second.id, "mine-1");
  assert.equal(second.source, "biotech");
  assert.equal(first.status, "queued");
  assert.equal(first.createdAt, 1000);
  assert.deepEqual(jobs.list().map((job) => job.id), [first.id, "mine-1"]);
  assert.deepEqual(jobs.list({ status: "queued", limit: 1 }).map((job) => job.id), [first.id]);
  assert.deepEqual(jobs.list({ status: "running" }), []);
  db.close();
});

Deno.test("enqueue() and list() refuse bad input with the reason", () => {
  const { db, jobs } = store();
  const rows: [() => unknown, RegExp][] = [
    [
      () => jobs.enqueue({ handlerName: "not a handler" }, "p"),
      /handler_name "not a handler" is not/,
    ],
    [
      () => jobs.enqueue({ handlerName: "p/h", payload: encoder.encode("{nope") }, "p"),
      /payload is not JSON/,
    ],
    [
      () => jobs.enqueue({ handlerName: "p/h", parentJobId: "ghost" }, "p"),
      /parent job "ghost" does not exist/,
    ],
    [() => jobs.list({ status: "sleeping" }), /status "sleeping" is not one of queued, running/],
  ];
  for (const [run, message] of rows) {
    assert.throws(
      run,
      (error: unknown) => error instanceof JobError && message.test((error as Error).message),
    );
  }
  jobs.enqueue({ id: "x", handlerName: "p/h" }, "p");
  assert.throws(
    () => jobs.enqueue({ id: "x", handlerName: "p/h" }, "p"),
    /a job with id "x" already exists/,
  );
  db.close();
});

Deno.test("update() lets only the owner or the running plugin move a job, and a finished job stays finished", () => {
  const { db, jobs } = store();
  const job = jobs.enqueue({ handlerName: "p/h" }, "p");
  assert.throws(() => jobs.update({ ...job, status: "running" }, "other"), /belongs to "p"/);
  const foreign = jobs.enqueue({ handlerName: "q/h" }, "api");
  assert.equal(
    jobs.update({ ...foreign, progress: { current: 1, total: 2 } }, "q").progress.current,
    1,
  );
  const running = jobs.update(
    { ...job, status: "running", progress: { current: 3, total: 10 } },
    "p",
  );
  assert.deepEqual([running.status, running.progress.current, running.progress.total], [
    "running",
    3,
    10,
  ]);
  const done = jobs.update({ ...running, status: "completed", costActual: 0.25 }, "p");
  assert.deepEqual([done.status, done.costActual, done.completedAt], ["completed", 0.25, 1000]);
  assert.throws(
    () => jobs.update({ ...done, status: "queued" }, "p"),
    /is completed and cannot become queued/,
  );
  db.close();
});

function clocked(start = 1_000_000) {
  const db = openDatabase({ path: IN_MEMORY });
  const time = { now: start };
  return { db, time, jobs: new JobStore(db, () => time.now) };
}

Deno.test("take() claims the oldest runnable job once, skipping plugins not listed", () => {
  const { db, jobs } = clocked();
  const a = jobs.enqueue({ handlerName: "a/x" }, "api");
  const b = jobs.enqueue({ handlerName: "b/x" }, "api");
  const host = jobs.enqueue({ handlerName: "prune-jobs" }, "api");
  const a2 = jobs.enqueue({ handlerName: "a/y" }, "api");
  assert.equal(jobs.take([]), undefined);
  assert.equal(jobs.take(["a"])?.id, a.id);
  assert.equal(jobs.take(["a"])?.id, a2.id);
  assert.equal(jobs.take(["a"]), undefined, "a job is never taken twice");
  const next = jobs.take(["", "b"])!;
  assert.deepEqual([next.id, next.plugin, next.status, next.startedAt], [
    b.id,
    "b",
    "running",
    1000,
  ]);
  assert.equal(jobs.take(["", "b"])?.plugin, "");
  assert.equal(jobs.get(host.id)?.status, "running");
  db.close();
});

Deno.test("two connections to one file never take the same job", () => {
  const dir = Deno.makeTempDirSync();
  const path = `${dir}/jobs.db`;
  const one = openDatabase({ path });
  const two = openDatabase({ path });
  const first = new JobStore(one);
  const second = new JobStore(two);
  for (let i = 0; i < 200; i++) first.enqueue({ handlerName: "p/h" }, "api");
  const taken = new Set<string>();
  for (let i = 0; i < 120; i++) {
    for (const store of [first, second]) {
      const job = store.take(["p"]);
      if (!job) continue;
      assert.ok(!taken.has(job.id), `job ${job.id} taken twice`);
      taken.add(job.id);
    }
  }
  assert.equal(taken.size, 200);
  one.close();
  two.close();
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("finish() and retry() record the run; a cancelled job ignores a late answer", () => {
  const { db, time, jobs } = clocked();
  const job = jobs.enqueue({ handlerName: "p/h" }, "api");
  jobs.take(["p"]);
  const log = hostLog("info", "halfway", "count");
  assert.ok(jobs.retry(job.id, "flaky", time.now + 5000, [log]));
  let stored = jobs.get(job.id)!;
  assert.deepEqual([stored.status, stored.retryCount, stored.error], ["queued", 1, "flaky"]);
  assert.equal(jobs.take(["p"]), undefined, "not before its retry time");
  time.now += 5000;
  assert.equal(jobs.take(["p"])?.id, job.id);
  assert.ok(jobs.finish(job.id, {
    error: "",
    result: encoder.encode('{"gc":0.5}'),
    progress: { current: 4, total: 4 },
    costActual: 0.1,
    pluginVersion: "1.2.3",
  }));
  stored = jobs.get(job.id)!;
  assert.deepEqual(
    [stored.status, stored.error, stored.pluginVersion, stored.progress.total, stored.completedAt],
    ["completed", "", "1.2.3", 4, 1005],
  );
  assert.equal(new TextDecoder().decode(stored.result), '{"gc":0.5}');
  assert.deepEqual(jobs.logs(job.id).map((entry) => entry.message), ["halfway"]);
  assert.equal(jobs.finish(job.id, { error: "late" }), false, "finished stays finished");

  const other = jobs.enqueue({ handlerName: "p/h" }, "api");
  jobs.take(["p"]);
  jobs.cancel(other.id);
  assert.equal(jobs.finish(other.id, { error: "" }), false);
  assert.equal(jobs.get(other.id)?.status, "cancelled");
  db.close();
});

Deno.test("cancel() takes the children along; pause() and resume() hold a queued job", () => {
  const { db, jobs } = clocked();
  const parent = jobs.enqueue({ handlerName: "p/h" }, "api");
  const child = jobs.enqueue({ handlerName: "p/h", parentJobId: parent.id }, "p");
  const grandchild = jobs.enqueue({ handlerName: "p/h", parentJobId: child.id }, "p");
  const done = jobs.enqueue({ handlerName: "p/h", parentJobId: parent.id }, "p");
  const unrelated = jobs.enqueue({ handlerName: "p/h" }, "api");
  jobs.take(["p"]); // the parent runs
  jobs.update({ ...jobs.get(done.id)!, status: "completed" }, "p");
  const cancelled = jobs.cancel(parent.id);
  assert.deepEqual(new Set(cancelled), new Set([parent.id, child.id, grandchild.id]));
  assert.equal(jobs.get(grandchild.id)?.error, `parent job "${parent.id}" was cancelled`);
  assert.equal(jobs.get(done.id)?.status, "completed", "a finished child stays as it was");
  assert.equal(jobs.get(unrelated.id)?.status, "queued");
  assert.throws(() => jobs.cancel(parent.id), /already cancelled/);
  assert.throws(
    () => jobs.cancel("ghost"),
    (error: unknown) => (error as JobError).kind === "missing",
  );

  jobs.pause(unrelated.id);
  assert.equal(jobs.take(["p"]), undefined, "a paused job is not taken");
  assert.throws(() => jobs.pause(unrelated.id), /is paused: only a queued job can be paused/);
  jobs.resume(unrelated.id);
  assert.equal(jobs.take(["p"])?.id, unrelated.id);
  assert.throws(
    () => jobs.resume(unrelated.id),
    (error: unknown) => (error as JobError).kind === "conflict",
  );
  db.close();
});

Deno.test("recover() requeues or fails the jobs a crash left running, with a log entry", () => {
  const { db, jobs } = clocked();
  const a = jobs.enqueue({ handlerName: "p/h" }, "api");
  const b = jobs.enqueue({ handlerName: "p/h" }, "api");
  jobs.enqueue({ handlerName: "p/h" }, "api");
  jobs.take(["p"]);
  jobs.take(["p"]);
  let woken = 0;
  jobs.onRunnable(() => woken++);
  assert.deepEqual(jobs.recover("requeue"), [a.id, b.id]);
  assert.equal(woken, 1);
  assert.deepEqual([jobs.get(a.id)?.status, jobs.get(a.id)?.retryCount], ["queued", 1]);
  assert.match(jobs.logs(a.id)[0]!.message, /host stopped while the job ran; queued again/);
  jobs.take(["p"]);
  assert.deepEqual(jobs.recover("fail"), [a.id]);
  assert.equal(jobs.get(a.id)?.status, "failed");
  assert.deepEqual(jobs.recover("fail"), []);
  db.close();
});

Deno.test("list() pages newest first by plugin; counts() and prune()", () => {
  const { db, time, jobs } = clocked();
  const ids = [1, 2, 3, 4, 5].map((i) =>
    jobs.enqueue({ handlerName: i % 2 ? "a/h" : "b/h" }, "api").id
  );
  const page = jobs.list({ plugin: "a", newestFirst: true, limit: 2 });
  assert.deepEqual(page.map((job) => job.id), [ids[4], ids[2]]);
  assert.deepEqual(
    jobs.list({ plugin: "a", newestFirst: true, after: ids[2] }).map((job) => job.id),
    [ids[0]],
  );
  assert.throws(() => jobs.list({ after: "ghost" }), /cursor "ghost" is not a job/);
  jobs.cancel(ids[0]!);
  assert.equal(jobs.counts().queued, 4);
  assert.equal(jobs.counts().cancelled, 1);
  time.now += 10_000;
  assert.equal(jobs.prune(1001), 1);
  assert.equal(jobs.get(ids[0]!), undefined);
  db.close();
});
