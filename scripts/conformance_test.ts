import assert from "node:assert/strict";
import { parseConformanceArgs } from "./conformance.ts";

Deno.test("the conformance command line: a path, repeated options, errors that name the option", () => {
  assert.deepEqual(
    parseConformanceArgs([
      "plugins/x",
      "--arg",
      "--verbose",
      "--config",
      "greeting=a=b",
      "--job",
      'count={"n":1}',
      "--ws-query",
      "?session_id=1",
      "--json",
    ]),
    {
      path: "plugins/x",
      args: ["--verbose"],
      config: { greeting: "a=b" },
      jobs: { count: '{"n":1}' },
      wsQuery: "session_id=1",
      json: true,
    },
  );
  assert.throws(() => parseConformanceArgs([]), /usage: deno task conformance/);
  assert.throws(() => parseConformanceArgs(["a", "b"]), /one plugin at a time/);
  assert.throws(
    () => parseConformanceArgs(["a", "--job", "count={"]),
    /--job count: the payload is not JSON/,
  );
  assert.throws(
    () => parseConformanceArgs(["a", "--config", "=1"]),
    /--config takes <name>=<value>/,
  );
  assert.throws(() => parseConformanceArgs(["a", "--arg"]), /--arg needs a value/);
  assert.throws(() => parseConformanceArgs(["a", "--fast"]), /unknown option --fast/);
  assert.throws(
    () => parseConformanceArgs(["a", "--ws-query", "session id=1"]),
    /"session id" cannot be a gRPC metadata key/,
  );
  assert.throws(
    () => parseConformanceArgs(["a", "--ws-query", "q=café"]),
    /the value of "q" must be printable ASCII/,
  );
});
