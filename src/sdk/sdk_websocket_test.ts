import assert from "node:assert/strict";
import { domain } from "../protocol/mod.ts";
import { METADATA, servedPlugin } from "./_in_process.ts";
import { definePlugin } from "./definition.ts";

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
