import assert from "node:assert/strict";
import { markWholeBody } from "../protocol/wire.ts";
import { type ResponseFraming, writeResponse } from "./response_writer.ts";

/** Collects what a response writes: each write apart, and all of it as text. */
function collector(failAt = Infinity) {
  const writes: Uint8Array[] = [];
  return {
    writes,
    text: () => writes.map((bytes) => new TextDecoder("latin1").decode(bytes)).join(""),
    write(bytes: Uint8Array): Promise<number> {
      if (writes.length >= failAt) return Promise.reject(new Error("connection reset"));
      writes.push(bytes.slice());
      return Promise.resolve(bytes.length);
    },
  };
}

const plain: ResponseFraming = { head: false, http10: false, close: false };

Deno.test("writeResponse sends a whole body with its length, in the head's write", async () => {
  const sink = collector();
  const response = Response.json({ a: 1 }, { headers: { "x-b": "2", "content-length": "999" } });
  assert.equal(await writeResponse(sink, response, plain), true);
  assert.equal(sink.writes.length, 1);
  const text = sink.text();
  assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(text, /\r\ncontent-length: 7\r\n/);
  assert.doesNotMatch(text, /999/);
  assert.match(text, /\r\nx-b: 2\r\n/);
  assert.match(text, /\r\ndate: .+ GMT\r\n/);
  assert.ok(text.endsWith('\r\n\r\n{"a":1}'));
});

Deno.test("writeResponse sends a stream in chunks as they come", async () => {
  const sink = collector();
  let push!: (text: string | null) => void;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      push = (text) =>
        text === null ? controller.close() : controller.enqueue(new TextEncoder().encode(text));
      push("first");
    },
  });
  const written = writeResponse(sink, new Response(body), plain);
  // The first piece goes out before the stream ends (an event stream must not wait).
  while (!sink.text().endsWith("first\r\n")) await new Promise((resolve) => setTimeout(resolve, 1));
  assert.match(sink.text(), /transfer-encoding: chunked\r\n\r\n5\r\nfirst\r\n$/);
  push("second!");
  push(null);
  assert.equal(await written, true);
  assert.ok(sink.text().endsWith("5\r\nfirst\r\n7\r\nsecond!\r\n0\r\n\r\n"), sink.text());
});

Deno.test("writeResponse ends an HTTP/1.0 stream with the connection", async () => {
  const sink = collector();
  let pulls = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (pulls++ < 2) controller.enqueue(new TextEncoder().encode("x"));
      else controller.close();
    },
  });
  await writeResponse(sink, new Response(body), { head: false, http10: true, close: true });
  const text = sink.text();
  assert.doesNotMatch(text, /transfer-encoding|content-length/);
  assert.match(text, /connection: close\r\n/);
  assert.ok(text.endsWith("\r\n\r\nxx"));
});

Deno.test("writeResponse sends no body to HEAD, 204 or 304", async (t) => {
  await t.step("HEAD keeps the length", async () => {
    const sink = collector();
    await writeResponse(sink, new Response("hello"), { ...plain, head: true });
    assert.match(sink.text(), /content-length: 5\r\n/);
    assert.ok(sink.text().endsWith("\r\n\r\n"));
  });
  for (const status of [204, 304]) {
    await t.step(String(status), async () => {
      const sink = collector();
      await writeResponse(sink, new Response(null, { status }), plain);
      assert.match(sink.text(), new RegExp(`^HTTP/1\\.1 ${status} `));
      assert.doesNotMatch(sink.text(), /content-length|transfer-encoding/);
    });
  }
});

Deno.test("writeResponse drops the fields the front decides, and keeps Latin-1 values", async () => {
  const sink = collector();
  const headers = new Headers({
    connection: "keep-alive",
    "keep-alive": "timeout=5",
    "transfer-encoding": "gzip",
    "x-name": "caf\u00e9",
  });
  headers.append("set-cookie", "a=1");
  headers.append("set-cookie", "b=2");
  await writeResponse(sink, new Response("ok", { headers }), { ...plain, close: true });
  const bytes = sink.writes[0]!;
  const text = sink.text();
  assert.doesNotMatch(text, /keep-alive|gzip/);
  assert.match(text, /connection: close\r\n/);
  assert.match(text, /set-cookie: a=1\r\nset-cookie: b=2\r\n/);
  const at = text.indexOf("caf");
  assert.equal(bytes[at + 3], 0xe9, "one byte for é, as sent by the handler");
});

Deno.test("writeResponse tells a failing body from a failing client", async () => {
  const failing = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new Uint8Array([1]));
    },
    pull(controller) {
      controller.error(new Error("the handler's stream broke"));
    },
  });
  assert.equal(await writeResponse(collector(), new Response(failing), plain), false);
  await assert.rejects(writeResponse(collector(0), new Response("x"), plain), /connection reset/);
});

Deno.test("writeResponse sends a body noted whole without reading its stream", async () => {
  const bytes = new TextEncoder().encode("from a plugin");
  const sink = collector();
  const response = markWholeBody(new Response(bytes), bytes);
  await writeResponse(sink, response, plain);
  assert.equal(sink.writes.length, 1);
  assert.ok(sink.text().endsWith("content-length: 13\r\n\r\nfrom a plugin"));
  assert.equal(response.bodyUsed, false, "the stream was never made");

  const head = collector();
  await writeResponse(head, markWholeBody(new Response(bytes), bytes), { ...plain, head: true });
  assert.ok(head.text().endsWith("content-length: 13\r\n\r\n"));
});

Deno.test("writeResponse never frames an empty chunk, which would end the body", async () => {
  const sink = collector();
  let pulls = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      await new Promise((resolve) => setTimeout(resolve, 2));
      if (pulls++ === 0) controller.enqueue(new Uint8Array());
      else if (pulls === 2) controller.enqueue(new TextEncoder().encode("HTTP/1.1 200 forged"));
      else controller.close();
    },
  });
  await writeResponse(sink, new Response(body), plain);
  assert.ok(sink.text().endsWith("\r\n\r\n13\r\nHTTP/1.1 200 forged\r\n0\r\n\r\n"), sink.text());
});

Deno.test("writeResponse sends a stream's head before its first piece arrives", async () => {
  const sink = collector();
  let push!: () => void;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      push = () => {
        controller.enqueue(new TextEncoder().encode(": ping\n\n"));
        controller.close();
      };
    },
  });
  const written = writeResponse(sink, new Response(body, { status: 200 }), plain);
  while (sink.writes.length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
  assert.match(sink.text(), /^HTTP\/1\.1 200 OK\r\n[^]*transfer-encoding: chunked\r\n\r\n$/);
  push();
  await written;
  assert.ok(sink.text().endsWith("8\r\n: ping\n\n\r\n0\r\n\r\n"));
});

Deno.test("writeResponse answers HEAD with the handler's length when there is no body", async () => {
  const sink = collector();
  const response = new Response(null, { headers: { "content-length": "1234" } });
  await writeResponse(sink, response, { ...plain, head: true });
  assert.match(sink.text(), /content-length: 1234\r\n/);
});

Deno.test("writeResponse answers 500 when a body fails before anything was sent", async () => {
  const sink = collector();
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      controller.error(new Error("broken at once"));
    },
  });
  assert.equal(await writeResponse(sink, new Response(body), plain), false);
  assert.match(sink.text(), /^HTTP\/1\.1 500 Internal Server Error\r\n/);
});

Deno.test("writeResponse gives the event loop its turns through a body of empty pieces", async () => {
  let pieces = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (++pieces < 5000) controller.enqueue(new Uint8Array());
      else {
        controller.enqueue(new TextEncoder().encode("x"));
        controller.close();
      }
    },
  });
  let turns = 0;
  const ticker = setInterval(() => turns++, 0);
  const sink = collector();
  await writeResponse(sink, new Response(body), plain);
  clearInterval(ticker);
  assert.ok(sink.text().endsWith("\r\n\r\n1\r\nx\r\n0\r\n\r\n") || sink.text().endsWith("x"));
  assert.ok(turns > 0, "timers ran while the body was read");
});

Deno.test("writeResponse answers 500 for a body already locked", async () => {
  const response = new Response(new ReadableStream({ start() {} }));
  response.body!.getReader();
  const sink = collector();
  assert.equal(await writeResponse(sink, response, plain), false);
  assert.match(sink.text(), /^HTTP\/1\.1 500 /);
});
