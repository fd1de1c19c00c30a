import assert from "node:assert/strict";
import { HttpError, readJson, readText } from "./request_body.ts";

function post(body: BodyInit, headers: HeadersInit = {}): Request {
  return new Request("http://plugin/x", { method: "POST", body, headers });
}

Deno.test("readText() reads up to the limit, refuses more with 413 and bad UTF-8 with 400", async () => {
  assert.equal(await readText(post("hello"), 5), "hello");
  const over = (error: unknown) =>
    error instanceof HttpError && error.status === 413 &&
    error.message === "the request body is over max_upload_bytes (4 bytes)";
  await assert.rejects(() => readText(post("hello"), 4, "max_upload_bytes (4 bytes)"), over);
  // A declared length over the limit is refused before anything is read.
  await assert.rejects(
    () => readText(post("hi", { "content-length": "999" }), 4, "max_upload_bytes (4 bytes)"),
    over,
  );
  await assert.rejects(
    () => readText(post(new Uint8Array([0xff, 0xfe])), 10),
    (error: unknown) => error instanceof HttpError && error.status === 400,
  );
  assert.equal(await readText(new Request("http://plugin/x"), 10), "");
});

Deno.test("readJson() names the parse error", async () => {
  assert.deepEqual(await readJson(post('{"a":1}'), 100), { a: 1 });
  await assert.rejects(() => readJson(post("{nope"), 100), /the request body is not JSON: /);
});
