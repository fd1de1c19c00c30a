import assert from "node:assert/strict";
import { envGrantProblem, envReference } from "./env_reference.ts";

Deno.test("envReference() names the variable of an env:NAME value and nothing else", async (t) => {
  const rows: [unknown, string | undefined][] = [
    ["env:NCBI_KEY", "NCBI_KEY"],
    ["env:_x1", "_x1"],
    ["env:", undefined],
    ["env:1BAD", undefined],
    ["env:A B", undefined],
    [" env:A", undefined],
    ["ENV:A", undefined],
    ["plain", undefined],
    [4, undefined],
    [["env:A"], undefined],
  ];
  for (const [value, variable] of rows) {
    await t.step(JSON.stringify(value), () => assert.equal(envReference(value), variable));
  }
});

Deno.test("envGrantProblem() allows granted variables and names the line that grants another", () => {
  assert.equal(envGrantProblem("bio", "KEY", ["KEY"]), undefined);
  assert.equal(
    envGrantProblem("bio", "HOME", []),
    'names environment variable HOME, which is not granted to plugin "bio"; ' +
      'add env = ["HOME"] in [plugin.grants.bio] to allow it',
  );
  assert.match(envGrantProblem("bio", "HOME", ["KEY"])!, /add env = \["KEY", "HOME"\] in/);
});
