import assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import * as domain from "./gen/protocol/domain.ts";
import { FetchCallError, FetchUnary } from "./fetch_unary.ts";

const PATH = "/protocol.DomainPluginService/HandleHTTP";
const CODECS = { request: domain.HTTPRequest, response: domain.HTTPResponse };
const request = (path: string): domain.HTTPRequest => ({
  method: "GET",
  path,
  headers: [],
  body: new Uint8Array(),
});

/** A grpc-js server whose HandleHTTP answers by the request's path. */
async function server(): Promise<{ port: number; close(): Promise<void> }> {
  const served = new grpc.Server();
  const unimplemented = (_call: unknown, callback: grpc.sendUnaryData<never>) =>
    callback({ code: grpc.status.UNIMPLEMENTED });
  served.addService(domain.DomainPluginServiceService, {
    ...Object.fromEntries(
      Object.keys(domain.DomainPluginServiceService).map((name) => [name, unimplemented]),
    ),
    handleHttp: (
      call: grpc.ServerUnaryCall<domain.HTTPRequest, domain.HTTPResponse>,
      callback: grpc.sendUnaryData<domain.HTTPResponse>,
    ) => {
      const path = call.request.path;
      if (path === "/fail") {
        return callback({ code: grpc.status.FAILED_PRECONDITION, details: "not now: ünïcode" });
      }
      const answer = () =>
        callback(null, {
          statusCode: 200,
          headers: [{ name: "x-path", values: [path] }],
          body: new TextEncoder().encode(`answer to ${path}`),
        });
      if (path === "/huge") {
        return callback(null, { statusCode: 200, headers: [], body: new Uint8Array(200_000) });
      }
      if (path === "/slow") setTimeout(answer, 300);
      else answer();
    },
  } as grpc.UntypedServiceImplementation);
  const port = await new Promise<number>((resolve, reject) =>
    served.bindAsync(
      "127.0.0.1:0",
      grpc.ServerCredentials.createInsecure(),
      (error, bound) => error ? reject(error) : resolve(bound),
    )
  );
  return {
    port,
    close: () => new Promise((resolve) => served.tryShutdown(() => resolve())),
  };
}

Deno.test("FetchUnary calls a grpc-js server: answers, refusals, deadlines, cancels", async () => {
  const { port, close } = await server();
  const caller = new FetchUnary(`http://127.0.0.1:${port}`);
  try {
    const answers = await Promise.all(
      ["/a", "/b", "/c"].map((path) => caller.call(PATH, CODECS, request(path), 5_000)),
    );
    assert.deepEqual(
      answers.map((answer) => new TextDecoder().decode(answer.body)),
      ["answer to /a", "answer to /b", "answer to /c"],
    );
    assert.deepEqual(answers[0]!.headers, [{ name: "x-path", values: ["/a"] }]);

    const refused = await caller.call(PATH, CODECS, request("/fail"), 5_000).catch((e) => e);
    assert.ok(refused instanceof FetchCallError);
    assert.equal(refused.code, grpc.status.FAILED_PRECONDITION);
    assert.equal(refused.details, "not now: ünïcode");

    // An answer over the limit is refused, not read whole.
    const small = new FetchUnary(`http://127.0.0.1:${port}`, 100_000);
    const huge = await small.call(PATH, CODECS, request("/huge"), 5_000).catch((e) => e);
    small.close();
    assert.equal(huge.code, grpc.status.RESOURCE_EXHAUSTED);
    assert.match(huge.details, /larger than 100000 bytes/);

    const late = await caller.call(PATH, CODECS, request("/slow"), 50).catch((e) => e);
    assert.equal(late.code, grpc.status.DEADLINE_EXCEEDED);

    const gone = new AbortController();
    const cancelled = caller.call(PATH, CODECS, request("/slow"), 5_000, gone.signal);
    gone.abort(new Error("the client went away"));
    await assert.rejects(cancelled, /the client went away/);
  } finally {
    caller.close();
    await close();
  }
  // Nobody listening: unavailable, with the reason.
  const nobody = new FetchUnary(`http://127.0.0.1:${port}`);
  const failed = await nobody.call(PATH, CODECS, request("/a"), 2_000).catch((e) => e);
  nobody.close();
  assert.equal(failed.code, grpc.status.UNAVAILABLE);
});
