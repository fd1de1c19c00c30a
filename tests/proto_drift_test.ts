/**
 * The stubs in src/protocol/gen/ (messages and gRPC services) and src/protocol/gen_messages/
 * (the messages alone) are generated from proto/ and never edited by hand: this regenerates
 * them into a temporary folder and fails when they differ from the committed ones.
 * Fix a failure with `deno task proto`.
 */
import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { REPO } from "./_host_process.ts";

const FOLDERS = ["gen", "gen_messages"];

function files(dir: string): string[] {
  return [...Deno.readDirSync(dir)].flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory ? files(path) : [path];
  });
}

Deno.test("src/protocol/gen and gen_messages match what proto/ generates (run `deno task proto` to fix)", async () => {
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
    for (const folder of FOLDERS) {
      const committedDir = join(REPO, "src", "protocol", folder);
      const fresh = join(out, "src", "protocol", folder);
      const committed = files(committedDir).map((file) => relative(committedDir, file)).sort();
      const generated = files(fresh).map((file) => relative(fresh, file)).sort();
      assert.deepEqual(committed, generated, `files were added to or removed from ${folder}/`);
      for (const file of generated) {
        assert.equal(
          Deno.readTextFileSync(join(committedDir, file)),
          Deno.readTextFileSync(join(fresh, file)),
          `${folder}/${file} differs from what proto/ generates`,
        );
      }
    }
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
