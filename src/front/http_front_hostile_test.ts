/** The front on real sockets, spoken to as attackers do: every refusal and every deadline. */
import assert from "node:assert/strict";
import { connect, encoder, readToEnd, readUntil, withFront } from "./_front_harness.ts";

Deno.test("HttpFront refuses a smuggling attempt and never runs the request it hid", async () => {
  await withFront(async (test) => {
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
  });
});

Deno.test("HttpFront bounds every head in time and size, not only the first", async () => {
  await withFront(300, 10_000, async (test) => {
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
  });
});

Deno.test("HttpFront keeps accepting after connections reset before their accept", async () => {
  await withFront(async (test) => {
    const reset = await new Deno.Command("python3", {
      args: [
        "-c",
        "import socket, struct, sys\n" +
        "for _ in range(50):\n" +
        "  s = socket.socket(); s.connect(('127.0.0.1', int(sys.argv[1])))\n" +
        "  s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0)); s.close()\n",
        String(test.front.addr.port),
      ],
    }).output();
    assert.ok(reset.success, new TextDecoder().decode(reset.stderr));
    const conn = await connect(test.front);
    await conn.write(encoder.encode("GET /after HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const answer = await Promise.race([
      readToEnd(conn),
      new Promise<string>((resolve) => timer = setTimeout(() => resolve("no answer in 5 s"), 5000)),
    ]);
    clearTimeout(timer);
    assert.match(answer, /"url":"http:\/\/h\/after"/);
  });
});

Deno.test("HttpFront closes a connection whose body stops coming", async (t) => {
  const heads = {
    "a short body read whole": "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc",
    "a long body streamed": "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 100000\r\n\r\nabc",
    "chunks": "POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n",
  };
  for (const [name, wire] of Object.entries(heads)) {
    await t.step(name, async () => {
      await withFront(5000, 300, async (test) => {
        const conn = await connect(test.front);
        await conn.write(encoder.encode(wire));
        const started = performance.now();
        await readToEnd(conn);
        const ms = performance.now() - started;
        assert.ok(ms >= 250 && ms < 3000, `closed after ${ms} ms`);
        assert.equal(test.front.stats.idleClosed, 1);
      });
    });
  }
});

Deno.test("HttpFront never lets the app answer a WebSocket handshake as HTTP", async (t) => {
  await t.step("a handshake in lower case goes on to the server behind", async () => {
    await withFront(async (test) => {
      const conn = await connect(test.front);
      await conn.write(encoder.encode(
        "get /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" +
          "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
      ));
      assert.match(await readUntil(conn, /\r\n\r\n/), /^HTTP\/1\.1 101 /);
      conn.close();
      assert.deepEqual(test.seen, []);
    });
  });
  await t.step("a handshake with a body is refused", async () => {
    await withFront(async (test) => {
      const conn = await connect(test.front);
      await conn.write(encoder.encode(
        "GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nContent-Length: 1\r\n\r\nx",
      ));
      assert.match(await readToEnd(conn), /^HTTP\/1\.1 400 [^]*a GET without a body/);
      assert.deepEqual(test.seen, []);
    });
  });
  await t.step("a status HTTP/1.1 cannot carry here is a 500", async () => {
    await withFront(async (test) => {
      const conn = await connect(test.front);
      await conn.write(
        encoder.encode("GET /error HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"),
      );
      assert.match(await readToEnd(conn), /^HTTP\/1\.1 500 /);
      assert.ok(test.logs.records.some((record) => /status 0/.test(String(record.msg))));
    });
  });
});

Deno.test("HttpFront sends no 100 Continue once the answer has started", async () => {
  await withFront(async (test) => {
    const conn = await connect(test.front);
    await conn.write(encoder.encode(
      "POST /answer-first HTTP/1.1\r\nHost: h\r\nContent-Length: 70000\r\n" +
        "Expect: 100-continue\r\nConnection: close\r\n\r\n",
    ));
    const started = await readUntil(conn, /started/);
    assert.doesNotMatch(started, /100 Continue/);
    await conn.write(new Uint8Array(70_000));
    const rest = started + await readToEnd(conn);
    assert.doesNotMatch(rest, /100 Continue/);
    assert.match(rest, /read 70000/);
  });
});

Deno.test("HttpFront bounds a request sent behind another like a first one", async (t) => {
  await t.step("a body that stops coming", async () => {
    await withFront(5000, 300, async (test) => {
      const conn = await connect(test.front);
      await conn.write(encoder.encode(
        "GET /a HTTP/1.1\r\nHost: h\r\n\r\nPOST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc",
      ));
      const started = performance.now();
      await readToEnd(conn);
      const ms = performance.now() - started;
      assert.ok(ms >= 250 && ms < 3000, `closed after ${ms} ms`);
      assert.equal(test.front.stats.idleClosed, 1);
    });
  });
  await t.step("a head that stops coming", async () => {
    await withFront(300, 5000, async (test) => {
      const conn = await connect(test.front);
      await conn.write(encoder.encode("GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\n"));
      const started = performance.now();
      const text = await readToEnd(conn);
      assert.match(text, /HTTP\/1\.1 408 /);
      assert.ok(performance.now() - started < 3000);
    });
  });
  await t.step("a WebSocket handshake: its frames reach the server", async () => {
    await withFront(async (test) => {
      const conn = await connect(test.front);
      await conn.write(encoder.encode(
        "GET /a HTTP/1.1\r\nHost: h\r\n\r\n" +
          "GET /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" +
          "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
      ));
      await readUntil(conn, /HTTP\/1\.1 101 [^]*\r\n\r\n/);
      // A masked text frame "hi" (mask 1,2,3,4).
      await conn.write(new Uint8Array([0x81, 0x82, 1, 2, 3, 4, 0x68 ^ 1, 0x69 ^ 2]));
      assert.match(await readUntil(conn, /echo hi/), /echo hi/);
      conn.close();
    });
  });
});

Deno.test("HttpFront holds max_connections in all: an idle one makes room, else 503", async () => {
  await withFront(5000, 10_000, 2, async (test) => {
    const get = (path: string) => encoder.encode(`GET /${path} HTTP/1.1\r\nHost: h\r\n\r\n`);
    // A kept-alive connection idle after a request, and a new one that has sent nothing yet
    // (its first head is on the clock: in use). The front accepts in order, so each step below
    // finds the ones before it admitted.
    const first = await connect(test.front);
    await first.write(get("one"));
    await readUntil(first, /"url":"http:\/\/h\/one"/);
    const silent = await connect(test.front);
    // A third takes the place of the idle one, which the front closes; the silent one stays.
    const third = await connect(test.front);
    await third.write(get("three"));
    await readUntil(third, /"url":"http:\/\/h\/three"/);
    // Closed at once (the idle timeout, 10 s, would close it only much later).
    const shedAt = performance.now();
    assert.equal(await readToEnd(first), "");
    assert.ok(performance.now() - shedAt < 2000);
    assert.equal(test.front.stats.atCapacity, 1);
    // Another new one takes the place of the third, idle now.
    const quiet = await connect(test.front);
    assert.equal(await readToEnd(third), "");
    assert.equal(test.front.stats.atCapacity, 2);
    // Both in use (neither has sent its head): a fifth is refused, and neither is touched.
    const refused = await connect(test.front);
    assert.match(
      await readToEnd(refused),
      /^HTTP\/1\.1 503 Service Unavailable\r\n[^]*retry-after: 5/i,
    );
    assert.equal(test.front.stats.atCapacity, 3);
    await silent.write(encoder.encode("GET /two HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"));
    assert.match(await readToEnd(silent), /"url":"http:\/\/h\/two"/);
    // One ended: the next is taken again.
    const next = await connect(test.front);
    await next.write(encoder.encode("GET /six HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"));
    assert.match(await readToEnd(next), /"url":"http:\/\/h\/six"/);
    quiet.close();
    assert.ok(test.logs.records.some((record) => String(record.msg).includes("max_connections")));
  });
});
