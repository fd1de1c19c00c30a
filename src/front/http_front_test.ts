/** The front on real sockets, spoken to as browsers and programs do. */
import assert from "node:assert/strict";
import { bodiesOf, connect, encoder, readToEnd, readUntil, withFront } from "./_front_harness.ts";

Deno.test("HttpFront answers pipelined requests in order, with both body framings", async () => {
  await withFront(async (test) => {
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
  });
});

Deno.test("HttpFront streams bodies too large to read whole, and sends 100 Continue", async () => {
  await withFront(async (test) => {
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
  });
});

Deno.test("HttpFront tells the handler when its client leaves", async (t) => {
  const heads = {
    "a GET": "GET /leave HTTP/1.1\r\nHost: h\r\n\r\n",
    "a POST with its body": "POST /leave HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc",
    "a chunked POST": "POST /leave HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n" +
      "3\r\nabc\r\n0\r\n\r\n",
    "a GET with another sent behind it": "GET /leave HTTP/1.1\r\nHost: h\r\n\r\n" +
      "GET /next HTTP/1.1\r\nHost: h\r\n\r\n",
    "a GET sent behind another": "GET /a HTTP/1.1\r\nHost: h\r\n\r\n" +
      "GET /leave HTTP/1.1\r\nHost: h\r\n\r\n",
  };
  for (const [name, wire] of Object.entries(heads)) {
    await t.step(name, async () => {
      await withFront(async (test) => {
        const conn = await connect(test.front);
        await conn.write(encoder.encode(wire));
        while (!test.seen.some((seen) => seen.endsWith("/leave"))) {
          await new Promise((r) => setTimeout(r, 5));
        }
        conn.close();
        assert.match(await test.aborted, /client closed the connection/);
      });
    });
  }
});

Deno.test("HttpFront closes after a body the handler left unread, and after HTTP/1.0", async () => {
  await withFront(async (test) => {
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
  });
});

Deno.test("HttpFront closes connections idle between requests", async () => {
  await withFront(5000, 300, async (test) => {
    const conn = await connect(test.front);
    await conn.write(encoder.encode("GET /once HTTP/1.1\r\nHost: h\r\n\r\n"));
    const started = performance.now();
    const text = await readToEnd(conn);
    assert.match(text, /^HTTP\/1\.1 200 OK/);
    const ms = performance.now() - started;
    assert.ok(ms >= 250 && ms < 3000, `closed after ${ms} ms`);
    assert.equal(test.front.stats.idleClosed, 1);
  });
});

Deno.test("HttpFront hands WebSocket handshakes to the server behind it", async () => {
  await withFront(async (test) => {
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
  });
});
