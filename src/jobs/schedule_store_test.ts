import assert from "node:assert/strict";
import { IN_MEMORY, openDatabase } from "../store/mod.ts";
import { JobStore } from "./job_store.ts";
import { ScheduleStore } from "./schedule_store.ts";
import type { DeclaredSchedule } from "./schedule_record.ts";

function setup() {
  const db = openDatabase({ path: IN_MEMORY });
  const time = { now: 1_000_000 };
  const jobs = new JobStore(db, () => time.now);
  return { db, time, jobs, schedules: new ScheduleStore(db, jobs, () => time.now) };
}

function declared(
  handlerName: string,
  intervalSeconds: number,
  extra: Partial<DeclaredSchedule> = {},
) {
  return {
    handlerName,
    intervalSeconds,
    enabledByDefault: true,
    description: "",
    atsCode: "",
    ...extra,
  };
}

Deno.test("sync() creates, updates and prunes a plugin's declared schedules", () => {
  const { db, schedules } = setup();
  const first = schedules.sync("bio", [
    declared("gc", 60),
    declared("bio/align", 30, { enabledByDefault: false }),
    declared("nope", 10),
    declared("gc", 5),
    declared("bad name", 10),
    declared("kmers", 0),
  ], ["gc", "align", "kmers"]);
  assert.deepEqual(first.created, ["bio/gc", "bio/align"]);
  assert.deepEqual(first.refused, [
    'nope: "nope" is not one of its job handlers',
    'gc: "gc" is declared twice',
    'bad name: handler_name "bad name" is not a handler of plugin "bio"',
    "kmers: interval_seconds must be an integer from 1 to 31622400, not 0",
  ]);
  const made = schedules.create("bio", { handlerName: "gc", intervalSeconds: 3600 });
  const list = schedules.list("bio");
  assert.deepEqual(list.map((s) => [s.handlerName, s.state, s.declared]), [
    ["bio/gc", "active", true],
    ["bio/align", "paused", true],
    ["bio/gc", "active", false],
  ]);
  assert.ok(list.every((s) => s.nextRunAt > 0), "every schedule has its next run");

  const second = schedules.sync("bio", [declared("gc", 120)], ["gc"]);
  assert.deepEqual([second.created, second.updated, second.removed], [[], ["bio/gc"], [
    "bio/align",
  ]]);
  assert.equal(schedules.list("bio").find((s) => s.declared)!.intervalSeconds, 120);

  const emptied = schedules.sync("bio", [], ["gc"]);
  assert.deepEqual(emptied.removed, ["bio/gc"]);
  assert.deepEqual(schedules.list("bio").map((s) => s.id), [made.id], "run-time schedules stay");
  db.close();
});

Deno.test("tick() queues due schedules, moves them on, and never piles runs up", () => {
  const { db, time, jobs, schedules } = setup();
  schedules.sync("bio", [declared("gc", 60)], ["gc"]);
  const schedule = schedules.list()[0]!;
  assert.deepEqual(schedules.tick(), [], "not due yet");
  time.now += 60_000;
  const [jobId] = schedules.tick();
  const job = jobs.get(jobId!)!;
  assert.deepEqual([job.handlerName, job.source, job.scheduleId], ["bio/gc", "bio", schedule.id]);
  let after = schedules.get(schedule.id)!;
  assert.equal(after.nextRunAt, schedule.nextRunAt + 60_000);
  assert.deepEqual([after.lastRunAt, after.lastExecutionId], [time.now, jobId]);

  time.now += 60_000;
  assert.deepEqual(schedules.tick(), [], "the last run is still queued: skipped");
  after = schedules.get(schedule.id)!;
  assert.equal(after.nextRunAt, schedule.nextRunAt + 120_000);

  jobs.cancel(jobId!);
  time.now += 10 * 60_000; // the host was down for ten minutes: one run, not ten
  assert.equal(schedules.tick().length, 1);
  assert.equal(schedules.get(schedule.id)!.nextRunAt, time.now + 60_000);
  db.close();
});

Deno.test("run-time schedules: owner checks, pause, resume, delete, bad input", () => {
  const { db, time, schedules } = setup();
  const made = schedules.create("bio", {
    handlerName: "bio/gc",
    intervalSeconds: 10,
    payload: new TextEncoder().encode('{"seq":"GC"}'),
    metadata: { why: "test" },
  });
  assert.equal(made.handlerName, "bio/gc");
  assert.throws(() => schedules.setState(made.id, "paused", "fin"), /belongs to "bio"/);
  schedules.setState(made.id, "paused", "bio");
  time.now += 20_000;
  assert.deepEqual(schedules.tick(), [], "a paused schedule does not run");
  schedules.setState(made.id, "active", "bio");
  assert.equal(schedules.tick().length, 1);
  assert.throws(
    () =>
      schedules.create("bio", {
        handlerName: "x",
        intervalSeconds: 1,
        payload: new TextEncoder().encode("{"),
      }),
    /payload is not JSON/,
  );
  assert.throws(
    () => schedules.create("bio", { handlerName: "x", intervalSeconds: 1.5 }),
    /interval_seconds/,
  );
  assert.throws(() => schedules.delete(made.id, "fin"), /belongs to "bio"/);
  schedules.delete(made.id, "bio");
  assert.throws(() => schedules.owned(made.id), /does not exist/);
  db.close();
});
