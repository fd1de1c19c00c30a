/**
 * Slow clients through the host's guard: a client that trickles its request headers is cut off
 * with 408, an oversized head gets 431, an idle connection is closed; ordinary requests, their
 * client address and WebSockets pass through untouched.
 */
import assert from "node:assert/strict";
import { startTestHost, type TestHost, waitForState } from "./_in_process_host.ts";

const GUARD = `slow_client_guard = "on"\nheader_timeout = "500ms"\nidle_timeout = "1s"\n`;

async function connect(test: TestHost): Promise<Deno.TcpConn> {
  return await Deno.connect({ hostname: test.host.url.hostname, port: Number(test.host.url.port) });
}

/** Reads until the peer closes; returns the text and how long it took. */
async function readAll(conn: Deno.Conn): Promise<{ text: string; ms: number }> {
  const started = performance.now();
  const chunks: string[] = [];
  const buffer = new Uint8Array(4096);
  for (;;) {
    const n = await conn.read(buffer).catch(() => null);
    if (n === null) break;
    chunks.push(new TextDecoder().decode(buffer.subarray(0, n)));
  }
  return { text: chunks.join(""), ms: performance.now() - started };
}

Deno.test("the guard cuts off slow headers and idle connections, and passes the rest", async () => {
  const test = await startTestHost(["echo"], "", undefined, GUARD);
  try {
    await waitForState(test.host.registry, "echo", "running");
    // A slow-loris client: one header line every 100 ms, never finishing.
    const slow = await connect(test);
    const trickle = setInterval(() => {
      slow.write(new TextEncoder().encode("X-Slow: 1\r\n")).catch(() => {});
    }, 100);
    await slow.write(new TextEncoder().encode("GET /healthz HTTP/1.1\r\nHost: localhost\r\n"));
    const cut = await readAll(slow);
    clearInterval(trickle);
    slow.close();
    assert.match(cut.text, /^HTTP\/1\.1 408 Request Timeout/);
    assert.ok(cut.ms < 3000, `cut after ${cut.ms} ms`);

    const big = await connect(test);
    await big.write(new TextEncoder().encode(`GET / HTTP/1.1\r\nX: ${"a".repeat(70_000)}`)).catch(
      () => {},
    );
    assert.match((await readAll(big)).text, /^HTTP\/1\.1 431 /);
    big.close();

    // An ordinary request passes, with the client's own address forwarded to the plugin.
    const headers = await (await fetch(new URL("/api/echo/headers", test.host.url))).json();
    const forwarded = headers.find(([name]: string[]) => name === "x-forwarded-for");
    assert.equal(forwarded?.[1], "127.0.0.1");

    // A WebSocket without Origin from loopback is still recognised as local.
    const socket = new WebSocket(new URL("/echo-ws/", test.host.url.href.replace("http", "ws")));
    const echoed = await new Promise<string>((resolve, reject) => {
      socket.onopen = () => socket.send("through the guard");
      socket.onmessage = (event) => resolve(String(event.data));
      socket.onerror = () => reject(new Error("the WebSocket failed"));
    });
    assert.equal(echoed, "through the guard");
    socket.close();
    await new Promise((resolve) => socket.onclose = resolve);

    // A connection that sends a request and then says nothing is closed after idle_timeout.
    const idle = await connect(test);
    await idle.write(new TextEncoder().encode("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"));
    const idled = await readAll(idle);
    idle.close();
    assert.match(idled.text, /^HTTP\/1\.1 200/);
    assert.ok(idled.ms >= 900 && idled.ms < 4000, `closed after ${idled.ms} ms`);
    assert.ok(
      test.logs.some((line) => String(line.msg).includes("did not send its request headers")),
    );
  } finally {
    await test.close();
  }
});
