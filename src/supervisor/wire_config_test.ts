import assert from "node:assert/strict";
import { PermanentFailure } from "./plugin_connection.ts";
import { NO_GRANTS } from "./sandbox.ts";
import { toWireConfig, type WireConfigSource } from "./wire_config.ts";

function source(
  values: Record<string, unknown>,
  hostEnv: Record<string, string>,
  env: string[] = [],
): WireConfigSource {
  return { pluginConfig: () => values, hostEnv, grants: () => ({ ...NO_GRANTS, env }) };
}

Deno.test("toWireConfig() sends scalars as strings, lists and tables as JSON, and resolves a granted env:NAME", () => {
  assert.deepEqual(
    toWireConfig(
      "bio",
      source(
        {
          a: "x",
          n: 4,
          b: true,
          list: ["p", "q"],
          table: { k: 1 },
          key: "env:NCBI_KEY",
        },
        { NCBI_KEY: "s3cret" },
        ["NCBI_KEY"],
      ),
    ),
    { a: "x", n: "4", b: "true", list: '["p","q"]', table: '{"k":1}', key: "s3cret" },
  );
});

Deno.test("toWireConfig() refuses for good an env:NAME the plugin is not granted, naming the grant to add", () => {
  const secret = "the-host-secret";
  for (const granted of [[], ["NCBI_KEY"]]) {
    let thrown: unknown;
    try {
      toWireConfig("bio", source({ key: "env:FAKE_SECRET" }, { FAKE_SECRET: secret }, granted));
    } catch (error) {
      thrown = error;
    }
    assert.ok(thrown instanceof PermanentFailure, "a restart cannot fix it");
    const list = [...granted, "FAKE_SECRET"].map((name) => `"${name}"`).join(", ");
    assert.equal(
      thrown.message,
      `plugin "bio" setting "key" names environment variable FAKE_SECRET, which is not granted ` +
        `to plugin "bio"; add env = [${list}] in [plugin.grants.bio] to allow it`,
    );
    assert.ok(!thrown.message.includes(secret));
  }
});

Deno.test("toWireConfig() names the key and variable of a missing env:NAME, never a value", () => {
  assert.throws(
    () => toWireConfig("bio", source({ "blast.key": "env:MISSING_KEY" }, {}, ["MISSING_KEY"])),
    (error: unknown) =>
      error instanceof PermanentFailure &&
      error.message ===
        'plugin "bio" setting "blast.key" names environment variable MISSING_KEY, which is not set',
  );
});
