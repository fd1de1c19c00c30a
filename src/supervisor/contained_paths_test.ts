import assert from "node:assert/strict";
import { join } from "node:path";
import { containPaths, escapingLinks, isInside, realPathOf } from "./contained_paths.ts";

async function withDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "contained-" }));
  try {
    await run(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("isInside() - a path below the root or the root itself, never a sibling with its prefix", () => {
  assert.ok(isInside("/a/b", "/a/b"));
  assert.ok(isInside("/a/b", "/a/b/c"));
  assert.ok(!isInside("/a/b", "/a/bc"));
  assert.ok(!isInside("/a/b", "/a"));
});

Deno.test("escapingLinks() - links that lead out are found, links that stay inside are not", async () => {
  await withDir(async (dir) => {
    const plugin = join(dir, "plugin");
    await Deno.mkdir(join(plugin, "deep", "er"), { recursive: true });
    await Deno.writeTextFile(join(plugin, "file"), "x");
    await Deno.symlink("/", join(plugin, "root"));
    await Deno.symlink(dir, join(plugin, "deep", "er", "up"));
    await Deno.symlink("../../file", join(plugin, "deep", "er", "fine"));
    await Deno.symlink("/nonexistent/elsewhere", join(plugin, "dangling"));
    const found = (await escapingLinks(plugin)).sort();
    assert.deepEqual(found, [
      `${plugin}/dangling -> /nonexistent/elsewhere`,
      `${plugin}/deep/er/up -> ${dir}`,
      `${plugin}/root -> /`,
    ]);
  });
});

Deno.test("realPathOf() - resolves the part that exists and keeps the rest", async () => {
  await withDir(async (dir) => {
    await Deno.symlink("/tmp", join(dir, "link"));
    assert.equal(await realPathOf(join(dir, "link", "not", "yet")), "/tmp/not/yet");
  });
});

Deno.test("containPaths() - refuses a folder with a link out and write entries that resolve out", async () => {
  await withDir(async (dir) => {
    const plugin = join(dir, "plugin");
    await Deno.mkdir(plugin);
    await Deno.symlink(dir, join(plugin, "up"));
    const result = await containPaths(
      "evil",
      { pluginDir: plugin, dataDir: join(dir, "data", "evil") },
      ["up"],
      { read: [], write: [] },
    );
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.equal(result.problems.length, 2);
    assert.match(
      result.problems[0]!,
      /its folder holds a symlink that leads outside it: .*\/up ->/,
    );
    assert.match(
      result.problems[1]!,
      /manifest write entry "up" resolves to .*, outside its folder/,
    );
  });
});

Deno.test("containPaths() - a clean plugin gets its folders and the operator's paths resolved", async () => {
  await withDir(async (dir) => {
    const plugin = join(dir, "plugin");
    await Deno.mkdir(join(plugin, "cache"), { recursive: true });
    await Deno.symlink(plugin, join(dir, "alias"));
    const result = await containPaths(
      "good",
      { pluginDir: join(dir, "alias"), dataDir: join(dir, "data", "good") },
      ["cache"],
      { read: [join(dir, "alias")], write: [] },
    );
    assert.deepEqual(result, {
      ok: true,
      pluginDir: plugin,
      dataDir: join(dir, "data", "good"),
      manifestWrite: [join(plugin, "cache")],
      read: [plugin],
      write: [],
    });
  });
});
