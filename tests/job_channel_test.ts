/**
 * Jobs over the data channel (capability `job_channel`): the host's `DataClient` against an
 * SDK plugin served on real Unix sockets, each answer checked against the same job over gRPC.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { JsonLogger, memorySink } from "../src/log/mod.ts";
import { PluginCallError } from "../src/plugin/mod.ts";
import { CallMethod, CAPABILITIES, domain } from "../src/protocol/mod.ts";
import { definePlugin, serve } from "../src/sdk/mod.ts";
import { DataClient } from "../src/supervisor/mod.ts";
import { channelCall } from "../src/supervisor/channel_calls.ts";
import { METADATA, servedPlugin } from "../src/sdk/_in_process.ts";
import { startTestHost, waitForState } from "./_in_process_host.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const JOB = { jobId: "x", handlerName: "sum", payload: new Uint8Array() };

/** What the handlers saw: aborts, by job id. */
const aborted: string[] = [];

const definition = definePlugin({
  metadata: METADATA,
  jobs: {
    sum: (payload, job) => {
      job.progress(3, 3);
      job.log("info", "summed", "compute");
      return (payload as number[]).reduce((a, b) => a + b, 0);
    },
    hang: (_payload, job) =>
      new Promise((_, reject) =>
        job.signal.addEventListener("abort", () => {
          aborted.push(job.jobId);
          reject(new Error("gave up"));
        })
      ),
  },
});

async function served() {
  const dir = await Deno.makeTempDir({ prefix: "qntx-job-channel-" });
  const serving = await serve(definition, {
    args: ["--socket", join(dir, "plugin.sock"), "--data-socket", join(dir, "data.sock")],
    exit: false,
    logger: new JsonLogger("demo v1.2.3", { sink: memorySink() }),
  });
  const client = await DataClient.connect("demo", join(dir, "data.sock"));
  const run = (
    jobId: string,
    handlerName: string,
    payload: string,
    deadlineMs = 5_000,
    signal?: AbortSignal,
  ) =>
    client.call(
      channelCall(
        "executeJob",
        { jobId, handlerName, payload: encoder.encode(payload) },
        deadlineMs,
        signal,
      ),
    );
  return {
    dir,
    client,
    serving,
    run,
    async close() {
      client.close();
      await serving.stop("test over");
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("given a data socket, the SDK serves its control there and no gRPC at all", async () => {
  const plugin = await served();
  try {
    assert.deepEqual(plugin.serving.address, { kind: "channel", path: `${plugin.dir}/data.sock` });
    const metadata = await plugin.client.call(channelCall("metadata", {}, 2_000));
    assert.equal(metadata.name, "demo");
    assert.ok(metadata.capabilities.includes(CAPABILITIES.jobChannel), `${metadata.capabilities}`);
    const schema = await plugin.client.call(channelCall("configSchema", {}, 2_000));
    assert.deepEqual(schema.fields, {});
    const health = await plugin.client.call(channelCall("health", {}, 2_000));
    assert.deepEqual([health.healthy, health.paused], [true, false]);
    // A plugin that cannot pause refuses as it would over gRPC: UNIMPLEMENTED.
    await assert.rejects(
      plugin.client.call(channelCall("pause", {}, 2_000)),
      (error: PluginCallError & { code: number }) => {
        assert.equal(error.code, 12);
        assert.match(error.message, /plugin "demo" cannot pause/);
        return true;
      },
    );
    await assert.rejects(Deno.stat(`${plugin.dir}/plugin.sock`), Deno.errors.NotFound);
  } finally {
    await plugin.close();
  }
});

Deno.test("a job over the data channel answers as the same job over gRPC", async () => {
  const plugin = await served();
  const grpc = await servedPlugin(definition);
  try {
    const viaChannel = await plugin.run("j1", "sum", "[1,2,3]");
    const viaGrpc = await grpc.call<domain.ExecuteJobResponse>("executeJob", {
      jobId: "j1",
      handlerName: "sum",
      payload: encoder.encode("[1,2,3]"),
    });
    assert.equal(decoder.decode(viaChannel.result), "6");
    // Log timestamps differ; everything else is the same answer.
    const same = (response: domain.ExecuteJobResponse) => ({
      ...response,
      result: new Uint8Array(response.result),
      logEntries: response.logEntries.map((entry) => ({ ...entry, timestamp: "" })),
    });
    assert.deepEqual(same(viaChannel), same(viaGrpc));
    const unknown = await plugin.run("j2", "nope", "{}");
    assert.equal(unknown.success, false);
    assert.match(unknown.error, /has no job handler "nope"/);
    // Many at once, each answer on its own stream.
    const many = await Promise.all(
      Array.from({ length: 200 }, (_, i) => plugin.run(`m${i}`, "sum", `[${i},1]`)),
    );
    assert.deepEqual(many.map((r) => decoder.decode(r.result)), many.map((_, i) => `${i + 1}`));
  } finally {
    await grpc.close();
    await plugin.close();
  }
});

Deno.test("cancelling a job over the data channel aborts it in the plugin", async () => {
  const plugin = await served();
  try {
    const caller = new AbortController();
    const running = plugin.run("c1", "hang", "null", 5_000, caller.signal);
    await new Promise((resolve) => setTimeout(resolve, 50));
    caller.abort();
    await assert.rejects(running, (error: PluginCallError) => {
      assert.equal(error.failure, "cancelled");
      return true;
    });
    while (!aborted.includes("c1")) await new Promise((resolve) => setTimeout(resolve, 5));

    // A missed deadline is a timeout for the host and an abort for the plugin.
    await assert.rejects(plugin.run("d1", "hang", "null", 100), (error: PluginCallError) => {
      assert.equal(error.failure, "timeout");
      assert.match(error.message, /plugin "demo" did not answer in time/);
      return true;
    });
    while (!aborted.includes("d1")) await new Promise((resolve) => setTimeout(resolve, 5));
  } finally {
    await plugin.close();
  }
});

Deno.test("a data channel that closes fails the calls under way; later calls fail at once", async () => {
  const plugin = await served();
  try {
    const running = plugin.run("g1", "hang", "null");
    const failed = assert.rejects(running, (error: PluginCallError) => {
      assert.equal(error.failure, "unreachable");
      assert.match(error.message, /plugin "demo" could not be reached: its data channel closed/);
      return true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await plugin.serving.stop("going away", false);
    await failed;
    await assert.rejects(plugin.run("g2", "sum", "[1]"), /its data channel closed/);
  } finally {
    await plugin.close();
  }
});

Deno.test("the plugin refuses a call it does not know, and bad request bytes, with a reason", async () => {
  const plugin = await served();
  try {
    // An unknown method: a FAILED reply naming it.
    await assert.rejects(
      plugin.client.call({
        ...channelCall("executeJob", JOB, 2_000),
        method: 99 as typeof CallMethod.EXECUTE_JOB,
      }),
      (error: PluginCallError) => {
        assert.equal(error.failure, "unreachable");
        assert.match(error.message, /plugin "demo" failed the call: no call method 99/);
        return true;
      },
    );
    // Bytes that are no ExecuteJobRequest: the same, with the decoder's reason.
    await assert.rejects(
      plugin.client.call({
        ...channelCall("executeJob", JOB, 2_000),
        request: new Uint8Array([0x0a, 0xff, 0xff]),
      }),
      /plugin "demo" failed the call: /,
    );
    // The channel still serves.
    assert.equal(decoder.decode((await plugin.run("ok", "sum", "[2,2]")).result), "4");
  } finally {
    await plugin.close();
  }
});

Deno.test("a plugin on its data channel alone whose channel closed fails calls saying so (no gRPC to fall back to)", async () => {
  const test = await startTestHost(["worker"]);
  try {
    await waitForState(test.host.registry, "worker", "running");
    const connection = test.host.supervisor.get("worker")!.connection!;
    assert.equal(connection.client, undefined, "an SDK plugin gets no gRPC client");
    connection.process.signal("SIGKILL");
    await connection.process.exited;
    while (!connection.data?.closed) await new Promise((resolve) => setTimeout(resolve, 5));
    const request = { jobId: "late", handlerName: "noop", payload: new Uint8Array() };
    await assert.rejects(
      connection.executeJob(request, 1_000),
      /plugin "worker" could not be reached: its data channel closed/,
    );
    const head = { method: "GET", path: "/", headers: [], body: new Uint8Array() };
    await assert.rejects(
      connection.stream(head, null, 1_000) ?? Promise.resolve("fell back to gRPC"),
      /plugin "worker" could not be reached: its data channel closed/,
    );
  } finally {
    await test.close();
  }
});
