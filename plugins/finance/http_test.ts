import assert from "node:assert/strict";
import type { RouteHandler } from "../../src/sdk/mod.ts";
import { confidenceParam, guarded, HttpError, methodParam, readText, wholeParam } from "./http.ts";

const url = (query: string) => new URL(`http://localhost/x?${query}`);

Deno.test("readText() refuses a body past the limit with 413", async () => {
  const streamed = new Request("http://localhost/", {
    method: "POST",
    body: new ReadableStream({
      start(controller) {
        controller.enqueue(new Uint8Array(600));
        controller.enqueue(new Uint8Array(600));
        controller.close();
      },
    }),
  });
  await assert.rejects(readText(streamed, 1000), (error: HttpError) => error.status === 413);
  const small = new Request("http://localhost/", { method: "POST", body: "date,A" });
  assert.equal(await readText(small, 1000), "date,A");
  const binary = new Request("http://localhost/", { method: "POST", body: new Uint8Array([255]) });
  await assert.rejects(readText(binary, 1000), /not UTF-8/);
});

Deno.test("query parameters are checked with messages naming the value", () => {
  assert.equal(confidenceParam(url(""), 0.99), 0.99);
  assert.equal(confidenceParam(url("confidence=0.95"), 0.99), 0.95);
  assert.throws(() => confidenceParam(url("confidence=abc"), 0.99), /got "abc"/);
  assert.equal(methodParam(url("method=parametric")), "parametric");
  assert.throws(() => methodParam(url("method=x")), /historical, parametric; got "x"/);
  assert.equal(wholeParam(url("window=20"), "window", 5, 2, 100), 20);
  assert.throws(() => wholeParam(url("window=1"), "window", 5, 2, 100), /from 2 to 100/);
});

Deno.test("guarded() turns input errors into problem responses and lets bugs through", async () => {
  // The wrapped handlers never look at their context.
  const context = {} as Parameters<RouteHandler>[1];
  const request = new Request("http://localhost/");
  const notFound = await guarded(() => {
    throw new HttpError(404, "unknown symbol");
  })(request, context);
  assert.equal(notFound.status, 404);
  assert.equal(notFound.headers.get("content-type"), "application/problem+json");
  assert.equal((await notFound.json()).detail, "unknown symbol");
  const short = await guarded(() => {
    throw new RangeError("too few returns");
  })(request, context);
  assert.equal(short.status, 400);
  await short.body?.cancel();
  await assert.rejects(
    async () =>
      await guarded(() => {
        throw new TypeError("a bug");
      })(request, context),
    TypeError,
  );
});
