import assert from "node:assert/strict";
import { startTestHost, type TestHost, waitForRestart, waitForState } from "./_in_process_host.ts";
import { qntxPluginDir, trustProgram } from "./_programs.ts";

async function withEcho(
  work: (
    test: TestHost,
    get: (path: string, init?: RequestInit) => Promise<Response>,
  ) => Promise<void>,
  server = "",
) {
  const test = await startTestHost(["echo"], "", undefined, server);
  try {
    await waitForState(test.host.registry, "echo", "running");
    await work(test, (path, init) => fetch(new URL(path, test.host.url), init));
  } finally {
    await test.close();
  }
}

/** The body of a raw HTTP/1.1 answer, de-chunked when it was sent in chunks. */
function bodyOf(answer: string): string {
  const split = answer.indexOf("\r\n\r\n");
  const body = answer.slice(split + 4);
  return /^transfer-encoding: chunked$/im.test(answer.slice(0, split)) ? dechunk(body) : body;
}

/** The payload of a chunked HTTP/1.1 body. */
function dechunk(body: string): string {
  let out = "";
  let rest = body;
  while (true) {
    const end = rest.indexOf("\r\n");
    const size = parseInt(rest.slice(0, end), 16);
    if (!size) return out;
    out += rest.slice(end + 2, end + 2 + size);
    rest = rest.slice(end + 2 + size + 2);
  }
}

/** Sends raw HTTP/1.1 and returns the whole answer as text. */
async function raw(url: URL, text: string): Promise<string> {
  const connection = await Deno.connect({ hostname: url.hostname, port: Number(url.port) });
  await connection.write(new TextEncoder().encode(text));
  const chunks: string[] = [];
  const decoder = new TextDecoder();
  for await (const chunk of connection.readable) {
    chunks.push(decoder.decode(chunk, { stream: true }));
  }
  return chunks.join("");
}

Deno.test("/api/<domain>/* reaches the plugin with the prefix removed, the query, method and body kept", async () => {
  await withEcho(async (_test, get) => {
    const response = await get("/api/echo/any/path?x=1&y=%20two", {
      method: "PUT",
      body: "payload",
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("x-method"), "PUT");
    assert.equal(
      new URL(response.headers.get("x-url")!).pathname +
        new URL(response.headers.get("x-url")!).search,
      "/any/path?x=1&y=%20two",
    );
    assert.equal(await response.text(), "payload");
    const root = await get("/api/echo", { method: "DELETE" });
    assert.equal(new URL(root.headers.get("x-url")!).pathname, "/");
    assert.equal(root.headers.get("x-method"), "DELETE");
    await root.body?.cancel();
  });
});

Deno.test("multi-value headers go both ways; hop-by-hop ones are dropped; only the host's forwarding headers reach the plugin", async () => {
  await withEcho(async (test, get) => {
    const cookies = await get("/api/echo/cookies");
    assert.deepEqual(cookies.headers.getSetCookie(), ["a=1", "b=2", "c=3"]);
    await cookies.body?.cancel();
    const answer = await raw(
      test.host.url,
      "GET /api/echo/headers HTTP/1.1\r\nHost: example.test\r\nConnection: close, x-private\r\n" +
        "X-Private: secret\r\nKeep-Alive: timeout=5\r\nX-Multi: a\r\nX-Multi: b\r\n" +
        "X-Forwarded-For: 6.6.6.6\r\nForwarded: for=6.6.6.6\r\nX-Forwarded-Host: evil.example\r\n" +
        "X-Forwarded-Proto: https\r\nX-Real-IP: 6.6.6.6\r\n\r\n",
    );
    const seen = new Map<string, string>(
      JSON.parse(bodyOf(answer)),
    );
    assert.equal(seen.get("x-multi"), "a, b");
    assert.equal(seen.get("x-private"), undefined, "a header named in Connection was forwarded");
    assert.equal(seen.get("keep-alive"), undefined);
    assert.equal(seen.get("connection"), undefined);
    assert.equal(seen.get("x-forwarded-host"), "example.test");
    assert.equal(seen.get("x-forwarded-for"), "127.0.0.1");
    assert.equal(seen.get("x-forwarded-proto"), "http");
    assert.equal(seen.get("forwarded"), undefined, "the client's Forwarded reached the plugin");
    assert.equal(seen.get("x-real-ip"), undefined, "the client's X-Real-IP reached the plugin");
  }, 'allowed_hosts = ["example.test"]');
});

Deno.test("each request is sent once, even when the plugin answers 404", async () => {
  await withEcho(async (_test, get) => {
    const before = await (await get("/api/echo/hits")).json();
    const missing = await get("/api/echo/status/404");
    assert.equal(missing.status, 404);
    await missing.body?.cancel();
    for (let i = 0; i < 3; i++) {
      await (await get("/api/echo/x", { method: "POST", body: "once" })).text();
    }
    const after = await (await get("/api/echo/hits")).json();
    assert.equal(after.hits - before.hits, 3);
  });
});

Deno.test("status mapping: unknown 404, paused 503 with Retry-After, plugin status kept, bad status 502", async () => {
  await withEcho(async (test, get) => {
    const unknown = await get("/api/nobody/x");
    assert.equal(unknown.status, 404);
    assert.equal(unknown.headers.get("content-type"), "application/problem+json");
    assert.match((await unknown.json()).detail, /no plugin named "nobody" is registered/);

    assert.equal((await get("/api/echo/status/204")).status, 204);
    const teapot = await get("/api/echo/status/418");
    assert.equal(teapot.status, 418);
    await teapot.body?.cancel();

    await test.host.supervisor.pause("echo");
    const paused = await get("/api/echo/greeting");
    assert.equal(paused.status, 503);
    assert.equal(paused.headers.get("retry-after"), "5");
    const body = await paused.json();
    assert.deepEqual([body.plugin, body.state], ["echo", "paused"]);
    await test.host.supervisor.resume("echo");
  });
});

Deno.test("a slow plugin is 504; a plugin dying mid-request is 502, and it comes back", async () => {
  await withEcho(async (test, get) => {
    const slow = await get("/api/echo/slow/3000");
    assert.equal(slow.status, 504);
    assert.match((await slow.json()).detail, /plugin "echo" did not answer in time/);

    const pid = test.host.supervisor.get("echo")!.pid!;
    const crash = await get("/api/echo/crash", { method: "POST" });
    assert.equal(crash.status, 502);
    const problem = await crash.json();
    assert.match(problem.detail, /plugin "echo" could not be reached/);
    assert.equal(problem.plugin, "echo");
    await waitForRestart(test.host, "echo", pid);
    const again = await get("/api/echo/greeting");
    assert.equal(await again.text(), "hello");
  }, 'request_timeout = "500ms"');
});

Deno.test("a QNTX plugin (unary HandleHTTP) works, with 413 above the body limit", async () => {
  const dir = await qntxPluginDir("unary");
  const test = await startTestHost(
    ["unary"],
    trustProgram("unary"),
    [dir],
    "body_limit = 1024",
  );
  try {
    await waitForState(test.host.registry, "unary", "running");
    const get = (path: string, init?: RequestInit) => fetch(new URL(path, test.host.url), init);
    const echoed = await get("/api/unary/x?y=1", { method: "POST", body: "small" });
    assert.equal(await echoed.text(), "small");
    const cookies = await get("/api/unary/cookies");
    assert.deepEqual(cookies.headers.getSetCookie(), ["a=1", "b=2", "c=3"]);
    await cookies.body?.cancel();
    const big = await get("/api/unary/upload", { method: "POST", body: "x".repeat(4096) });
    assert.equal(big.status, 413);
    assert.match((await big.json()).detail, /larger than the 1024 bytes plugin "unary" accepts/);
  } finally {
    await test.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a client that goes away cancels its request in the plugin", async () => {
  await withEcho(async (_test, get) => {
    const controller = new AbortController();
    const pending = get("/api/echo/slow/10000", { signal: controller.signal }).catch((error) =>
      error
    );
    // Wait until the plugin has the request, then leave.
    while ((await (await get("/api/echo/hits")).json()).hits === 0) {
      /* the request is on its way */
    }
    controller.abort();
    assert.equal((await pending).name, "AbortError");
    let counts = await (await get("/api/echo/hits")).json();
    while (counts.cancelled === 0) {
      counts = await (await get("/api/echo/hits")).json();
    }
    assert.equal(counts.cancelled, 1);
  });
});

Deno.test("stopping a plugin under load loses no request that was under way", async () => {
  await withEcho(async (test, get) => {
    const inFlight = Array.from(
      { length: 20 },
      () => get("/api/echo/slow/400").then(async (r) => [r.status, await r.text()]),
    );
    while (
      (await (await get("/api/echo/hits")).json()).hits < 20
    ) { /* all requests reached the plugin */ }
    const stopping = test.host.supervisor.disable("echo");
    const late = await get("/api/echo/greeting");
    assert.equal(
      late.status,
      503,
      "a request after the stop began must not reach a stopping plugin",
    );
    await late.body?.cancel();
    const answers = await Promise.all(inFlight);
    await stopping;
    assert.deepEqual(answers.map(([status]) => status), Array(20).fill(200));
    assert.equal(test.host.registry.getState("echo"), "stopped");
  });
});
