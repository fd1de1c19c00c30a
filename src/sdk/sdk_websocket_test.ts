import assert from "node:assert/strict";
import { JsonLogger, memorySink } from "../log/mod.ts";
import { ChannelSocket, domain, FrameChannel, FrameType, openPayload } from "../protocol/mod.ts";
import { METADATA, servedPlugin } from "./_in_process.ts";
import { definePlugin, type PluginDefinition } from "./definition.ts";
import { serve } from "./serve.ts";

const Type = domain.WebSocketMessage_Type;
const encoder = new TextEncoder();

function frame(
  type: domain.WebSocketMessage_Type,
  headers: Record<string, string> = {},
  data = new Uint8Array(),
) {
  return { type, headers, data, timestamp: 42n };
}

/** Opens a HandleWebSocket stream and collects what the plugin sends until it ends. */
function open(client: domain.DomainPluginServiceClient) {
  const stream = client.handleWebSocket();
  const received: domain.WebSocketMessage[] = [];
  const waiters: (() => void)[] = [];
  stream.on("data", (message: domain.WebSocketMessage) => {
    received.push(message);
    waiters.splice(0).forEach((wake) => wake());
  });
  const ended = new Promise<void>((resolve) => {
    stream.on("end", () => resolve());
    stream.on("error", () => resolve());
  });
  const next = async (count: number) => {
    while (received.length < count) await new Promise<void>((resolve) => waiters.push(resolve));
    return received[count - 1]!;
  };
  return { stream, received, next, ended };
}

Deno.test("SDK WebSocket relays text and binary both ways, answers PING, and closes", async () => {
  const events: string[] = [];
  const plugin = await servedPlugin(definePlugin({
    metadata: METADATA,
    websocket: {
      "/echo": (socket, request) => {
        socket.send(`hello ${new URL(request.url).search} ${request.headers.get("x-user")}`);
        socket.onmessage = (event) => socket.send(event.data);
        socket.addEventListener(
          "close",
          (event) => events.push(`close ${(event as CloseEvent).code}`),
        );
      },
    },
  }));
  try {
    const ws = open(plugin.client);
    ws.stream.write(frame(Type.CONNECT, { path: "/echo", query: "room=1", "x-user": "ann" }));
    const hello = await ws.next(1);
    assert.equal(new TextDecoder().decode(hello.data), "hello ?room=1 ann");
    assert.equal(hello.headers.opcode, "text");

    ws.stream.write(frame(Type.DATA, { opcode: "text" }, encoder.encode("ping me")));
    ws.stream.write(frame(Type.DATA, { opcode: "binary" }, new Uint8Array([0, 255, 1])));
    ws.stream.write(frame(Type.PING, {}, encoder.encode("keepalive")));
    const text = await ws.next(2);
    const binary = await ws.next(3);
    const pong = await ws.next(4);
    assert.deepEqual([new TextDecoder().decode(text.data), text.headers.opcode], [
      "ping me",
      "text",
    ]);
    assert.deepEqual([[...binary.data], binary.headers.opcode], [[0, 255, 1], "binary"]);
    assert.deepEqual([pong.type, new TextDecoder().decode(pong.data), pong.timestamp], [
      Type.PONG,
      "keepalive",
      42n,
    ]);

    ws.stream.write(frame(Type.CLOSE, { code: "4001", reason: "bye" }));
    await ws.ended;
    assert.deepEqual(events, ["close 4001"]);
  } finally {
    await plugin.close();
  }
});

Deno.test("SDK WebSocket: a handler's close goes out with its code; unknown paths are refused", async () => {
  const plugin = await servedPlugin(definePlugin({
    metadata: METADATA,
    websocket: { "/": (socket) => socket.close(4002, "done") },
  }));
  try {
    const root = open(plugin.client);
    root.stream.write(frame(Type.CONNECT, { path: "" }));
    const close = await root.next(1);
    assert.deepEqual([close.type, close.headers.code, close.headers.reason], [
      Type.CLOSE,
      "4002",
      "done",
    ]);
    await root.ended;
    root.stream.end();

    const unknown = open(plugin.client);
    unknown.stream.write(frame(Type.CONNECT, { path: "/nope" }));
    const refused = await unknown.next(1);
    assert.deepEqual([refused.headers.code, refused.headers.reason], [
      "1008",
      "no WebSocket handler for /nope",
    ]);
    await unknown.ended;
    unknown.stream.end();

    const noConnect = open(plugin.client);
    noConnect.stream.write(frame(Type.DATA, {}, encoder.encode("x")));
    assert.equal((await noConnect.next(1)).headers.code, "1002");
    await noConnect.ended;
    noConnect.stream.end();
  } finally {
    await plugin.close();
  }
});

/** Serves `definition` with a data socket; opens WebSocket sessions on it as the host would. */
async function servedWithDataChannel(definition: PluginDefinition) {
  const dir = await Deno.makeTempDir({ prefix: "qntx-sdk-ws-" });
  const serving = await serve(definition, {
    args: ["--socket", `${dir}/plugin.sock`, "--data-socket", `${dir}/data.sock`],
    exit: false,
    logger: new JsonLogger("demo v1.2.3", { sink: memorySink() }),
  });
  const sessions = new Map<number, ChannelSocket>();
  const channel = new FrameChannel(
    await Deno.connect({ transport: "unix", path: `${dir}/data.sock` }),
    (id, type, flags, payload) => sessions.get(id)?.receive(type, flags, payload),
  );
  let next = 1;
  return {
    capabilities: serving.service.extraCapabilities,
    open(connect: Record<string, string>) {
      const id = next;
      next += 2;
      const heard: unknown[] = [];
      const waiting: (() => void)[] = [];
      const push = (event: unknown) => {
        heard.push(event);
        waiting.splice(0).forEach((wake) => wake());
      };
      const socket = new ChannelSocket(channel, id, {
        message: (data) => push(typeof data === "string" ? data : [...data]),
        close: (code, reason) => push({ close: code, reason }),
        gone: () => push("gone"),
        pong: () => push("pong"),
      }, { onEnd: () => sessions.delete(id) });
      sessions.set(id, socket);
      channel.send(id, FrameType.WS_OPEN, 0, openPayload(connect));
      return {
        socket,
        async next(count: number) {
          while (heard.length < count) await new Promise<void>((wake) => waiting.push(wake));
          return heard[count - 1];
        },
      };
    },
    async close() {
      channel.close();
      await channel.closed;
      await serving.stop("test over");
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("SDK WebSocket over the data channel: messages both ways, PING, close codes, refusals", async () => {
  const closed = Promise.withResolvers<number>();
  const plugin = await servedWithDataChannel(definePlugin({
    metadata: METADATA,
    websocket: {
      "/echo": (socket, request) => {
        socket.send(`hello ${new URL(request.url).search} ${request.headers.get("x-user")}`);
        socket.onmessage = (event) => socket.send(event.data);
        socket.addEventListener(
          "close",
          (event) => closed.resolve((event as CloseEvent).code),
        );
      },
      "/bye": (socket) => socket.close(4002, "done"),
    },
  }));
  try {
    assert.ok(plugin.capabilities.includes("websocket_channel"));
    const echo = plugin.open({ path: "/echo", query: "room=1", "x-user": "ann" });
    // Sent right behind the open: the handler, run at once, hears it.
    echo.socket.send("ping me");
    assert.equal(await echo.next(1), "hello ?room=1 ann");
    assert.equal(await echo.next(2), "ping me");
    echo.socket.send(new Uint8Array([0, 255, 1]));
    assert.deepEqual(await echo.next(3), [0, 255, 1]);
    echo.socket.ping();
    assert.equal(await echo.next(4), "pong");
    echo.socket.close(4001, "bye");
    assert.equal(await closed.promise, 4001);

    const bye = plugin.open({ path: "/bye" });
    assert.deepEqual(await bye.next(1), { close: 4002, reason: "done" });
    const unknown = plugin.open({ path: "/nope" });
    assert.deepEqual(await unknown.next(1), {
      close: 1008,
      reason: "no WebSocket handler for /nope",
    });
  } finally {
    await plugin.close();
  }
});
