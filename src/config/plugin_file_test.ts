import assert from "node:assert/strict";
import { join } from "node:path";
import { pluginFilePath, readPluginFile } from "./plugin_file.ts";

async function withHome(files: Record<string, string>, work: (home: string) => void) {
  const home = await Deno.makeTempDir({ prefix: "qntx-home-" });
  try {
    await Deno.mkdir(join(home, ".qntx", "plugins"), { recursive: true });
    for (const [name, text] of Object.entries(files)) {
      await Deno.writeTextFile(pluginFilePath(home, name), text);
    }
    work(home);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
}

Deno.test("readPluginFile() takes QNTX's [config] and enabled, and says what it did not take", async () => {
  await withHome({
    meili:
      `name = "meili"\nenabled = false\ncolor = "red"\n[config]\nindex = "notes"\n[config.gopls]\nroot = "/w"\n`,
    wrongname: `name = "other"\n[config]\nx = 1\n`,
    broken: `[config\n`,
    odd: `enabled = "yes"\nconfig = 3\n`,
  }, (home) => {
    const meili = readPluginFile(home, "meili")!;
    assert.deepEqual(meili.config, { index: "notes", "gopls.root": "/w" });
    assert.equal(meili.enabled, false);
    assert.deepEqual(meili.problems, [
      `${pluginFilePath(home, "meili")}: "color" is not read (only name, enabled, [config])`,
    ]);
    const wrong = readPluginFile(home, "wrongname")!;
    assert.deepEqual(wrong.config, {});
    assert.match(wrong.problems[0]!, /names the plugin "other", not "wrongname"; ignored/);
    assert.match(readPluginFile(home, "broken")!.problems[0]!, /is not valid TOML/);
    assert.deepEqual(readPluginFile(home, "odd")!.problems.map((p) => p.split(": ")[1]), [
      "enabled must be true or false",
      "config must be a table ([config])",
    ]);
    assert.equal(readPluginFile(home, "absent"), undefined);
    assert.equal(readPluginFile(undefined, "meili"), undefined);
  });
});
