import assert from "node:assert/strict";
import { join } from "node:path";
import { ChannelSocket, type ChannelSocketEvents } from "./channel_socket.ts";
import { FrameType, INITIAL_WINDOW, MAX_DATA } from "./data_frames.ts";
import { FrameChannel } from "./frame_channel.ts";
import {
  closePayload,
  openPayload,
  readClosePayload,
  readOpenPayload,
} from "./websocket_frames.ts";

/** What one end of a session heard, awaited event by event. */
class Heard implements ChannelSocketEvents {
  events: unknown[] = [];
  #waiting: (() => void)[] = [];

  message(data: string | Uint8Array): void {
    this.#push(typeof data === "string" ? data : data.slice());
  }
  close(code: number, reason: string): void {
    this.#push({ close: code, reason });
  }
  gone(error?: Error): void {
    this.#push({ gone: error?.message });
  }
  pong(): void {
    this.#push("pong");
  }

  async count(n: number): Promise<unknown[]> {
    while (this.events.length < n) await new Promise<void>((wake) => this.#waiting.push(wake));
    return this.events.slice(0, n);
  }

  #push(event: unknown): void {
    this.events.push(event);
    this.#waiting.splice(0).forEach((wake) => wake());
  }
}

/** A session on stream 1 at each end of a real Unix-socket connection. */
async function sessionPair(maxMessageBytes?: number) {
  const dir = await Deno.makeTempDir({ prefix: "qntx-wschan-" });
  const path = join(dir, "data.sock");
  const listener = Deno.listen({ transport: "unix", path });
  const accepted = listener.accept();
  const hostHeard = new Heard();
  const pluginHeard = new Heard();
  const ends: { host?: ChannelSocket; plugin?: ChannelSocket } = {};
  const ended: string[] = [];
  const hostChannel = new FrameChannel(
    await Deno.connect({ transport: "unix", path }),
    (_id, type, flags, payload) => ends.host!.receive(type, flags, payload),
  );
  const pluginChannel = new FrameChannel(
    await accepted,
    (_id, type, flags, payload) => ends.plugin!.receive(type, flags, payload),
  );
  listener.close();
  ends.host = new ChannelSocket(hostChannel, 1, hostHeard, {
    maxMessageBytes,
    onEnd: () => ended.push("host"),
  });
  ends.plugin = new ChannelSocket(pluginChannel, 1, pluginHeard, {
    onEnd: () => ended.push("plugin"),
  });
  return {
    host: ends.host,
    plugin: ends.plugin,
    hostHeard,
    pluginHeard,
    ended,
    async close() {
      hostChannel.close();
      pluginChannel.close();
      await Promise.all([hostChannel.closed, pluginChannel.closed]);
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("WS_OPEN and WS_CLOSE payloads read back what was written", () => {
  const connect = { path: "/chat", query: "room=1", "user-agent": "test" };
  assert.deepEqual(readOpenPayload(openPayload(connect)), connect);
  assert.deepEqual(readClosePayload(closePayload(4001, "bye ✓")), { code: 4001, reason: "bye ✓" });
  assert.deepEqual(readClosePayload(new Uint8Array()), { code: 1005, reason: "" });
  assert.deepEqual(readClosePayload(closePayload(7, "")), { code: 1005, reason: "" });
});

Deno.test("ChannelSocket keeps text and binary apart, both ways, and cuts large messages", async () => {
  const pair = await sessionPair();
  try {
    const large = new Uint8Array(3 * MAX_DATA + 5).map((_, i) => i % 251);
    pair.host.send("hello ✓");
    pair.host.send(new Uint8Array([0, 1, 255]));
    pair.host.send(large);
    pair.host.send("x".repeat(MAX_DATA));
    pair.plugin.send("back");
    pair.plugin.send(new Uint8Array([9]).buffer);
    const [text, binary, big, long] = await pair.pluginHeard.count(4);
    assert.equal(text, "hello ✓");
    assert.deepEqual(binary, new Uint8Array([0, 1, 255]));
    assert.deepEqual(big, large);
    assert.equal(long, "x".repeat(MAX_DATA));
    assert.deepEqual(await pair.hostHeard.count(2), ["back", new Uint8Array([9])]);
  } finally {
    await pair.close();
  }
});

Deno.test("ChannelSocket waits for credit: a paused receiver holds the sender to one window", async () => {
  const pair = await sessionPair();
  try {
    pair.plugin.pause();
    const chunk = new Uint8Array(64 * 1024);
    const total = 3 * INITIAL_WINDOW / chunk.byteLength;
    let refused = 0;
    for (let i = 0; i < total; i++) if (!pair.host.send(chunk)) refused++;
    await pair.pluginHeard.count(INITIAL_WINDOW / chunk.byteLength);
    // Give stray frames a chance to arrive: none does, as no credit came back.
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(pair.pluginHeard.events.length, INITIAL_WINDOW / chunk.byteLength);
    assert.equal(pair.host.buffered, 2 * INITIAL_WINDOW);
    assert.ok(refused > 0, "send() says when it had to wait");
    pair.host.close(1000, "after the rest");
    pair.plugin.resume();
    const events = await pair.pluginHeard.count(total + 1);
    assert.deepEqual(events.at(-1), { close: 1000, reason: "after the rest" });
    assert.equal(pair.host.buffered, 0);
    assert.deepEqual(pair.ended.sort(), ["host", "plugin"]);
  } finally {
    await pair.close();
  }
});

Deno.test("ChannelSocket answers pings, closes with a code, and reports a broken channel", async () => {
  const pair = await sessionPair();
  try {
    pair.host.ping();
    assert.deepEqual(await pair.hostHeard.count(1), ["pong"]);
    pair.plugin.close(4002, "done");
    assert.deepEqual((await pair.hostHeard.count(2))[1], { close: 4002, reason: "done" });
    assert.ok(pair.host.ended && pair.plugin.ended);
    assert.equal(pair.plugin.send("late"), false);
  } finally {
    await pair.close();
  }
  const broken = await sessionPair();
  broken.plugin.fail(new Error("cut"));
  await broken.close();
  assert.deepEqual(broken.pluginHeard.events, [{ gone: "cut" }]);
});

Deno.test("ChannelSocket closes with 1009 a message over its limit, even in pieces", async () => {
  const pair = await sessionPair(100 * 1024);
  try {
    pair.plugin.send(new Uint8Array(MAX_DATA));
    pair.plugin.send(new Uint8Array(2 * MAX_DATA));
    const events = await pair.hostHeard.count(2);
    assert.equal((events[0] as Uint8Array).byteLength, MAX_DATA);
    assert.deepEqual(events[1], { close: 1009, reason: "messages are limited to 102400 bytes" });
    assert.deepEqual(await pair.pluginHeard.count(1), [
      { close: 1009, reason: "messages are limited to 102400 bytes" },
    ]);
  } finally {
    await pair.close();
  }
});

Deno.test("FrameType numbers the WebSocket frames after the HTTP ones", () => {
  assert.deepEqual(
    [FrameType.WS_OPEN, FrameType.WS_MESSAGE, FrameType.WS_CLOSE, FrameType.WS_PING],
    [6, 7, 8, 9],
  );
  assert.equal(FrameType.WS_PONG, 10);
});
