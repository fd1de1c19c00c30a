import assert from "node:assert/strict";
import { HOST_TABLES, nameProblem } from "../registry/mod.ts";
import { ConfigError } from "./errors.ts";
import { parseHostConfig } from "./host_config.ts";
import { HOST_SECTIONS } from "./schema.ts";

Deno.test("every host section of am.toml is a name no plugin may take", () => {
  for (const section of Object.keys(HOST_SECTIONS)) {
    assert.ok((HOST_TABLES as readonly string[]).includes(section), `${section} is not reserved`);
    assert.match(nameProblem(section)!, /is the host's own table in am\.toml/);
  }
});

Deno.test("[plugin] enabled refuses the host's table names", () => {
  for (const name of HOST_TABLES) {
    assert.throws(
      () => parseHostConfig(`[plugin]\nenabled = ["${name}"]\n`, "am.toml"),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.message.includes(
          `plugin.enabled.0: "${name}" cannot be a plugin name: the name is reserved: [${name}]`,
        ),
      name,
    );
  }
});
