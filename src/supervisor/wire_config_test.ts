import assert from "node:assert/strict";
import { toWireConfig } from "./wire_config.ts";

Deno.test("toWireConfig() sends scalars as strings, lists and tables as JSON, and resolves env:NAME", () => {
  assert.deepEqual(
    toWireConfig("bio", {
      a: "x",
      n: 4,
      b: true,
      list: ["p", "q"],
      table: { k: 1 },
      key: "env:NCBI_KEY",
    }, {
      NCBI_KEY: "s3cret",
    }),
    { a: "x", n: "4", b: "true", list: '["p","q"]', table: '{"k":1}', key: "s3cret" },
  );
});

Deno.test("toWireConfig() names the key and variable of a missing env:NAME, never a value", () => {
  assert.throws(
    () => toWireConfig("bio", { "blast.key": "env:MISSING_KEY" }, {}),
    /^Error: plugin "bio" setting "blast\.key" names environment variable MISSING_KEY, which is not set$/,
  );
});
