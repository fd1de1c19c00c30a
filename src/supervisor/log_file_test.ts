import assert from "node:assert/strict";
import { join } from "node:path";
import { parseLogLine } from "./log_buffer.ts";
import { LogFile } from "./log_file.ts";

Deno.test("LogFile appends JSON lines and rotates to <file>.1 past its size", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "logs", "bio.log");
    const file = new LogFile(path, 300);
    for (let i = 0; i < 5; i++) {
      file.write(parseLogLine(`line ${i}`, "stderr", Date.UTC(2026, 0, 1)));
    }
    file.close();
    const current = Deno.readTextFileSync(path).trim().split("\n").map((line) => JSON.parse(line));
    const previous = Deno.readTextFileSync(`${path}.1`).trim().split("\n").map((line) =>
      JSON.parse(line)
    );
    assert.deepEqual(current[0], {
      time: "2026-01-01T00:00:00.000Z",
      stream: "stderr",
      level: "warn",
      line: current[0].line,
    });
    const all = [...previous, ...current].map((entry) => entry.line);
    assert.deepEqual(all.slice(-current.length), current.map((entry) => entry.line));
    assert.ok(all.includes("line 4"));
    assert.ok(Deno.statSync(path).size <= 300);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
