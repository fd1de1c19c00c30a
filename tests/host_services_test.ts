import * as grpc from "@grpc/grpc-js";
import assert from "node:assert/strict";
import { ats, callUnary, CHANNEL_OPTIONS, queue, schedule } from "../src/protocol/mod.ts";
import { JobStore, ScheduleStore } from "../src/jobs/mod.ts";
import { startTestHost, waitForState } from "./_in_process_host.ts";
import type { PluginConnection } from "../src/supervisor/plugin_connection.ts";

const encoder = new TextEncoder();

async function runJob(connection: PluginConnection, handlerName: string, payload: unknown) {
  const response = await connection.call("executeJob", {
    jobId: "t",
    handlerName,
    payload: encoder.encode(JSON.stringify(payload)),
    timeoutSecs: 20n,
  }, 20_000);
  assert.equal(response.success, true, response.error);
  return JSON.parse(new TextDecoder().decode(response.result));
}

Deno.test("a plugin writes and reads attestations through the host; the token decides the source", async () => {
  const test = await startTestHost(["scribe"]);
  try {
    await waitForState(test.host.registry, "scribe", "running");
    const client = test.host.supervisor.get("scribe")!.connection!;
    const written = await runJob(client, "write", { subject: "Doc-1", count: 500 });
    assert.equal(written.source, "scribe");
    assert.deepEqual(
      written.attributes,
      { n: 0, source_version: "2.1.0" },
      "source_version is the host's to set",
    );
    assert.equal(written.many, 500);
    const read = await runJob(client, "read", { subjects: ["doc-1"], predicates: ["counted"] });
    assert.deepEqual(read, { count: 100, sources: ["scribe"] }, "the default page is 100");
    const rows = test.host.db.prepare(
      "SELECT COUNT(*) AS n FROM attestations WHERE source = 'scribe'",
    ).get();
    assert.equal(rows?.n, 501);
    assert.equal(
      await runJob(client, "invalid", null),
      "attestation store: subjects: subjects must have at least one value",
    );
  } finally {
    await test.close();
  }
});

Deno.test("a plugin enqueues, reads, updates and lists its own jobs through the host's queue, and only those", async () => {
  const test = await startTestHost(["scribe"]);
  try {
    await waitForState(test.host.registry, "scribe", "running");
    // Enqueued and paused in one step, so no worker takes it: the operator's job for scribe.
    const jobs = new JobStore(test.host.db);
    const mine = jobs.enqueue(
      { handlerName: "scribe/write", payload: encoder.encode("{}") },
      "api",
    );
    jobs.pause(mine.id);
    // A plugin that is not running: the job waits, its payload is archive's business.
    const theirs = jobs.enqueue({
      handlerName: "archive/later",
      payload: encoder.encode('{"secret":1}'),
    }, "api");
    const result = await runJob(test.host.supervisor.get("scribe")!.connection!, "queue", {
      mine: mine.id,
      theirs: theirs.id,
    });
    assert.deepEqual(result.enqueued, { handlerName: "scribe/later", source: "scribe" });
    assert.deepEqual(result.found, { source: "api", payload: "{}" });
    assert.deepEqual(result.listed, [[mine.id, "paused", { current: 1, total: 2 }]]);
    assert.equal(result.refused.length, 5);
    assert.deepEqual(result.refused.slice(0, 2), [
      `job queue: job "${theirs.id}" does not exist`,
      `job queue: job "${theirs.id}" does not exist`,
    ]);
    assert.match(result.refused[2], /^job queue: plugin "scribe" may not enqueue "archive\/later"/);
    assert.match(
      result.refused[3],
      /^job queue: plugin "scribe" may not enqueue host handler "prune-jobs": host handlers run only when the operator asks/,
    );
    assert.equal(result.refused[4], `job queue: parent job "${theirs.id}" does not exist`);
    assert.deepEqual(result.sees, ["scribe"]);
    assert.equal(jobs.get(theirs.id)?.status, "queued");
    // The operator sees each distinct attempt once, with the plugin named (GetJob and UpdateJob
    // of the same job are one).
    const warned = test.logs.filter((line) => line.level === "warn" && line.plugin === "scribe")
      .map((line) => line.msg);
    assert.equal(warned.filter((msg) => msg.startsWith("job queue refused: ")).length, 4);
  } finally {
    await test.close();
  }
});

Deno.test("a wrong token gets 'invalid authentication token' on every RPC, never data", async () => {
  const test = await startTestHost(["scribe"]);
  try {
    await waitForState(test.host.registry, "scribe", "running");
    await runJob(test.host.supervisor.get("scribe")!.connection!, "write", {
      subject: "secret",
      count: 1,
    });
    const store = new ats.ATSStoreServiceClient(
      `unix:${test.host.supervisor.get("scribe")!.hostSocket}`,
      grpc.credentials.createInsecure(),
      CHANNEL_OPTIONS,
    );
    try {
      const token = "f".repeat(64);
      const command = ats.AttestationCommand.fromPartial({
        subjects: ["s"],
        predicates: ["p"],
        contexts: ["c"],
        actors: ["a"],
      });
      const calls = [
        callUnary(
          store.generateAndCreateAttestation.bind(store),
          { authToken: token, command },
          5000,
        ),
        callUnary(store.batchGenerateAndCreateAttestations.bind(store), {
          authToken: token,
          commands: [command],
        }, 5000),
        callUnary(store.getAttestations.bind(store), { authToken: token, filter: undefined }, 5000),
        callUnary(
          store.createAttestation.bind(store),
          { authToken: "", attestation: undefined },
          5000,
        ),
      ];
      for (const answer of await Promise.all(calls)) {
        assert.equal(answer.success, false);
        assert.equal(answer.error, "invalid authentication token");
        assert.ok(
          !("attestations" in answer) ||
            (answer as ats.GetAttestationsResponse).attestations.length === 0,
        );
      }
      const exists = await callUnary(store.attestationExists.bind(store), {
        authToken: token,
        id: "anything",
      }, 5000);
      assert.equal(exists.exists, false);
      const stream = store.getAttestationsStream({ authToken: token, filter: undefined });
      const error = await new Promise<grpc.ServiceError>((resolve) => {
        stream.on("data", () => assert.fail("a stream with a wrong token sent data"));
        stream.on("error", resolve);
      });
      assert.equal(error.code, grpc.status.PERMISSION_DENIED);
      assert.match(error.details, /invalid authentication token/);
      const jobs = new queue.QueueServiceClient(
        `unix:${test.host.supervisor.get("scribe")!.hostSocket}`,
        grpc.credentials.createInsecure(),
        CHANNEL_OPTIONS,
      );
      try {
        const answers = await Promise.all([
          callUnary(jobs.enqueue.bind(jobs), {
            authToken: token,
            job: queue.Job.fromPartial({ handlerName: "scribe/x" }),
          }, 5000),
          callUnary(jobs.getJob.bind(jobs), { authToken: token, jobId: "x" }, 5000),
          callUnary(jobs.updateJob.bind(jobs), { authToken: token, job: undefined }, 5000),
          callUnary(jobs.listJobs.bind(jobs), { authToken: token, status: "" }, 5000),
        ]);
        for (const answer of answers) {
          assert.deepEqual([answer.success, answer.error], [false, "invalid authentication token"]);
        }
      } finally {
        jobs.close();
      }
      const schedules = new schedule.ScheduleServiceClient(
        `unix:${test.host.supervisor.get("scribe")!.hostSocket}`,
        grpc.credentials.createInsecure(),
        CHANNEL_OPTIONS,
      );
      try {
        const id = { authToken: token, scheduleId: "S1" };
        const answers = await Promise.all([
          callUnary(schedules.createSchedule.bind(schedules), {
            authToken: token,
            handlerName: "write",
            intervalSeconds: 60,
            payload: new Uint8Array(),
            metadata: {},
          }, 5000),
          callUnary(schedules.pauseSchedule.bind(schedules), id, 5000),
          callUnary(schedules.resumeSchedule.bind(schedules), id, 5000),
          callUnary(schedules.deleteSchedule.bind(schedules), id, 5000),
          callUnary(schedules.getSchedule.bind(schedules), id, 5000),
        ]);
        for (const answer of answers) {
          assert.deepEqual([answer.success, answer.error], [false, "invalid authentication token"]);
        }
        const made = test.host.db.prepare("SELECT COUNT(*) AS n FROM schedules").get();
        assert.equal(made?.n, 0, "no schedule was made with the wrong token");
      } finally {
        schedules.close();
      }
      const count = test.host.db.prepare("SELECT COUNT(*) AS n FROM attestations").get();
      assert.equal(
        count?.n,
        2,
        "nothing was written with the wrong token (the job wrote 1 + a batch of 1)",
      );
    } finally {
      store.close();
    }
  } finally {
    await test.close();
  }
});

Deno.test("a plugin manages its schedules through the host; bad requests get their reason", async () => {
  const test = await startTestHost(["scribe"]);
  try {
    await waitForState(test.host.registry, "scribe", "running");
    const theirs = new ScheduleStore(test.host.db, new JobStore(test.host.db)).create("echo", {
      handlerName: "write",
      intervalSeconds: 60,
    });
    const result = await runJob(
      test.host.supervisor.get("scribe")!.connection!,
      "schedules",
      {
        theirs: theirs.id,
      },
    );
    assert.match(result.id, /^S[0-9A-Z]{26}$/);
    assert.deepEqual(result.read, {
      handlerName: "scribe/write",
      intervalSeconds: 3600,
      state: "paused",
      nextRunAt: true,
    });
    assert.deepEqual(result.refused, [
      'schedules: handler_name "not a handler" is not a handler of plugin "scribe"',
      "schedules: interval_seconds must be an integer from 1 to 31622400, not 0",
      'schedules: plugin "scribe" may not schedule "echo/write": a plugin may schedule only its own handlers ("scribe/<handler>" or "<handler>"); only the plugin named before the "/" may schedule its handlers',
      'schedules: schedule "S0" does not exist',
      `schedules: schedule "${theirs.id}" does not exist`,
      `schedules: schedule "${theirs.id}" does not exist`,
    ]);
    assert.equal(result.afterDelete, `schedules: schedule "${result.id}" does not exist`);
  } finally {
    await test.close();
  }
});

Deno.test("malformed queue requests from a plugin get their reason, never a crash", async () => {
  const test = await startTestHost(["scribe"]);
  try {
    await waitForState(test.host.registry, "scribe", "running");
    const id = test.host.services.queue().enqueue({ handlerName: "scribe/bad-queue" });
    const end = Date.now() + 10_000;
    let row;
    do {
      await new Promise((resolve) => setTimeout(resolve, 20));
      row = test.host.db.prepare("SELECT status, result FROM jobs WHERE id = ?").get(await id);
    } while (row?.status !== "completed" && Date.now() < end);
    assert.equal(row?.status, "completed");
    assert.deepEqual(JSON.parse(new TextDecoder().decode(row!.result as Uint8Array)), [
      'job queue: handler_name "not a handler" is not a handler of plugin "scribe"',
      "job queue: the payload is not JSON",
      'job queue: parent job "ghost" does not exist',
      'job queue: job "ghost" does not exist',
      'job queue: status "sleeping" is not one of queued, running, paused, completed, failed, cancelled',
      'job queue: job "ghost" does not exist',
    ]);
  } finally {
    await test.close();
  }
});
