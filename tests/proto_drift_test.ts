/**
 * The stubs in src/protocol/gen/ are generated from proto/ and never edited by hand: this
 * regenerates them into a temporary folder and fails when they differ from the committed ones.
 * Fix a failure with `deno task proto`.
 */
import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { REPO } from "./_host_process.ts";

const GENERATED = join(REPO, "src", "protocol", "gen");

function files(dir: string): string[] {
  return [...Deno.readDirSync(dir)].flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory ? files(path) : [path];
  });
}

Deno.test("src/protocol/gen matches what proto/ generates (run `deno task proto` to fix)", async () => {
  const out = await Deno.makeTempDir({ prefix: "qntx-proto-" });
  try {
    const buf = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", "npm:@bufbuild/buf@1.75.0", "generate", "--output", out],
      cwd: REPO,
      stdout: "piped",
      stderr: "piped",
    });
    const result = await buf.output();
    assert.equal(result.code, 0, new TextDecoder().decode(result.stderr));
    const fresh = join(out, "src", "protocol", "gen");
    const committed = files(GENERATED).map((file) => relative(GENERATED, file)).sort();
    const generated = files(fresh).map((file) => relative(fresh, file)).sort();
    assert.deepEqual(committed, generated, "files were added or removed");
    for (const file of generated) {
      assert.equal(
        Deno.readTextFileSync(join(GENERATED, file)),
        Deno.readTextFileSync(join(fresh, file)),
        `${file} differs from what proto/ generates`,
      );
    }
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
