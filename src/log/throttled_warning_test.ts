import assert from "node:assert/strict";
import { ThrottledWarning } from "./throttled_warning.ts";

Deno.test("a throttled warning is written once per window per key, counting the rest", () => {
  const lines: { message: string; fields?: Record<string, unknown> }[] = [];
  let now = 0;
  const warning = new ThrottledWarning(
    { warn: (message, fields) => lines.push({ message, fields }) },
    1000,
    () => now,
  );
  warning.warn("10.0.0.1", "refused 10.0.0.1");
  warning.warn("10.0.0.1", "refused 10.0.0.1");
  warning.warn("10.0.0.1", "refused 10.0.0.1");
  warning.warn("10.0.0.2", "refused 10.0.0.2");
  assert.deepEqual(lines.map((line) => line.message), ["refused 10.0.0.1", "refused 10.0.0.2"]);
  now = 1000;
  warning.warn("10.0.0.1", "refused 10.0.0.1");
  assert.equal(lines[2]!.message, "refused 10.0.0.1 (and 2 more like it in the last window)");
  assert.equal(lines[2]!.fields?.heldBack, 2);
});

Deno.test("warnings from more keys than are kept share one line per window", () => {
  const lines: string[] = [];
  let now = 0;
  const warning = new ThrottledWarning(
    { warn: (message) => lines.push(message) },
    60_000,
    () => now,
  );
  for (let i = 0; i < 30_000; i++) warning.warn(`client ${i}`, `refused client ${i}`);
  assert.equal(lines.length, 10_001, "10 000 keys, then one shared line");
  assert.match(lines.at(-1)!, /one of more than 10000 clients/);
  // A window later the old keys are forgotten and new ones are written again.
  now = 61_000;
  warning.warn("client new", "refused client new");
  assert.equal(lines.at(-1), "refused client new");
});
