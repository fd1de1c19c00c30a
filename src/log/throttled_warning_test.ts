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
