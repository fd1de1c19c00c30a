/**
 * The front on real sockets: a raw TCP client speaks to it as browsers, programs and attackers
 * do, and a real `Deno.serve` takes the WebSocket handshakes it hands on.
 */
import assert from "node:assert/strict";
import { JsonLogger, memorySink } from "../log/mod.ts";
import { HttpFront } from "./http_front.ts";

const encoder = new TextEncoder();

interface Front {
  front: HttpFront;
  seen: string[];
  aborted: Promise<string>;
  logs: ReturnType<typeof memorySink>;
  close(): Promise<void>;
}

/** A front whose handler echoes what it received; `/leave` waits for its client to leave. */
function startFront(headerTimeoutMs = 5000, idleTimeoutMs = 10_000): Front {
  const seen: string[] = [];
  let leave!: (why: string) => void;
  const aborted = new Promise<string>((resolve) => leave = resolve);
  const backend = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const { socket, response } = Deno.upgradeWebSocket(request);
    socket.onmessage = (event) => socket.send(`echo ${event.data}`);
    return response;
  });
  const logs = memorySink();
  const front = new HttpFront({
    hostname: "127.0.0.1",
    port: 0,
    headerTimeoutMs,
    idleTimeoutMs,
    maxHeaderBytes: 8 * 1024,
    maxConnectionsPerClient: 64,
    logger: new JsonLogger("front", { sink: logs }),
  }, async (request, info) => {
    const url = new URL(request.url);
    seen.push(`${request.method} ${url.pathname}`);
    if (url.pathname === "/leave") {
      await new Promise((resolve) => request.signal.addEventListener("abort", resolve));
      leave(String(request.signal.reason));
      return new Response("gone");
    }
    if (url.pathname === "/ignore-body") return new Response("not read");
    const body = request.body ? new Uint8Array(await request.arrayBuffer()) : new Uint8Array();
    return Response.json({
      method: request.method,
      url: request.url,
      length: body.length,
      text: body.length <= 64 ? new TextDecoder().decode(body) : "",
      from: info.remoteAddr.hostname,
      header: request.headers.get("x-a"),
    });
  }, backend.addr);
  return {
    front,
    seen,
    aborted,
    logs,
    async close() {
      await front.close(100);
      await backend.shutdown();
    },
  };
}

async function connect(front: HttpFront): Promise<Deno.TcpConn> {
  return await Deno.connect({ hostname: "127.0.0.1", port: front.addr.port });
}

/** Everything the server sends until it closes the connection. */
async function readToEnd(conn: Deno.Conn): Promise<string> {
  const chunks: string[] = [];
  const buffer = new Uint8Array(64 * 1024);
  for (;;) {
    const n = await conn.read(buffer).catch(() => null);
    if (n === null) break;
    chunks.push(new TextDecoder().decode(buffer.subarray(0, n)));
  }
  conn.close();
  return chunks.join("");
}

/** Reads until `text` has arrived (the connection stays open). */
async function readUntil(conn: Deno.Conn, pattern: RegExp): Promise<string> {
  let text = "";
  const buffer = new Uint8Array(4096);
  while (!pattern.test(text)) {
    const n = await conn.read(buffer);
    if (n === null) throw new Error(`closed before ${pattern}: ${text}`);
    text += new TextDecoder().decode(buffer.subarray(0, n));
  }
  return text;
}

const bodiesOf = (text: string) =>
  [...text.matchAll(/\r\n\r\n(\{[^\n]*?\})(?=HTTP|$)/g)].map((match) => JSON.parse(match[1]!));

Deno.test("HttpFront answers pipelined requests in order, with both body framings", async () => {
  const test = startFront();
  try {
    const conn = await connect(test.front);
    await conn.write(encoder.encode(
      "GET /one?q=1 HTTP/1.1\r\nHost: example.test\r\nX-A: first\r\n\r\n" +
        "\r\n" + // an empty line before a request line is allowed
        "POST /two HTTP/1.1\r\nHost: example.test\r\nContent-Length: 5\r\n\r\nhello" +
        "PUT /three HTTP/1.1\r\nHost: example.test\r\nTransfer-Encoding: chunked\r\n" +
        "Connection: close\r\n\r\n3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\nX-Trailer: 1\r\n\r\n",
    ));
    const text = await readToEnd(conn);
    const bodies = bodiesOf(text);
    assert.deepEqual(bodies.map((body) => [body.method, body.url, body.text]), [
      ["GET", "http://example.test/one?q=1", ""],
      ["POST", "http://example.test/two", "hello"],
      ["PUT", "http://example.test/three", "abcde"],
    ]);
    assert.equal(bodies[0].header, "first");
    assert.equal(bodies[0].from, "127.0.0.1");
    assert.equal(text.match(/connection: close/g)?.length, 1, "only the last one closes");
  } finally {
    await test.close();
  }
});

Deno.test("HttpFront streams bodies too large to read whole, and sends 100 Continue", async () => {
  const test = startFront();
  try {
    const conn = await connect(test.front);
    const size = 300_000;
    await conn.write(encoder.encode(
      `POST /big HTTP/1.1\r\nHost: h\r\nContent-Length: ${size}\r\nExpect: 100-continue\r\n\r\n`,
    ));
    assert.match(await readUntil(conn, /\r\n\r\n/), /^HTTP\/1\.1 100 Continue\r\n\r\n$/);
    await conn.write(new Uint8Array(size));
    await conn.write(encoder.encode("GET /after HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"));
    const bodies = bodiesOf(await readToEnd(conn));
    assert.deepEqual(bodies.map((body) => [body.url, body.length]), [
      ["http://h/big", size],
      ["http://h/after", 0],
    ]);
  } finally {
    await test.close();
  }
});

Deno.test("HttpFront refuses a smuggling attempt and never runs the request it hid", async () => {
  const test = startFront();
  try {
    const conn = await connect(test.front);
    await conn.write(encoder.encode(
      "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 44\r\nTransfer-Encoding: chunked\r\n\r\n" +
        "0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: h\r\n\r\n",
    ));
    const text = await readToEnd(conn);
    assert.match(text, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.match(text, /both Content-Length and Transfer-Encoding/);
    assert.deepEqual(test.seen, []);
    assert.equal(test.front.stats.badRequests, 1);
    assert.ok(
      test.logs.records.some((record) =>
        String(record.msg).includes("refused a request from 127.0.0.1 with 400")
      ),
    );
  } finally {
    await test.close();
  }
});

Deno.test("HttpFront bounds every head in time and size, not only the first", async () => {
  const test = startFront(300, 10_000);
  try {
    const conn = await connect(test.front);
    await conn.write(encoder.encode("GET /first HTTP/1.1\r\nHost: h\r\n\r\n"));
    await readUntil(conn, /"url":"http:\/\/h\/first"/);
    // The second request trickles its head and never ends it.
    await conn.write(encoder.encode("GET /second HTTP/1.1\r\n"));
    const trickle = setInterval(() => conn.write(encoder.encode("X: 1\r\n")).catch(() => {}), 50);
    const started = performance.now();
    const text = await readToEnd(conn);
    clearInterval(trickle);
    assert.match(text, /HTTP\/1\.1 408 Request Timeout/);
    assert.ok(performance.now() - started < 3000);
    assert.equal(test.front.stats.headerTimeouts, 1);

    const big = await connect(test.front);
    await big.write(encoder.encode("GET /a HTTP/1.1\r\nHost: h\r\n\r\n"));
    await readUntil(big, /"url":"http:\/\/h\/a"/);
    await big.write(encoder.encode(`GET /b HTTP/1.1\r\nX: ${"a".repeat(9000)}`)).catch(() => {});
    assert.match(await readToEnd(big), /HTTP\/1\.1 431 /);
    assert.equal(test.front.stats.headersTooLarge, 1);
  } finally {
    await test.close();
  }
});

Deno.test("HttpFront tells the handler when its client leaves", async () => {
  const test = startFront();
  try {
    const conn = await connect(test.front);
    await conn.write(encoder.encode("GET /leave HTTP/1.1\r\nHost: h\r\n\r\n"));
    while (!test.seen.includes("GET /leave")) await new Promise((r) => setTimeout(r, 5));
    conn.close();
    assert.match(await test.aborted, /client closed the connection/);
  } finally {
    await test.close();
  }
});

Deno.test("HttpFront closes after a body the handler left unread, and after HTTP/1.0", async () => {
  const test = startFront();
  try {
    const conn = await connect(test.front);
    await conn.write(encoder.encode(
      "POST /ignore-body HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
    ));
    const text = await readToEnd(conn);
    assert.match(text, /connection: close\r\n/);
    assert.ok(text.endsWith("not read"));

    const old = await connect(test.front);
    await old.write(encoder.encode("GET /old HTTP/1.0\r\n\r\n"));
    const answer = await readToEnd(old);
    assert.match(answer, /"url":"http:\/\/127\.0\.0\.1:\d+\/old"/);
    assert.match(answer, /connection: close\r\n/);
  } finally {
    await test.close();
  }
});

Deno.test("HttpFront closes connections idle between requests", async () => {
  const test = startFront(5000, 300);
  try {
    const conn = await connect(test.front);
    await conn.write(encoder.encode("GET /once HTTP/1.1\r\nHost: h\r\n\r\n"));
    const started = performance.now();
    const text = await readToEnd(conn);
    assert.match(text, /^HTTP\/1\.1 200 OK/);
    const ms = performance.now() - started;
    assert.ok(ms >= 250 && ms < 3000, `closed after ${ms} ms`);
    assert.equal(test.front.stats.idleClosed, 1);
  } finally {
    await test.close();
  }
});

Deno.test("HttpFront hands WebSocket handshakes to the server behind it", async () => {
  const test = startFront();
  try {
    const socket = new WebSocket(`ws://127.0.0.1:${test.front.addr.port}/ws`);
    const echoed = await new Promise<string>((resolve, reject) => {
      socket.onopen = () => socket.send("hi");
      socket.onmessage = (event) => resolve(String(event.data));
      socket.onerror = () => reject(new Error("the WebSocket failed"));
    });
    assert.equal(echoed, "echo hi");
    assert.deepEqual(test.seen, [], "the front's handler never saw the handshake");
    socket.close();
    await new Promise((resolve) => socket.onclose = resolve);
  } finally {
    await test.close();
  }
});
