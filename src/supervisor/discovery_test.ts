import assert from "node:assert/strict";
import { join } from "node:path";
import { discoverPlugin } from "./discovery.ts";

async function withPlugins(work: (root: string) => Promise<void>): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "qntx-discovery-" });
  try {
    await work(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("discoverPlugin() finds manifest folders first, then QNTX executables, path by path", async () => {
  await withPlugins(async (root) => {
    await Deno.mkdir(join(root, "a", "bio"), { recursive: true });
    await Deno.mkdir(join(root, "b"), { recursive: true });
    await Deno.writeTextFile(
      join(root, "a", "bio", "plugin.json"),
      '{"name":"bio","version":"1.0.0","entry":"main.ts"}',
    );
    await Deno.writeTextFile(join(root, "a", "bio", "main.ts"), "");
    await Deno.writeTextFile(join(root, "b", "qntx-fin"), "#!/bin/sh\n", { mode: 0o755 });
    await Deno.writeTextFile(join(root, "b", "qntx-notexec"), "", { mode: 0o644 });

    const bio = await discoverPlugin("bio", ["a", "b"], root);
    assert.ok(bio.ok && bio.plugin.kind === "deno");
    assert.equal(bio.plugin.kind === "deno" && bio.plugin.entry, join(root, "a", "bio", "main.ts"));

    const fin = await discoverPlugin("fin", ["a", "b"], root);
    assert.ok(fin.ok && fin.plugin.kind === "qntx-executable");

    const missing = await discoverPlugin("notexec", ["a", "b"], root);
    assert.ok(!missing.ok);
    assert.match(
      missing.problem,
      /plugin "notexec" was not found; looked for .*a\/notexec\/plugin\.json.*b\/qntx-notexec/,
    );
  });
});

Deno.test("discoverPlugin() reports a broken manifest, a name mismatch and a missing entry", async () => {
  await withPlugins(async (root) => {
    const write = async (name: string, manifest: string) => {
      await Deno.mkdir(join(root, name), { recursive: true });
      await Deno.writeTextFile(join(root, name, "plugin.json"), manifest);
    };
    await write("broken", '{"name":"broken"}');
    await write("other", '{"name":"someone","version":"1","entry":"main.ts"}');
    await write("noentry", '{"name":"noentry","version":"1","entry":"main.ts"}');
    const broken = await discoverPlugin("broken", ["."], root);
    assert.ok(!broken.ok);
    assert.match(
      broken.problem,
      /invalid plugin manifest .*broken\/plugin\.json:\n {2}- version: /,
    );
    const other = await discoverPlugin("other", ["."], root);
    assert.ok(!other.ok);
    assert.match(other.problem, /name is "someone" but the plugin was enabled as "other"/);
    const noentry = await discoverPlugin("noentry", ["."], root);
    assert.ok(!noentry.ok);
    assert.match(noentry.problem, /entry .*noentry\/main\.ts does not exist/);
  });
});

Deno.test("discoverPlugin() refuses a folder or executable named after a host table or route", async (t) => {
  await withPlugins(async (root) => {
    for (const name of ["server", "plugin", "database", "pulse", "auth", "plugins"]) {
      await t.step(`"${name}"`, async () => {
        await Deno.mkdir(join(root, name), { recursive: true });
        await Deno.writeTextFile(
          join(root, name, "plugin.json"),
          JSON.stringify({ name, version: "1.0.0", entry: "main.ts" }),
        );
        await Deno.writeTextFile(join(root, name, "main.ts"), "");
        await Deno.writeTextFile(join(root, `qntx-${name}`), "#!/bin/sh\n", { mode: 0o755 });
        const found = await discoverPlugin(name, ["."], root);
        assert.ok(!found.ok);
        assert.match(
          found.problem,
          new RegExp(`^plugin "${name}" cannot be loaded: the name is reserved`),
        );
      });
    }
    const server = await discoverPlugin("server", ["."], root);
    assert.ok(!server.ok);
    assert.match(server.problem, /\[server\] is the host's own table in am\.toml, not a plugin's/);
  });
});

Deno.test("discoverPlugin() finds QNTX's tree layout, and reads ~/ as the home folder", async () => {
  await withPlugins(async (root) => {
    const home = join(root, "home");
    // ~/.qntx/plugins/meili/qntx-meili-plugin with its lib/, as QNTX installs a release.
    const tree = join(home, ".qntx", "plugins", "meili");
    await Deno.mkdir(join(tree, "lib"), { recursive: true });
    await Deno.writeTextFile(join(tree, "qntx-meili-plugin"), "#!/bin/sh\n", { mode: 0o755 });
    // A flat program of the same name in a later path does not win over it.
    await Deno.mkdir(join(root, "flat"));
    await Deno.writeTextFile(join(root, "flat", "qntx-meili"), "#!/bin/sh\n", { mode: 0o755 });

    const meili = await discoverPlugin("meili", ["~/.qntx/plugins", "flat"], root, home);
    assert.ok(meili.ok && meili.plugin.kind === "qntx-executable");
    assert.deepEqual(
      meili.ok && meili.plugin.kind === "qntx-executable" &&
        [meili.plugin.dir, meili.plugin.executable, meili.plugin.tree],
      [tree, join(tree, "qntx-meili-plugin"), true],
    );
    const flat = await discoverPlugin("meili", ["flat"], root, home);
    assert.ok(flat.ok && flat.plugin.kind === "qntx-executable" && !flat.plugin.tree);
    // Without a home folder, ~ is a folder name like any other (and nothing is there).
    assert.ok(!(await discoverPlugin("meili", ["~/.qntx/plugins"], root)).ok);
  });
});
