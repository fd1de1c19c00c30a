/**
 * Slow clients through the host's front: a client that trickles its request headers is cut off
 * with 408, an oversized head gets 431, an idle connection is closed; ordinary requests, their
 * client address and WebSockets pass through untouched, and a handshake the host does not
 * upgrade ends its connection.
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

    // A handshake the host's server does not upgrade is its connection's only answer: what
    // the client sends after it never reaches a server without head deadlines.
    const fake = await connect(test);
    await fake.write(new TextEncoder().encode(
      "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n" +
        "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n",
    ));
    const once = await readAll(fake);
    fake.close();
    assert.equal(once.text.match(/HTTP\/1\.1 /g)?.length, 1, once.text);
    assert.match(once.text, /^HTTP\/1\.1 200 /);

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

Deno.test("one client holds at most max_connections_per_client connections", async () => {
  const test = await startTestHost(
    [],
    "",
    undefined,
    `slow_client_guard = "on"\nmax_connections_per_client = 3\n`,
  );
  const held: Deno.TcpConn[] = [];
  try {
    for (let i = 0; i < 3; i++) held.push(await connect(test));
    const refused = await connect(test);
    const answer = await readAll(refused);
    refused.close();
    assert.match(answer.text, /^HTTP\/1\.1 429 Too Many Requests\r\n/);
    assert.match(answer.text, /retry-after: 5/i);

    // A held connection still works, and once one closes a new one is let in.
    await held[0]!.write(
      new TextEncoder().encode(
        "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
      ),
    );
    assert.match((await readAll(held[0]!)).text, /^HTTP\/1\.1 200/);
    held.shift()!.close();
    let admitted = "";
    for (let attempt = 0; attempt < 50 && !admitted.startsWith("HTTP/1.1 200"); attempt++) {
      const next = await connect(test);
      await next.write(
        new TextEncoder().encode(
          "GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
        ),
      );
      admitted = (await readAll(next)).text;
      next.close();
      if (!admitted.startsWith("HTTP/1.1 200")) await new Promise((r) => setTimeout(r, 20));
    }
    assert.match(admitted, /^HTTP\/1\.1 200/);
    // The operator sees the refusals: in /metrics and, once a minute at most, in the log.
    assert.match(admitted, /qntx_front_refused_total\{cause="per_client_cap"\} [1-9]/);
    assert.ok(
      test.logs.some((line) => String(line.msg).includes("max_connections_per_client")),
    );
  } finally {
    for (const conn of held) conn.close();
    await test.close();
  }
});
