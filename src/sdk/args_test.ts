import assert from "node:assert/strict";
import { parsePluginArgs } from "./args.ts";

Deno.test("parsePluginArgs() reads the socket, the port and the stdin watch", async (t) => {
  const rows: [string[], unknown][] = [
    [["--socket", "/run/p.sock"], {
      address: { kind: "unix", path: "/run/p.sock" },
      watchStdin: false,
      ignored: [],
    }],
    [["--socket=/run/p.sock", "--watch-stdin"], {
      address: { kind: "unix", path: "/run/p.sock" },
      watchStdin: true,
      ignored: [],
    }],
    [["--port", "0"], { address: { kind: "tcp", port: 0 }, watchStdin: false, ignored: [] }],
    [["--port=7001", "--log-level", "x"], {
      address: { kind: "tcp", port: 7001 },
      watchStdin: false,
      ignored: ["--log-level", "x"],
    }],
  ];
  for (const [args, expected] of rows) {
    await t.step(args.join(" "), () => assert.deepEqual(parsePluginArgs(args), expected));
  }
});

Deno.test("parsePluginArgs() says what is wrong", () => {
  assert.throws(() => parsePluginArgs([]), /needs --socket <path> or --port <n>/);
  assert.throws(
    () => parsePluginArgs(["--socket", "rel.sock"]),
    /--socket needs an absolute path, got rel\.sock/,
  );
  assert.throws(
    () => parsePluginArgs(["--port", "http"]),
    /--port needs a port number from 0 to 65535, got http/,
  );
  assert.throws(() => parsePluginArgs(["--port"]), /got undefined/);
  assert.throws(
    () => parsePluginArgs(["--port", "1", "--data-dir", "rel"]),
    /--data-dir needs an absolute path/,
  );
});
