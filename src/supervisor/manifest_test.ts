import assert from "node:assert/strict";
import { ManifestError, parseManifest } from "./manifest.ts";

function problems(text: string): string[] {
  try {
    parseManifest(text, "plugins/x/plugin.json");
  } catch (error) {
    assert.ok(error instanceof ManifestError);
    assert.match(error.message, /^invalid plugin manifest plugins\/x\/plugin\.json:/);
    return error.problems;
  }
  assert.fail("the manifest was accepted");
}

Deno.test("parseManifest() reads a minimal manifest with safe defaults", () => {
  const manifest = parseManifest(
    '{"name":"biotech","version":"1.0.0","entry":"main.ts"}',
    "m.json",
  );
  assert.deepEqual(manifest, {
    name: "biotech",
    version: "1.0.0",
    description: "",
    entry: "main.ts",
    permissions: { write: [], net: [], env: [], run: [], ffi: [], sys: [], all: false },
  });
});

Deno.test("parseManifest() lists every problem with its key", () => {
  assert.deepEqual(
    problems(JSON.stringify({
      name: "Bio Tech",
      version: "",
      entry: "../escape.ts",
      permissions: { net: ["not a host!"], env: ["1BAD"], write: ["/abs"], bogus: true },
      extra: 1,
    })),
    [
      "name: a name must match [a-z0-9][a-z0-9-]* (lower-case letters, digits and dashes)",
      "version: Too small: expected string to have >=1 characters",
      "entry: must be a path inside the plugin's folder (no leading / and no ..)",
      "permissions.write.0: must be a path inside the plugin's folder (no leading / and no ..)",
      "permissions.net.0: must be a host name or address, with an optional :port",
      "permissions.env.0: must be an environment variable name",
      "permissions: unknown key bogus",
      "unknown key extra",
    ],
  );
});

Deno.test("parseManifest() needs exactly one of entry and executable, and valid JSON", () => {
  assert.deepEqual(problems('{"name":"a","version":"1"}'), [
    "entry: give exactly one of entry or executable",
  ]);
  assert.deepEqual(
    problems('{"name":"a","version":"1","entry":"m.ts","executable":"bin/a"}'),
    ["entry: give exactly one of entry or executable"],
  );
  assert.match(problems("{nope")[0]!, /^not valid JSON: /);
});
