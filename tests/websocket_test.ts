import assert from "node:assert/strict";
import { FIXTURES, startTestHost, type TestHost, waitForState } from "./_in_process_host.ts";
import { qntxPluginDir, trustProgram } from "./_programs.ts";

async function withEcho(
  work: (test: TestHost, ws: (path: string) => WebSocket) => Promise<void>,
  server = "",
  extra = "",
) {
  const test = await startTestHost(["echo"], extra, undefined, server);
  try {
    await waitForState(test.host.registry, "echo", "running");
    await work(test, (path) => {
      const socket = new WebSocket(new URL(path, test.host.url.href.replace("http", "ws")));
      socket.binaryType = "arraybuffer";
      return socket;
    });
  } finally {
    await test.close();
  }
}

/** Messages and the close event of a client socket, awaited one by one. */
function follow(socket: WebSocket) {
  const messages: unknown[] = [];
  const waiting: (() => void)[] = [];
  socket.onmessage = (event) => {
    messages.push(event.data);
    waiting.splice(0).forEach((wake) => wake());
  };
  const closed = new Promise<CloseEvent>((resolve) => socket.onclose = resolve);
  const opened = new Promise<void>((resolve, reject) => {
    socket.onopen = () => resolve();
    socket.onerror = () => reject(new Error("the connection failed"));
  });
  return {
    opened,
    closed,
    async next(): Promise<unknown> {
      while (messages.length === 0) await new Promise<void>((resolve) => waiting.push(resolve));
      return messages.shift();
    },
  };
}

async function raw(url: URL, text: string): Promise<string> {
  const connection = await Deno.connect({ hostname: url.hostname, port: Number(url.port) });
  await connection.write(new TextEncoder().encode(text));
  const reader = connection.readable.getReader();
  const { value } = await reader.read();
  await reader.cancel();
  return new TextDecoder().decode(value);
}

const UPGRADE = "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n" +
  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";

Deno.test("WebSocket relay keeps text and binary apart, both ways", async () => {
  await withEcho(async (_test, ws) => {
    const socket = ws("/echo-ws");
    const client = follow(socket);
    await client.opened;
    socket.send("hello plugin");
    assert.equal(await client.next(), "hello plugin");
    socket.send(new Uint8Array([0, 1, 255]));
    const binary = await client.next();
    assert.ok(binary instanceof ArrayBuffer);
    assert.deepEqual([...new Uint8Array(binary)], [0, 1, 255]);
    socket.close(1000, "done");
    assert.equal((await client.closed).code, 1000);
  });
});

Deno.test("CONNECT carries the sub-path, the query and the chosen headers", async () => {
  await withEcho(async (_test, ws) => {
    const client = follow(ws("/echo-ws/info?room=7&x=%20y"));
    const info = JSON.parse(String(await client.next()));
    assert.equal(info.path, "/info");
    assert.equal(info.query, "?room=7&x=%20y");
    assert.match(String(info.agent), /Deno/);
  });
});

Deno.test("a plugin's close code and reason reach the client", async () => {
  await withEcho(async (_test, ws) => {
    const client = follow(ws("/echo-ws/close?code=4001&reason=bye"));
    const event = await client.closed;
    assert.deepEqual([event.code, event.reason], [4001, "bye"]);
  });
});

Deno.test("a plugin restart closes its clients with 1012", async () => {
  await withEcho(async (test, ws) => {
    const socket = ws("/echo-ws");
    const client = follow(socket);
    await client.opened;
    socket.send("ping");
    await client.next();
    const restarting = test.host.supervisor.restart("echo");
    const event = await client.closed;
    assert.equal(event.code, 1012);
    assert.match(event.reason, /plugin "echo" is restarting/);
    await restarting;
  });
});

Deno.test("a message over the limit closes the client with 1009", async () => {
  await withEcho(async (_test, ws) => {
    const socket = ws("/echo-ws");
    const client = follow(socket);
    await client.opened;
    socket.send(new Uint8Array(4096));
    const event = await client.closed;
    assert.equal(event.code, 1009);
  }, "body_limit = 1024");
});

Deno.test("upgrades are refused with a clear status: no upgrade, unknown plugin, foreign origin", async () => {
  await withEcho(async (test) => {
    const plain = await fetch(new URL("/echo-ws", test.host.url));
    assert.equal(plain.status, 426);
    assert.equal(plain.headers.get("upgrade"), "websocket");
    await plain.body?.cancel();
    const unknown = await raw(
      test.host.url,
      `GET /nobody-ws HTTP/1.1\r\nHost: localhost\r\n${UPGRADE}\r\n`,
    );
    assert.match(unknown, /^HTTP\/1\.1 404/);
    const foreign = await raw(
      test.host.url,
      `GET /echo-ws HTTP/1.1\r\nHost: localhost\r\nOrigin: https://evil.example\r\n${UPGRADE}\r\n`,
    );
    assert.match(foreign, /^HTTP\/1\.1 403/);
    assert.match(foreign, /origin https:\/\/evil\.example may not open \/echo-ws/);
    const allowed = await raw(
      test.host.url,
      `GET /echo-ws HTTP/1.1\r\nHost: localhost\r\nOrigin: https://console.example\r\n${UPGRADE}\r\n`,
    );
    assert.match(allowed, /^HTTP\/1\.1 101/);
  }, 'allowed_origins = ["https://console.example"]');
});

Deno.test("a client that stops answering pings is closed", async () => {
  await withEcho(
    async (test) => {
      // Upgrade on a raw connection, then never answer the host's pings.
      const url = test.host.url;
      const conn = await Deno.connect({ hostname: url.hostname, port: Number(url.port) });
      await conn.write(
        new TextEncoder().encode(`GET /echo-ws HTTP/1.1\r\nHost: localhost\r\n${UPGRADE}\r\n`),
      );
      const reader = conn.readable.getReader();
      const started = performance.now();
      // Read (the host's pings arrive) until the host closes the connection; give up at 10 s.
      const giveUp = setTimeout(() => reader.cancel(), 10_000);
      let closed = false;
      while (!closed) {
        const { done } = await reader.read().catch(() => ({ done: true }));
        closed = done;
      }
      clearTimeout(giveUp);
      const waited = performance.now() - started;
      reader.releaseLock();
      try {
        conn.close();
      } catch { /* the host closed it */ }
      assert.ok(waited < 10_000, `the silent client was closed after ${waited.toFixed(0)} ms`);
    },
    "",
    "[plugin.websocket.keepalive]\nping_interval_secs = 1\npong_timeout_secs = 1\n",
  );
});

Deno.test("stopping a plugin closes its clients with 1001", async () => {
  await withEcho(async (test, ws) => {
    const socket = ws("/echo-ws");
    const client = follow(socket);
    await client.opened;
    socket.send("ping");
    await client.next();
    const stopping = test.host.supervisor.disable("echo");
    const event = await client.closed;
    assert.deepEqual([event.code, event.reason], [1001, 'plugin "echo" stopped']);
    await stopping;
  });
});

Deno.test("an SDK plugin's WebSockets go over the data channel, a QNTX plugin's over gRPC", async () => {
  const dir = await qntxPluginDir("wsq");
  const test = await startTestHost(["echo", "wsq"], trustProgram("wsq"), [FIXTURES, dir]);
  try {
    const { registry, supervisor } = test.host;
    await waitForState(registry, "echo", "running");
    await waitForState(registry, "wsq", "running");
    const overGrpc: string[] = [];
    const openWebSocket = supervisor.openWebSocket.bind(supervisor);
    supervisor.openWebSocket = (name) => {
      overGrpc.push(name);
      return openWebSocket(name);
    };
    const base = test.host.url.href.replace("http", "ws");
    for (const name of ["echo", "wsq"]) {
      const socket = new WebSocket(new URL(`/${name}-ws/info?room=7`, base));
      socket.binaryType = "arraybuffer";
      const client = follow(socket);
      const info = JSON.parse(String(await client.next()));
      assert.deepEqual([info.path, info.query], ["/info", "?room=7"]);
      socket.send("text");
      assert.equal(await client.next(), "text");
      socket.send(new Uint8Array([7, 0, 255]));
      assert.deepEqual([...new Uint8Array(await client.next() as ArrayBuffer)], [7, 0, 255]);
      socket.close(4000, "done");
      assert.equal((await client.closed).code, 4000);
    }
    assert.deepEqual(overGrpc, ["wsq"]);
    // The gRPC path keeps its behaviours too: a restart closes with 1012.
    const socket = new WebSocket(new URL("/wsq-ws", base));
    const client = follow(socket);
    await client.opened;
    socket.send("ping");
    await client.next();
    const restarting = supervisor.restart("wsq");
    assert.equal((await client.closed).code, 1012);
    await restarting;
  } finally {
    await test.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("one client may hold only so many WebSockets: beyond, 1013 (or 429 without an upgrade)", async () => {
  const test = await startTestHost(["echo"], "", undefined, "max_websockets_per_client = 2");
  const sockets: WebSocket[] = [];
  try {
    await waitForState(test.host.registry, "echo", "running");
    const url = new URL("/echo-ws/", test.host.url.href.replace(/^http/, "ws"));
    // Open and echoed: a refused socket opens too, then closes at once with the reason.
    const open = () =>
      new Promise<WebSocket>((resolve, reject) => {
        const socket = new WebSocket(url);
        sockets.push(socket);
        socket.onopen = () => socket.send("in?");
        socket.onmessage = () => resolve(socket);
        socket.onclose = (event) => reject(new Error(`refused ${event.code} ${event.reason}`));
      });
    await open();
    const second = await open();
    await assert.rejects(open(), /refused 1013 127\.0\.0\.1 holds 2 .*max_websockets_per_client/);
    const refused = await fetch(new URL("/echo-ws/", test.host.url), {
      headers: { upgrade: "websocket", connection: "upgrade" },
    });
    assert.equal(refused.status, 429);
    assert.match((await refused.json()).detail, /max_websockets_per_client/);
    // One closes: there is room again.
    second.close();
    await new Promise((resolve) => second.onclose = resolve);
    // The host sees the close a moment after the client does: try until it has.
    const end = Date.now() + 5000;
    while (!(await open().then(() => true, () => false))) {
      assert.ok(Date.now() < end, "the closed socket's place never came free");
    }
  } finally {
    for (const socket of sockets) {
      if (socket.readyState < 2) {
        socket.close();
        await new Promise((resolve) => socket.onclose = resolve);
      }
    }
    await test.close();
  }
});
