import assert from "node:assert/strict";
import { IN_MEMORY, openDatabase } from "../store/mod.ts";
import { JobError, JobStore } from "./job_store.ts";

const encoder = new TextEncoder();

function store() {
  const db = openDatabase({ path: IN_MEMORY });
  return { db, jobs: new JobStore(db, () => 1000) };
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
  assert.deepEqual(jobs.list(undefined).map((job) => job.id), [first.id, "mine-1"]);
  assert.deepEqual(jobs.list("queued", 1).map((job) => job.id), [first.id]);
  assert.deepEqual(jobs.list("running"), []);
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
    [() => jobs.list("sleeping"), /status "sleeping" is not one of queued, running/],
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

Deno.test("update() lets only the owner move its job, and a finished job stays finished", () => {
  const { db, jobs } = store();
  const job = jobs.enqueue({ handlerName: "p/h" }, "p");
  assert.throws(() => jobs.update({ ...job, status: "running" }, "other"), /belongs to "p"/);
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
