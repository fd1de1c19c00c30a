import * as grpc from "@grpc/grpc-js";
import assert from "node:assert/strict";
import { GrpcClient, type GrpcTarget, type UnaryMethod } from "./grpc_client.ts";
import { GrpcCallError, GrpcStatus } from "./grpc_status.ts";

const bytes = (path: string): UnaryMethod<Uint8Array, Uint8Array> => ({
  path,
  encode: (request) => request,
  decode: (answer) => answer,
});
const ECHO = bytes("/test.Bytes/Echo");
const FAIL = bytes("/test.Bytes/Fail");
const HOLD = bytes("/test.Bytes/Hold");
const raw = (value: Buffer | Uint8Array) => Buffer.from(value);
const method = (path: string) => ({
  path,
  requestStream: false,
  responseStream: false,
  requestSerialize: raw,
  requestDeserialize: raw,
  responseSerialize: raw,
  responseDeserialize: raw,
});
const SERVICE = {
  echo: method(ECHO.path),
  fail: method(FAIL.path),
  hold: method(HOLD.path),
};
const LIMITS = {
  "grpc.max_receive_message_length": 64 * 1024 * 1024,
  "grpc.max_send_message_length": 64 * 1024 * 1024,
};

/** A grpc-js server (Deno's node:http2 underneath) with an echo, a failure and a held call. */
async function server(address: string, options: grpc.ServerOptions = {}) {
  const held: { cancelled: boolean }[] = [];
  const served = new grpc.Server({ ...LIMITS, ...options });
  served.addService(SERVICE, {
    echo: (call: grpc.ServerUnaryCall<Buffer, Buffer>, done: grpc.sendUnaryData<Buffer>) =>
      done(null, call.request),
    fail: (_call: unknown, done: grpc.sendUnaryData<Buffer>) =>
      done({ code: grpc.status.NOT_FOUND, details: "no such note ✓ 100%" }),
    hold: (call: grpc.ServerUnaryCall<Buffer, Buffer>) => {
      const record = { cancelled: false };
      held.push(record);
      call.on("cancelled", () => record.cancelled = true);
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    served.bindAsync(
      address,
      grpc.ServerCredentials.createInsecure(),
      (error, port) => error ? reject(error) : resolve(port),
    )
  );
  return { port, held, stop: () => served.forceShutdown() };
}

function client(target: GrpcTarget): GrpcClient {
  return new GrpcClient(target, { maxMessageBytes: 64 * 1024 * 1024, label: "the test server" });
}

async function rejects(
  call: Promise<unknown>,
  code: number | number[],
  details: RegExp,
): Promise<void> {
  await assert.rejects(call, (error: unknown) => {
    assert.ok(error instanceof GrpcCallError, String(error));
    assert.ok([code].flat().includes(error.code), error.message);
    assert.match(error.details, details);
    return true;
  });
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(check(), "the condition never came");
}

Deno.test("GrpcClient - answers over TCP and a Unix socket, 3 MiB each way", async () => {
  const dir = await Deno.makeTempDir();
  const tcp = await server("127.0.0.1:0");
  const unix = await server(`unix:${dir}/s.sock`);
  const payload = crypto.getRandomValues(new Uint8Array(65536)).map((_, i) => i * 7);
  const big = new Uint8Array(3 * 1024 * 1024).map((_, i) => payload[i % payload.length]!);
  for (
    const target of [{ kind: "tcp", port: tcp.port }, {
      kind: "unix",
      path: `${dir}/s.sock`,
    }] as const
  ) {
    const c = client(target);
    try {
      assert.deepEqual(
        await c.call(ECHO, new Uint8Array([1, 2, 3]), 5000),
        new Uint8Array([1, 2, 3]),
      );
      assert.deepEqual(await c.call(ECHO, new Uint8Array(0), 5000), new Uint8Array(0));
      assert.deepEqual(await c.call(ECHO, big, 20000), big);
    } finally {
      c.close();
    }
  }
  tcp.stop();
  unix.stop();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("GrpcClient - more calls at once than the server's stream limit wait their turn", async () => {
  const s = await server("127.0.0.1:0", { "grpc.max_concurrent_streams": 4 });
  const c = client({ kind: "tcp", port: s.port });
  try {
    const answers = await Promise.all(
      Array.from({ length: 300 }, (_, i) => c.call(ECHO, new Uint8Array([i % 256, i >> 8]), 10000)),
    );
    answers.forEach((answer, i) => assert.deepEqual(answer, new Uint8Array([i % 256, i >> 8])));
  } finally {
    c.close();
    s.stop();
  }
});

Deno.test("GrpcClient - a server's status and message arrive as it sent them", async () => {
  const s = await server("127.0.0.1:0");
  const c = client({ kind: "tcp", port: s.port });
  try {
    await rejects(
      c.call(FAIL, new Uint8Array(1), 5000),
      grpc.status.NOT_FOUND,
      /^no such note ✓ 100%$/,
    );
    await rejects(
      c.call(bytes("/test.Bytes/Missing"), new Uint8Array(1), 5000),
      GrpcStatus.UNIMPLEMENTED,
      /./,
    );
    // The connection is still good after both.
    assert.deepEqual(await c.call(ECHO, new Uint8Array([9]), 5000), new Uint8Array([9]));
  } finally {
    c.close();
    s.stop();
  }
});

Deno.test("GrpcClient - a deadline or the caller's signal ends the call and the server learns", async () => {
  const s = await server("127.0.0.1:0");
  const c = client({ kind: "tcp", port: s.port });
  try {
    await rejects(c.call(HOLD, new Uint8Array(1), 100), GrpcStatus.DEADLINE_EXCEEDED, /deadline/i);
    const caller = new AbortController();
    const call = c.call(HOLD, new Uint8Array(1), 10000, caller.signal);
    await until(() => s.held.length === 2);
    const cancelled = rejects(call, GrpcStatus.CANCELLED, /caller went away/);
    caller.abort();
    await cancelled;
    await until(() => s.held.every((record) => record.cancelled));
    await rejects(
      c.call(ECHO, new Uint8Array(1), 1000, caller.signal),
      GrpcStatus.CANCELLED,
      /caller/,
    );
  } finally {
    c.close();
    s.stop();
  }
});

Deno.test("GrpcClient - a server gone fails the calls under way, and the next call reconnects", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/s.sock`;
  const first = await server(`unix:${path}`);
  const c = client({ kind: "unix", path });
  try {
    assert.deepEqual(await c.call(ECHO, new Uint8Array([1]), 5000), new Uint8Array([1]));
    const held = c.call(HOLD, new Uint8Array(1), 10000);
    await until(() => first.held.length === 1);
    // grpc-js resets the streams under way (CANCEL), then closes the connection.
    const failed = rejects(held, [GrpcStatus.CANCELLED, GrpcStatus.UNAVAILABLE], /./);
    first.stop();
    await failed;
    await rejects(
      c.call(ECHO, new Uint8Array(1), 1000),
      GrpcStatus.UNAVAILABLE,
      /cannot connect to the test server/,
    );
    await Deno.remove(path).catch(() => {});
    const second = await server(`unix:${path}`);
    assert.deepEqual(await c.call(ECHO, new Uint8Array([2]), 5000), new Uint8Array([2]));
    second.stop();
  } finally {
    c.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("GrpcClient - close fails the calls under way and refuses later ones", async () => {
  const s = await server("127.0.0.1:0");
  const c = client({ kind: "tcp", port: s.port });
  const held = c.call(HOLD, new Uint8Array(1), 10000);
  await until(() => s.held.length === 1);
  const failed = rejects(held, GrpcStatus.UNAVAILABLE, /closed/);
  c.close();
  await failed;
  await rejects(c.call(ECHO, new Uint8Array(1), 1000), GrpcStatus.UNAVAILABLE, /closed/);
  s.stop();
});
