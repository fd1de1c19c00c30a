import assert from "node:assert/strict";
import { CHUNKED, HeadError, parseRequestHead, requestUrl } from "./request_head.ts";

const head = (...lines: string[]) => lines.join("\r\n");

Deno.test("parseRequestHead reads a request line, fields and framing", () => {
  const parsed = parseRequestHead(
    head("POST /api/x?y=1 HTTP/1.1", "Host: example.test:8080", "Content-Length:  12 ", "X-A: b"),
  );
  assert.equal(parsed.method, "POST");
  assert.equal(parsed.target, "/api/x?y=1");
  assert.equal(parsed.minor, 1);
  assert.deepEqual(parsed.headers, [
    ["host", "example.test:8080"],
    ["content-length", "12"],
    ["x-a", "b"],
  ]);
  assert.equal(parsed.bodyLength, 12);
  assert.equal(parsed.keepAlive, true);
  assert.equal(parsed.webSocket, false);
  assert.equal(requestUrl(parsed, "fallback:1").href, "http://example.test:8080/api/x?y=1");
});

Deno.test("parseRequestHead decides framing, connection and upgrades", async (t) => {
  const cases: [string, string[], Partial<ReturnType<typeof parseRequestHead>>][] = [
    ["chunked", ["POST / HTTP/1.1", "Host: h", "Transfer-Encoding: Chunked"], {
      bodyLength: CHUNKED,
    }],
    ["repeated equal lengths", [
      "POST / HTTP/1.1",
      "Host: h",
      "Content-Length: 5, 5",
      "Content-Length: 5",
    ], {
      bodyLength: 5,
    }],
    ["HTTP/1.0 closes", ["GET / HTTP/1.0"], { keepAlive: false, minor: 0, host: undefined }],
    ["Connection: close", ["GET / HTTP/1.1", "Host: h", "Connection: keep-alive, close"], {
      keepAlive: false,
    }],
    ["a WebSocket handshake", [
      "GET /echo-ws HTTP/1.1",
      "Host: h",
      "Connection: keep-alive, Upgrade",
      "Upgrade: websocket",
    ], { webSocket: true }],
    [
      "any Upgrade naming websocket (the front hands it on or refuses it)",
      ["GET / HTTP/1.1", "Host: h", "Upgrade: h2c, WebSocket"],
      { webSocket: true },
    ],
    ["an Upgrade to another protocol", ["GET / HTTP/1.1", "Host: h", "Upgrade: h2c"], {
      webSocket: false,
    }],
    ["a method in lower case, as Request normalizes it", ["get / HTTP/1.1", "Host: h"], {
      method: "GET",
    }],
    ["another method kept as sent", ["patch / HTTP/1.1", "Host: h"], { method: "patch" }],
    ["an upgrade by POST", [
      "POST / HTTP/1.1",
      "Host: h",
      "Connection: upgrade",
      "Upgrade: websocket",
    ], { webSocket: true, method: "POST" }],
    ["100-continue with a body", [
      "PUT / HTTP/1.1",
      "Host: h",
      "Expect: 100-Continue",
      "Content-Length: 3",
    ], { expectContinue: true }],
    ["100-continue without a body", ["GET / HTTP/1.1", "Host: h", "Expect: 100-continue"], {
      expectContinue: false,
    }],
    ["an absolute-form target", ["GET http://other.test/p HTTP/1.1", "Host: h"], {
      target: "http://other.test/p",
    }],
  ];
  for (const [name, lines, expected] of cases) {
    await t.step(name, () => {
      const parsed = parseRequestHead(head(...lines));
      for (const [key, value] of Object.entries(expected)) {
        assert.deepEqual(parsed[key as keyof typeof parsed], value, key);
      }
    });
  }
});

Deno.test("parseRequestHead refuses what two parsers could read apart", async (t) => {
  const cases: [string, string[], number, RegExp][] = [
    [
      "both framings",
      [
        "POST / HTTP/1.1",
        "Host: h",
        "Content-Length: 4",
        "Transfer-Encoding: chunked",
      ],
      400,
      /both Content-Length and Transfer-Encoding/,
    ],
    [
      "two different lengths",
      ["POST / HTTP/1.1", "Host: h", "Content-Length: 4", "Content-Length: 5"],
      400,
      /different values/,
    ],
    ["a signed length", ["POST / HTTP/1.1", "Host: h", "Content-Length: +4"], 400, /not a number/],
    ["a hex length", ["POST / HTTP/1.1", "Host: h", "Content-Length: 0x4"], 400, /not a number/],
    ["an empty length", ["POST / HTTP/1.1", "Host: h", "Content-Length:"], 400, /not a number/],
    [
      "a huge length",
      ["POST / HTTP/1.1", "Host: h", `Content-Length: ${"9".repeat(20)}`],
      400,
      /not a number/,
    ],
    [
      "gzip coding",
      ["POST / HTTP/1.1", "Host: h", "Transfer-Encoding: gzip, chunked"],
      501,
      /transfer coding/,
    ],
    [
      "chunked twice",
      ["POST / HTTP/1.1", "Host: h", "Transfer-Encoding: chunked", "Transfer-Encoding: chunked"],
      400,
      /twice/,
    ],
    ["chunked in HTTP/1.0", ["POST / HTTP/1.0", "Transfer-Encoding: chunked"], 400, /HTTP\/1\.0/],
    ["a folded line", ["GET / HTTP/1.1", "Host: h", "X-A: 1", " folded"], 400, /folded/],
    ["space before the colon", ["GET / HTTP/1.1", "Host : h"], 400, /name: value/],
    ["no colon", ["GET / HTTP/1.1", "Host: h", "nonsense"], 400, /name: value/],
    [
      "a bare LF in a value",
      ["GET / HTTP/1.1", "Host: h", "X-A: 1\nContent-Length: 5"],
      400,
      /control character/,
    ],
    ["a bare CR in a value", ["GET / HTTP/1.1", "Host: h", "X-A: 1\rX"], 400, /control character/],
    ["a NUL in a value", ["GET / HTTP/1.1", "Host: h", "X-A: \0"], 400, /control character/],
    ["no Host", ["GET / HTTP/1.1"], 400, /no Host/],
    ["two Hosts", ["GET / HTTP/1.1", "Host: a", "Host: b"], 400, /more than one Host/],
    ["an empty Host", ["GET /localhost/api HTTP/1.1", "Host:"], 400, /Host header is empty/],
    ["HTTP/2.0", ["GET / HTTP/2.0", "Host: h"], 505, /HTTP\/2\.0 is not served/],
    ["HTTP/1.2", ["GET / HTTP/1.2", "Host: h"], 400, /request line/],
    ["a lowercase version", ["GET / http/1.1", "Host: h"], 400, /request line/],
    ["two spaces", ["GET  / HTTP/1.1", "Host: h"], 400, /request line/],
    ["a space in the target", ["GET /a b HTTP/1.1", "Host: h"], 400, /request line/],
    ["a non-ASCII target", ["GET /\u00e9 HTTP/1.1", "Host: h"], 400, /request line/],
    ["asterisk-form", ["OPTIONS * HTTP/1.1", "Host: h"], 400, /path or an absolute http URL/],
    ["authority-form", ["GET example.test:80 HTTP/1.1", "Host: h"], 400, /path or an absolute/],
    ["CONNECT", ["CONNECT example.test:443 HTTP/1.1", "Host: h"], 501, /CONNECT is not served/],
    ["TRACE", ["TRACE / HTTP/1.1", "Host: h"], 501, /TRACE/],
    ["another expectation", ["PUT / HTTP/1.1", "Host: h", "Expect: 200-ok"], 417, /expectation/],
    [
      "too many fields",
      ["GET / HTTP/1.1", ...Array.from({ length: 101 }, (_, i) => `X-${i}: 1`)],
      431,
      /more than 100/,
    ],
  ];
  for (const [name, lines, status, message] of cases) {
    await t.step(name, () => {
      assert.throws(() => parseRequestHead(head(...lines)), (error: unknown) => {
        assert.ok(error instanceof HeadError);
        assert.equal(error.status, status);
        assert.match(error.message, message);
        return true;
      });
    });
  }
});

Deno.test("requestUrl refuses a Host that is not a host name", async (t) => {
  for (const host of ["a/b", "a b", "user@h", "h?x", "h#x", "\u00e9"]) {
    await t.step(JSON.stringify(host), () => {
      const parsed = parseRequestHead(head("GET /p HTTP/1.1", `Host: ${host}`));
      assert.throws(() => requestUrl(parsed, "fallback"), /Host header is not a host name/);
    });
  }
  const bare = parseRequestHead(head("GET /p HTTP/1.0"));
  assert.equal(requestUrl(bare, "127.0.0.1:9").href, "http://127.0.0.1:9/p");
  const absolute = parseRequestHead(head("GET http://[::1]:9/p HTTP/1.1", "Host: ignored"));
  assert.equal(requestUrl(absolute, "x").href, "http://[::1]:9/p");
});

Deno.test("parseRequestHead takes time in proportion to a head's size", () => {
  // A run of spaces inside a value once cost a trimming regex 2 s for 64 KiB.
  const spaces = " ".repeat(64 * 1024);
  const started = performance.now();
  const parsed = parseRequestHead(head("GET / HTTP/1.1", "Host: h", `X: a${spaces}b`));
  assert.equal(parsed.headers[1]![1].length, spaces.length + 2);
  assert.throws(() => parseRequestHead(`GET /${"a".repeat(60_000)} HTTP/1.1x`), /request line/);
  const ms = performance.now() - started;
  assert.ok(ms < 500, `${ms} ms`);
});
