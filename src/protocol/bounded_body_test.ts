import assert from "node:assert/strict";
import { readBoundedBody } from "./bounded_body.ts";

const CHUNK = 64 * 1024;

/** A body of `total` bytes made only as it is read; `pulled` counts the bytes handed out. */
function lazyBody(total: number) {
  const counter = { pulled: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (counter.pulled >= total) return controller.close();
      const size = Math.min(CHUNK, total - counter.pulled);
      counter.pulled += size;
      controller.enqueue(new Uint8Array(size));
    },
    cancel() {
      counter.cancelled = true;
    },
  }, { highWaterMark: 0 });
  return { stream, counter };
}

function post(body: BodyInit | null, headers: HeadersInit = {}): Request {
  return new Request("http://h/x", { method: "POST", body, headers });
}

class TooLarge extends Error {}
const tooLarge = () => new TooLarge("too large");

Deno.test("readBoundedBody() reads a body up to the limit whole", async (t) => {
  const rows: [string, Request, number, number][] = [
    ["a short body", post("hello"), 10, 5],
    ["a body exactly at the limit", post("hello"), 5, 5],
    ["no body", new Request("http://h/x"), 10, 0],
    ["an empty body", post(""), 10, 0],
    [
      "a chunked body of many chunks",
      post(lazyBody(5 * CHUNK + 3).stream),
      6 * CHUNK,
      5 * CHUNK + 3,
    ],
  ];
  for (const [name, request, limit, size] of rows) {
    await t.step(name, async () => {
      assert.equal((await readBoundedBody(request, limit, tooLarge)).byteLength, size);
    });
  }
});

Deno.test("readBoundedBody() stops reading a 64 MiB chunked body at the limit", async () => {
  const { stream, counter } = lazyBody(64 * 1024 * 1024);
  const limit = 1024 * 1024;
  await assert.rejects(() => readBoundedBody(post(stream), limit, tooLarge), TooLarge);
  // One chunk past the limit is the most it may pull; the rest is cancelled, never made.
  assert.ok(counter.pulled <= limit + CHUNK, `${counter.pulled} bytes were pulled`);
  assert.ok(counter.cancelled, "the rest of the body was not cancelled");
});

Deno.test("readBoundedBody() refuses a Content-Length over the limit without reading", async () => {
  const { stream, counter } = lazyBody(64 * 1024 * 1024);
  const request = post(stream, { "content-length": String(64 * 1024 * 1024) });
  await assert.rejects(() => readBoundedBody(request, 1024, tooLarge), TooLarge);
  assert.equal(counter.pulled, 0);
});

Deno.test("readBoundedBody() counts the bytes when Content-Length is not a number", async (t) => {
  for (const declared of ["", "abc", "-1", "1e9", "5, 5"]) {
    await t.step(JSON.stringify(declared), async () => {
      const request = post("hello", { "content-length": declared });
      assert.equal((await readBoundedBody(request, 5, tooLarge)).byteLength, 5);
      await assert.rejects(
        () => readBoundedBody(post("hello!", { "content-length": declared }), 5, tooLarge),
        TooLarge,
      );
    });
  }
});
