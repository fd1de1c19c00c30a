import assert from "node:assert/strict";
import { call, kit, TOKENS, tokens } from "./_service_test_kit.ts";
import { scheduleService } from "./schedule_service.ts";
import { sqliteSchedules } from "../jobs/mod.ts";

function setup() {
  const k = kit();
  const service = scheduleService(sqliteSchedules(k.schedules), tokens, k.logger);
  const create = (handlerName: string) =>
    call(service.createSchedule, {
      authToken: TOKENS.bio,
      handlerName,
      intervalSeconds: 60,
      payload: new Uint8Array(),
      metadata: {},
    });
  return { ...k, service, create };
}

Deno.test("ScheduleService answers every call on another plugin's schedule as on a missing one", async () => {
  using t = setup();
  const theirs = t.schedules.create("fin", { handlerName: "pay", intervalSeconds: 60 });
  const request = { authToken: TOKENS.bio, scheduleId: theirs.id };
  const missing = `schedule "${theirs.id}" does not exist`;
  assert.deepEqual(await call(t.service.getSchedule, request), {
    success: false,
    error: missing,
    job: undefined,
  });
  for (const change of ["pauseSchedule", "resumeSchedule", "deleteSchedule"] as const) {
    assert.deepEqual(await call(t.service[change], request), { success: false, error: missing });
  }
  assert.deepEqual(await call(t.service.getSchedule, { ...request, scheduleId: "S0" }), {
    success: false,
    error: 'schedule "S0" does not exist',
    job: undefined,
  });
  assert.equal(t.schedules.get(theirs.id)?.state, "active");
  const owner = await call(t.service.getSchedule, { ...request, authToken: TOKENS.fin });
  assert.equal(owner.job?.handlerName, "fin/pay");
  // Each distinct attempt is logged once, with the plugin: retries in a loop do not flood.
  assert.deepEqual(t.warnings(), [
    `bio: schedule service refused: plugin "bio" reached for schedule "${theirs.id}" of plugin "fin"; it was told that it does not exist`,
  ]);
});

Deno.test("ScheduleService makes schedules only for the caller's own handlers", async () => {
  using t = setup();
  for (const handlerName of ["gc", "bio/gc"]) {
    const made = await t.create(handlerName);
    assert.equal(made.success, true, made.error);
    assert.deepEqual(
      [t.schedules.get(made.scheduleId)?.plugin, t.schedules.get(made.scheduleId)?.handlerName],
      ["bio", "bio/gc"],
    );
  }
  const refused = await t.create("fin/pay");
  assert.equal(refused.success, false);
  assert.match(refused.error, /^plugin "bio" may not schedule "fin\/pay": /);
  assert.match(refused.error, /only the plugin named before the "\/" may schedule its handlers/);
  assert.deepEqual(t.schedules.list("fin"), []);
  assert.equal(t.warnings().length, 1);
  assert.match(t.warnings()[0]!, /^bio: schedule service refused: plugin "bio" may not schedule/);
});

Deno.test("ScheduleService lets a plugin pause, resume, read and delete its own schedules", async () => {
  using t = setup();
  const made = await t.create("gc");
  const request = { authToken: TOKENS.bio, scheduleId: made.scheduleId };
  assert.deepEqual(await call(t.service.pauseSchedule, request), { success: true, error: "" });
  assert.equal((await call(t.service.getSchedule, request)).job?.state, "paused");
  assert.deepEqual(await call(t.service.resumeSchedule, request), { success: true, error: "" });
  assert.deepEqual(await call(t.service.deleteSchedule, request), { success: true, error: "" });
  assert.equal(t.schedules.get(made.scheduleId), undefined);
});
