import assert from "node:assert/strict";
import { browserGuard } from "./browser_guard.ts";
import { HttpError } from "./http_error.ts";

const guard = browserGuard("127.0.0.1", ["qntx.internal"], ["https://console.example.com"]);

function status(run: () => void): number {
  try {
    run();
    return 200;
  } catch (error) {
    assert.ok(error instanceof HttpError);
    return error.status;
  }
}

Deno.test("checkHost() - answers to its own names and addresses, never to a rebound name", async (t) => {
  const rows: [string, number][] = [
    ["http://127.0.0.1:8877/api/plugins", 200],
    ["http://localhost:8877/", 200],
    ["http://[::1]:8877/", 200],
    ["http://QNTX.internal:8877/", 200],
    ["http://192.168.1.5:8877/", 200],
    ["http://evil.example:8877/api/plugins", 421],
    ["http://localhost.evil.example:8877/", 421],
  ];
  for (const [url, expected] of rows) {
    await t.step(`${url} → ${expected}`, () => {
      assert.equal(status(() => guard.checkHost(new URL(url))), expected);
    });
  }
});

Deno.test("checkCrossSite() - refuses state changes a browser sent for another site", async (t) => {
  const url = new URL("http://127.0.0.1:8877/api/plugins/code/pause");
  const rows: [string, Record<string, string>, number][] = [
    ["POST", {}, 200], // a program: no browser headers, on to the credential check
    ["POST", { "sec-fetch-site": "same-origin", origin: "http://127.0.0.1:8877" }, 200],
    ["POST", { "sec-fetch-site": "none" }, 200],
    ["POST", { "sec-fetch-site": "cross-site", origin: "https://evil.example" }, 403],
    ["POST", { "sec-fetch-site": "same-site", origin: "http://127.0.0.1:9999" }, 403],
    ["POST", { origin: "https://evil.example" }, 403],
    ["POST", { origin: "http://127.0.0.1:8877" }, 200],
    ["POST", { origin: "https://console.example.com" }, 200],
    ["PUT", { origin: "null" }, 403],
    ["DELETE", { "sec-fetch-site": "cross-site" }, 403],
    ["GET", { "sec-fetch-site": "cross-site", origin: "https://evil.example" }, 200],
  ];
  for (const [method, headers, expected] of rows) {
    await t.step(`${method} ${JSON.stringify(headers)} → ${expected}`, () => {
      const request = new Request(url, { method, headers });
      assert.equal(status(() => guard.checkCrossSite(request, url)), expected);
    });
  }
});
