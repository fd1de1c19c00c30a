/** The SDK's reference stays whole: `deno doc --lint` finds every public member documented. */
import assert from "node:assert/strict";
import { REPO } from "./_host_process.ts";

Deno.test("deno doc --lint src/sdk/mod.ts reports no problem", async () => {
  const result = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--lint", `${REPO}src/sdk/mod.ts`],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(result.stdout) + new TextDecoder().decode(result.stderr);
  // Deno's own "Failed resolving types" warnings about @types/node inside npm packages are not
  // the SDK's; every `error[...]` is.
  const problems = text.split("\n").filter((line) => line.startsWith("error"));
  assert.deepEqual(problems, []);
});
