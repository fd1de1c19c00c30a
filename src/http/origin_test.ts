import assert from "node:assert/strict";
import { isLoopback, originAllowed } from "./origin.ts";

Deno.test("originAllowed() passes same-origin and listed origins, and no Origin only from loopback", async (t) => {
  const url = new URL("http://127.0.0.1:8877/code-ws");
  const rows: [string | null, string[], string | undefined, boolean][] = [
    ["http://127.0.0.1:8877", [], "10.0.0.5", true],
    ["https://console.example.com", ["https://console.example.com"], "10.0.0.5", true],
    ["https://console.example.com:443", ["https://console.example.com"], "10.0.0.5", true],
    ["https://evil.example", ["https://console.example.com"], "127.0.0.1", false],
    ["https://evil.example", ["*"], "10.0.0.5", true],
    ["not a url", [], "127.0.0.1", false],
    [null, [], "127.0.0.1", true],
    [null, [], "::1", true],
    [null, [], "10.0.0.5", false],
    ["", ["*"], "192.168.1.2", false],
    [null, [], undefined, false],
    // A development UI on another port of this machine, as QNTX allows by default.
    ["http://localhost:5173", [], "127.0.0.1", true],
    ["https://127.0.0.1:3000", [], "127.0.0.1", true],
    ["http://localhost.evil.example:5173", [], "127.0.0.1", false],
    ["http://app.example:9000", ["http://app.example:*"], "10.0.0.5", true],
    ["https://app.example:9000", ["http://app.example:*"], "10.0.0.5", false],
  ];
  for (const [origin, allowed, remote, expected] of rows) {
    await t.step(`${origin} from ${remote} with [${allowed}] → ${expected}`, () => {
      assert.equal(originAllowed(origin, url, allowed, remote), expected);
    });
  }
  assert.equal(isLoopback("::ffff:127.0.0.1"), true);
});
