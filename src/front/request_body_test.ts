import assert from "node:assert/strict";
import { ConnReader } from "./conn_reader.ts";
import { BodyError, RequestBody } from "./request_body.ts";
import { CHUNKED } from "./request_head.ts";

/** A reader whose source hands out `text` in reads of `step` bytes, then ends. */
function scripted(text: string, step = Infinity): ConnReader {
  const bytes = new TextEncoder().encode(text);
  let at = 0;
  return new ConnReader({
    read(into) {
      if (at >= bytes.length) return Promise.resolve(null);
      const n = Math.min(into.length, step, bytes.length - at);
      into.set(bytes.subarray(at, at + n));
      at += n;
      return Promise.resolve(n);
    },
  }, 64 * 1024);
}

async function rest(reader: ConnReader): Promise<string> {
  while (await reader.fill());
  return new TextDecoder().decode(reader.view());
}

const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

Deno.test("RequestBody reads chunks split at every byte, and leaves the next request", async () => {
  const wire = "5;name=value\r\nhello\r\n7\r\n, world\r\n0\r\nTrailer-A: 1\r\n\r\nGET /next";
  for (const step of [1, 2, 3, 7, Infinity]) {
    const reader = scripted(wire, step);
    const body = new RequestBody(reader, CHUNKED);
    assert.equal(decode(await body.readAll(1024)), "hello, world", `reads of ${step}`);
    assert.ok(body.finished);
    assert.equal(await rest(reader), "GET /next");
  }
});

Deno.test("RequestBody reads a length-framed body and stops at its end", async () => {
  for (const step of [1, 4, Infinity]) {
    const reader = scripted("0123456789GET /next", step);
    const body = new RequestBody(reader, 10);
    assert.equal(decode(await body.readAll(1024)), "0123456789");
    assert.equal(await rest(reader), "GET /next");
  }
});

Deno.test("RequestBody streams a body to a Request", async () => {
  const body = new RequestBody(scripted("3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n", 4), CHUNKED);
  const request = new Request("http://h/", { method: "POST", body: body.stream() });
  assert.equal(await request.text(), "abcdef");
});

Deno.test("RequestBody refuses chunks that do not follow the framing", async (t) => {
  const cases: [string, string, RegExp][] = [
    ["a signed size", "-1\r\nx\r\n0\r\n\r\n", /not hexadecimal/],
    ["a 0x prefix", "0x3\r\nabc\r\n0\r\n\r\n", /not hexadecimal/],
    ["a size that overflows", "fffffffffffffffff\r\n", /not hexadecimal/],
    ["an empty size", "\r\nabc\r\n", /not hexadecimal/],
    ["a size ended by a bare LF", "3\nabc\r\n0\r\n\r\n", /not hexadecimal: "3\?abc"/],
    ["data longer than its size", "3\r\nabcd\r\n0\r\n\r\n", /not followed by CRLF/],
    ["a control character in an extension", "3;a=\x01\r\nabc\r\n0\r\n\r\n", /not hexadecimal/],
    ["a size line without end", `${"1".repeat(5000)}`, /over 4096/],
    ["a trailer that is not a field", "0\r\nnot a field\r\n\r\n", /trailer line/],
    ["a client that leaves mid-chunk", "5\r\nab", /closed the connection before its body ended/],
  ];
  for (const [name, wire, message] of cases) {
    await t.step(name, async () => {
      const body = new RequestBody(scripted(wire, 3), CHUNKED);
      await assert.rejects(body.readAll(1 << 20), (error: unknown) => {
        assert.ok(error instanceof BodyError, String(error));
        assert.match(error.message, message);
        return true;
      });
      assert.ok(body.failed);
    });
  }
  await t.step("a length-framed body cut short", async () => {
    await assert.rejects(
      new RequestBody(scripted("abc"), 10).readAll(100),
      /before its body ended/,
    );
  });
  await t.step("a body over the limit", async () => {
    await assert.rejects(new RequestBody(scripted("abcdef"), 6).readAll(4), /over 4 bytes/);
  });
});

Deno.test("RequestBody sends 100 Continue once, before its first read", async () => {
  const sent: string[] = [];
  const reader = scripted("abcdef", 2);
  const body = new RequestBody(reader, 6, {
    beforeFirstRead: () => {
      sent.push("continue");
      return Promise.resolve();
    },
    onEnd: (error) => sent.push(error ? "failed" : "ended"),
  });
  assert.equal(decode(await body.readAll(10)), "abcdef");
  assert.deepEqual(sent, ["continue", "ended"]);
});

Deno.test("ConnReader finds a head's end across reads and grows up to its bound", async () => {
  const reader = scripted(`GET / HTTP/1.1\r\nX: ${"a".repeat(20_000)}\r\n\r\nrest`, 1000);
  while (reader.headEnd() < 0) assert.ok(await reader.fill());
  assert.equal(reader.headEnd(), 20_023);
  reader.skip(20_023);
  assert.equal(await rest(reader), "rest");
  const bounded = new ConnReader({ read: (into) => Promise.resolve(into.length) }, 32 * 1024);
  while (bounded.length < 32 * 1024) await bounded.fill();
  await assert.rejects(bounded.fill(), RangeError);
});

Deno.test("ConnReader keeps the bytes of a read under way when what it holds is taken", async () => {
  let deliver!: () => void;
  const reader = new ConnReader({
    read(into) {
      if (!deliver) {
        into.set(new TextEncoder().encode("first"));
        deliver = () => {};
        return Promise.resolve(5);
      }
      return new Promise((resolve) => {
        deliver = () => {
          into.set(new TextEncoder().encode("second"));
          resolve(6);
        };
      });
    },
  }, 1024);
  await reader.fill();
  const pending = reader.fill(); // as the front's watch for a client leaving starts one
  assert.equal(decode(reader.take(5)), "first");
  deliver();
  await pending;
  assert.equal(decode(reader.take(reader.length)), "second");
});
