import assert from "node:assert/strict";
import { LogBuffer, parseLogLine } from "./log_buffer.ts";

Deno.test("parseLogLine() keeps the level of JSON lines and guesses for plain ones", async (t) => {
  const rows: [string, "stdout" | "stderr", string][] = [
    ['{"level":"error","msg":"x"}', "stdout", "error"],
    ['{"level":"WARNING","msg":"x"}', "stdout", "warn"],
    ['{"level":30,"msg":"pino"}', "stderr", "info"],
    ['{"level":50}', "stdout", "error"],
    ['{"msg":"no level"}', "stderr", "warn"],
    ["plain text", "stdout", "info"],
    ["plain text", "stderr", "warn"],
    ["{broken json", "stdout", "info"],
  ];
  for (const [text, stream, level] of rows) {
    await t.step(`${text} on ${stream} is ${level}`, () => {
      assert.equal(parseLogLine(text, stream, 0).level, level);
    });
  }
});

Deno.test("LogBuffer keeps the last lines, feeds subscribers and drops one that throws", () => {
  const buffer = new LogBuffer(3);
  const seen: string[] = [];
  buffer.subscribe((line) => seen.push(line.text));
  buffer.subscribe(() => {
    throw new Error("broken subscriber");
  });
  for (const text of ["a", "b", "c", "d"]) buffer.push(parseLogLine(text, "stderr", 0));
  buffer.push(parseLogLine('{"level":"info","msg":"routine"}', "stderr", 0));
  assert.deepEqual(buffer.lines().map((line) => line.text), [
    "c",
    "d",
    '{"level":"info","msg":"routine"}',
  ]);
  assert.deepEqual(seen, ["a", "b", "c", "d", '{"level":"info","msg":"routine"}']);
  assert.deepEqual(buffer.lastStderr(5), ["c", "d"], "routine info lines say nothing of a failure");
});
