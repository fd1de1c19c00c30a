import assert from "node:assert/strict";
import { join } from "node:path";
import { END, FrameType, type FrameTypeValue } from "./data_frames.ts";
import { FrameChannel } from "./frame_channel.ts";

interface Seen {
  stream: number;
  type: FrameTypeValue;
  flags: number;
  payload: Uint8Array;
}

/** Two channels on the two ends of a real Unix-socket connection. */
async function pair(onServerFrame: (frame: Seen) => void) {
  const dir = await Deno.makeTempDir({ prefix: "qntx-frames-" });
  const path = join(dir, "data.sock");
  const listener = Deno.listen({ transport: "unix", path });
  const accepted = listener.accept();
  const client = new FrameChannel(await Deno.connect({ transport: "unix", path }), () => {});
  const server = new FrameChannel(
    await accepted,
    (stream, type, flags, payload) =>
      onServerFrame({ stream, type, flags, payload: payload.slice() }),
  );
  listener.close();
  return {
    client,
    server,
    async close() {
      client.close();
      server.close();
      await Promise.all([client.closed, server.closed]);
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("FrameChannel delivers frames in order, small and larger than a read", async () => {
  const sent: Seen[] = Array.from({ length: 200 }, (_, i) => ({
    stream: 2 * i + 1,
    type: FrameType.DATA,
    flags: i % 2 ? END : 0,
    payload: new Uint8Array(i % 50 === 0 ? 3 * 1024 * 1024 : i).fill(i),
  }));
  const seen: Seen[] = [];
  let arrived: () => void;
  const all = new Promise<void>((resolve) => arrived = resolve);
  const { client, close } = await pair((frame) => {
    if (seen.push(frame) === sent.length) arrived();
  });
  try {
    for (const [i, frame] of sent.entries()) {
      client.send(frame.stream, frame.type, frame.flags, frame.payload);
      if (i % 7 === 0) await new Promise((resolve) => setTimeout(resolve, 0)); // other tasks
    }
    await all;
    const summary = (frames: Seen[]) =>
      frames.map(({ stream, type, flags, payload }) => ({
        stream,
        type,
        flags,
        size: payload.byteLength,
        sum: payload.reduce((sum, byte) => (sum * 31 + byte) % 1_000_003, 0),
      }));
    assert.deepEqual(summary(seen), summary(sent));
  } finally {
    await close();
  }
});

Deno.test("FrameChannel.sendWith() queues nothing when the payload's writer throws", async () => {
  const seen: Seen[] = [];
  let arrived: () => void;
  const second = new Promise<void>((resolve) => arrived = resolve);
  const { client, close } = await pair((frame) => {
    seen.push(frame);
    if (frame.stream === 3) arrived();
  });
  try {
    assert.throws(
      () =>
        client.sendWith(1, FrameType.RESPONSE, END, (out) => {
          out.append(new Uint8Array(100));
          throw new TypeError("not encodable");
        }),
      TypeError,
    );
    client.sendWith(3, FrameType.RESPONSE, END, (out) => out.append(new Uint8Array([1, 2])));
    await second;
    assert.deepEqual(seen, [
      { stream: 3, type: FrameType.RESPONSE, flags: END, payload: new Uint8Array([1, 2]) },
    ]);
  } finally {
    await close();
  }
});

Deno.test("FrameChannel reports a peer's broken frame as the failure it closed on", async () => {
  const { server, client, close } = await pair(() => {});
  try {
    const garbage = new Uint8Array(12); // a whole frame with no payload…
    garbage[8] = 42; // …of no known type
    await client.conn.write(garbage);
    const failure = await server.closed;
    assert.match(failure?.message ?? "", /unknown data-channel frame type 42/);
    assert.equal(server.isClosed, true);
  } finally {
    await close();
  }
});
