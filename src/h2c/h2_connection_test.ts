/**
 * The client against servers that break HTTP/2 or gRPC on purpose (a raw socket playing the
 * server): every call ends with an error naming the cause, none hangs, and the next call gets
 * a new connection.
 */
import assert from "node:assert/strict";
import { GrpcClient } from "./grpc_client.ts";
import { GrpcCallError, GrpcStatus } from "./grpc_status.ts";

const METHOD = {
  path: "/test.Bytes/Echo",
  encode: (b: Uint8Array) => b,
  decode: (b: Uint8Array) => b,
};

function frame(type: number, flags: number, stream: number, payload: number[] | Uint8Array) {
  const length = payload.length;
  return new Uint8Array([
    length >>> 16,
    length >>> 8,
    length,
    type,
    flags,
    stream >>> 24,
    stream >>> 16,
    stream >>> 8,
    stream,
    ...payload,
  ]);
}
const SETTINGS = frame(4, 0, 0, []);
// :status 200 (static 8), content-type: application/grpc as a literal with name index 31.
const OK_HEADERS = [0x88, 0x0f, 0x10, 16, ...new TextEncoder().encode("application/grpc")];

type Reply = Uint8Array[] | null;

/**
 * A server that answers the first call of each connection with `reply` (after its SETTINGS);
 * a function gives the reply of connection `n` (0 first).
 */
async function hostile(
  reply: Reply | ((connection: number) => Reply),
  test: (port: number) => Promise<void>,
) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  const serving = (async () => {
    for await (const conn of listener) {
      conns.push(conn);
      const answer = typeof reply === "function" ? reply(conns.length - 1) : reply;
      (async () => {
        const buffer = new Uint8Array(65536);
        await conn.write(SETTINGS);
        // The preface, the client's SETTINGS and WINDOW_UPDATE, then its call's frames.
        let seen = 0;
        while (seen < 24 + 9 + 18 + 13 + 9) seen += (await conn.read(buffer)) ?? Infinity;
        for (const bytes of answer ?? []) await conn.write(bytes);
        while ((await conn.read(buffer)) !== null) { /* keep the connection open */ }
      })().catch(() => {});
    }
  })().catch(() => {});
  try {
    await test((listener.addr as Deno.NetAddr).port);
  } finally {
    listener.close();
    for (const conn of conns) {
      try {
        conn.close();
      } catch { /* closed by the client */ }
    }
    await serving;
  }
}

async function fails(port: number, code: number, detail: RegExp, deadlineMs = 5000) {
  const client = new GrpcClient({ kind: "tcp", port }, { maxMessageBytes: 1024, label: "hostile" });
  try {
    await assert.rejects(client.call(METHOD, new Uint8Array([1]), deadlineMs), (error: unknown) => {
      assert.ok(error instanceof GrpcCallError, String(error));
      assert.equal(error.code, code, error.message);
      assert.match(error.details, detail);
      return true;
    });
  } finally {
    client.close();
  }
}

Deno.test("H2Connection - servers that break HTTP/2 end the connection, naming why", async (t) => {
  const cases: [string, Uint8Array[], RegExp][] = [
    ["a frame above 16 KiB", [frame(0, 0, 1, new Uint8Array(20000))], /frame of 20000 bytes/],
    ["a header index that does not exist", [frame(1, 4, 1, [0xff, 0x40])], /no table entry/],
    ["a push promise", [frame(5, 4, 1, [0, 0, 0, 2])], /PUSH_PROMISE/],
    ["a frame on a stream never opened", [frame(0, 0, 3, [0])], /stream 3, never opened/],
    [
      "a header block cut by another frame",
      [frame(1, 0, 1, OK_HEADERS), frame(0, 0, 1, [0])],
      /interrupted/,
    ],
    ["a PING of the wrong size", [frame(6, 0, 0, [1, 2, 3])], /PING frame of the wrong size/],
    ["a zero window update", [frame(8, 0, 0, [0, 0, 0, 0])], /zero WINDOW_UPDATE/],
    [
      "a header block in endless empty CONTINUATION frames",
      [frame(1, 0, 1, OK_HEADERS), ...Array.from({ length: 100 }, () => frame(9, 0, 1, []))],
      /over 64 frames/,
    ],
  ];
  for (const [name, reply, detail] of cases) {
    await t.step(name, async () => {
      await hostile(reply, (port) => fails(port, GrpcStatus.UNAVAILABLE, detail));
    });
  }
});

Deno.test("H2Connection - answers that break gRPC fail the call alone", async (t) => {
  const cases: [string, Uint8Array[], number, RegExp][] = [
    [
      "a message above the limit",
      [
        frame(1, 4, 1, OK_HEADERS),
        frame(0, 0, 1, [0, 0, 0, 8, 0]),
      ],
      GrpcStatus.RESOURCE_EXHAUSTED,
      /2048 bytes is above the limit of 1024/,
    ],
    [
      "an HTML page",
      [frame(1, 5, 1, [0x88, 0x5f, 9, ...new TextEncoder().encode("text/html")])],
      GrpcStatus.UNKNOWN,
      /text\/html/,
    ],
    [
      "a stream reset",
      [frame(3, 0, 1, [0, 0, 0, 2])],
      GrpcStatus.INTERNAL,
      /reset the call \(error 2\)/,
    ],
  ];
  for (const [name, reply, code, detail] of cases) {
    await t.step(name, async () => {
      await hostile(reply, (port) => fails(port, code, detail));
    });
  }
});

Deno.test("H2Connection - a server that never answers meets the deadline", async () => {
  await hostile(null, async (port) => {
    const started = performance.now();
    await fails(port, GrpcStatus.DEADLINE_EXCEEDED, /deadline passed/, 150);
    assert.ok(performance.now() - started < 1000);
  });
});

const utf8 = new TextEncoder();
/** A whole good answer to stream `id`: headers, the message [7], trailers with status 0. */
const ANSWER = (id: number) => [
  frame(1, 4, id, OK_HEADERS),
  frame(0, 0, id, [0, 0, 0, 0, 1, 7]),
  frame(1, 5, id, [0x00, 11, ...utf8.encode("grpc-status"), 1, ...utf8.encode("0")]),
];

Deno.test("H2Connection - calls a server sends back unprocessed go again", async (t) => {
  const cases: [string, Reply][] = [
    ["GOAWAY below the call's stream", [frame(7, 0, 0, [0, 0, 0, 0, 0, 0, 0, 0])]],
    ["GOAWAY, then the stream refused", [
      frame(7, 0, 0, [0, 0, 0, 1, 0, 0, 0, 0]),
      frame(3, 0, 1, [0, 0, 0, 7]),
    ]],
    // Sent again on the same connection, as stream 3.
    ["the stream refused", [frame(3, 0, 1, [0, 0, 0, 7]), ...ANSWER(3)]],
  ];
  for (const [name, first] of cases) {
    await t.step(name, async () => {
      await hostile((n) => n === 0 ? first : ANSWER(1), async (port) => {
        const client = new GrpcClient({ kind: "tcp", port }, { maxMessageBytes: 1024, label: "x" });
        try {
          const started = performance.now();
          assert.deepEqual(
            await client.call(METHOD, new Uint8Array([1]), 5000),
            new Uint8Array([7]),
          );
          assert.ok(performance.now() - started < 2000, "the call waited for its deadline");
        } finally {
          client.close();
        }
      });
    });
  }
});

Deno.test("H2Connection - a server that reads nothing still lets the call meet its deadline", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const client = new GrpcClient({ kind: "tcp", port }, { maxMessageBytes: 1024, label: "x" });
  const accepted = listener.accept();
  // Settings that let the client send 32 MiB at once; the server then reads nothing.
  const call = client.call(METHOD, new Uint8Array(32 * 1024 * 1024), 300).catch((e) => e);
  const server = await accepted;
  await server.write(frame(4, 0, 0, [0, 4, 0x7f, 0xff, 0xff, 0xff]));
  await server.write(frame(8, 0, 0, [0x7f, 0, 0, 0]));
  const started = performance.now();
  const error = await call;
  assert.ok(
    error instanceof GrpcCallError && error.code === GrpcStatus.DEADLINE_EXCEEDED,
    String(error),
  );
  assert.ok(performance.now() - started < 1000);
  // Deno does not cancel a write under way when its socket closes: the server going frees it.
  server.close();
  listener.close();
  client.close();
});
