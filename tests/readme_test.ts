/** The README's plugin example must stay a plugin that type-checks against the SDK. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { REPO } from "./_host_process.ts";
import { inTempDir } from "./_temp.ts";

Deno.test("the README's 'Write a plugin' example type-checks against the SDK", async () => {
  const readme = await Deno.readTextFile(join(REPO, "README.md"));
  const example = /```ts\n\/\/ plugins\/hello\/main\.ts\n([\s\S]*?)```/.exec(readme);
  assert.ok(example, "the README has no plugins/hello/main.ts example");
  await inTempDir(async (dir) => {
    const file = join(dir, "main.ts");
    await Deno.writeTextFile(
      file,
      example[1]!.replaceAll("../../src/sdk/mod.ts", join(REPO, "src/sdk/mod.ts")),
    );
    const check = await new Deno.Command(Deno.execPath(), {
      args: ["check", "--config", join(REPO, "deno.json"), file],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(check.code, 0, new TextDecoder().decode(check.stderr));
  });
});
