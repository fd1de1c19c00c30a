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
async function server(
  where = "127.0.0.1:0",
): Promise<{ port: number; close(): Promise<void> }> {
  const served = new grpc.Server();
  // The slow answers' timers, cleared at close (a cancelled call leaves its own behind).
  const timers = new Set<ReturnType<typeof setTimeout>>();
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
      if (path === "/slow") {
        const timer = setTimeout(() => {
          timers.delete(timer);
          answer();
        }, 300);
        timers.add(timer);
      } else answer();
    },
  } as grpc.UntypedServiceImplementation);
  const port = await new Promise<number>((resolve, reject) =>
    served.bindAsync(
      where,
      grpc.ServerCredentials.createInsecure(),
      (error, bound) => error ? reject(error) : resolve(bound),
    )
  );
  return {
    port,
    close: () => {
      for (const timer of timers) clearTimeout(timer);
      served.forceShutdown();
      return Promise.resolve();
    },
  };
}

Deno.test("FetchUnary calls a grpc-js server: answers, refusals, deadlines, cancels", async () => {
  const { port, close } = await server();
  const caller = new FetchUnary({ kind: "tcp", port });
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
    const small = new FetchUnary({ kind: "tcp", port }, 100_000);
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
  const nobody = new FetchUnary({ kind: "tcp", port });
  const failed = await nobody.call(PATH, CODECS, request("/a"), 2_000).catch((e) => e);
  nobody.close();
  assert.equal(failed.code, grpc.status.UNAVAILABLE);
});

Deno.test("FetchUnary reaches a program on its Unix socket", async () => {
  const dir = await Deno.makeTempDir({ prefix: "qntx-fetch-unary-" });
  const path = `${dir}/plugin.sock`;
  const { close } = await server(`unix:${path}`);
  const caller = new FetchUnary({ kind: "unix", path });
  try {
    const answer = await caller.call(PATH, CODECS, request("/over-unix"), 5_000);
    assert.equal(new TextDecoder().decode(answer.body), "answer to /over-unix");
  } finally {
    caller.close();
    await close();
    await Deno.remove(dir, { recursive: true });
  }
});
