import assert from "node:assert/strict";
import { parseHostConfig } from "./host_config.ts";
import { HOST_SECTIONS, leafKeys } from "./schema.ts";

const EXAMPLE = new URL("../../am.example.toml", import.meta.url);

Deno.test("am.example.toml loads without a problem or a warning, and shows the defaults", async () => {
  const text = await Deno.readTextFile(EXAMPLE);
  const example = parseHostConfig(text, "am.example.toml");
  assert.deepEqual(example.warnings, []);
  const { file: _f, ...defaults } = parseHostConfig("", "defaults");
  const { file: _e, ...shown } = example;
  assert.deepEqual(shown, defaults, "the example's values differ from the built-in defaults");
});

Deno.test("am.example.toml documents every host setting", async () => {
  const text = await Deno.readTextFile(EXAMPLE);
  for (const [section, schema] of Object.entries(HOST_SECTIONS)) {
    for (const key of leafKeys(schema)) {
      const leaf = key.split(".").at(-1)!;
      // A setting is shown as `key = …` (commented out when it has no default), or as a table
      // `[section.key.…]` for per-plugin tables.
      const shown = new RegExp(`^(# )?${leaf} = |^#? ?\\[${section}\\.${key}\\.`, "m");
      assert.match(text, shown, `${section}.${key} is not in the example`);
    }
  }
});
