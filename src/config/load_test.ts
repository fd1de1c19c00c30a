import assert from "node:assert/strict";
import { join } from "node:path";
import { ConfigError } from "./errors.ts";
import { configFlag, loadHostConfig, locateConfig } from "./load.ts";

Deno.test("locateConfig() prefers --config, then QNTX_CONFIG, then ./am.toml", async (t) => {
  const rows: [string, string[], Record<string, string>, boolean, string | undefined][] = [
    ["--config <file>", ["--config", "a.toml"], { QNTX_CONFIG: "b.toml" }, true, "a.toml --config"],
    ["--config=<file>", ["--config=a.toml"], {}, false, "a.toml --config"],
    ["QNTX_CONFIG", [], { QNTX_CONFIG: "b.toml" }, true, "b.toml QNTX_CONFIG"],
    ["./am.toml", [], {}, true, "am.toml default"],
    ["nothing", [], {}, false, undefined],
  ];
  for (const [label, args, env, exists, expected] of rows) {
    await t.step(label, () => {
      const location = locateConfig(args, env, () => exists);
      assert.equal(location && `${location.path} ${location.from}`, expected);
    });
  }
  assert.equal(configFlag(["--config"]), "");
});

Deno.test("loadHostConfig() reads the named file and names it in errors", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const good = join(dir, "good.toml");
    await Deno.writeTextFile(good, "[server]\nport = 1234\n");
    const config = await loadHostConfig({ args: ["--config", good], env: {} });
    assert.equal(config.server.port, 1234);
    assert.equal(config.file, good);

    const bad = join(dir, "bad.toml");
    await Deno.writeTextFile(bad, "[server]\nport = -1\n");
    const error = await loadHostConfig({ args: [], env: { QNTX_CONFIG: bad } }).catch((e) => e);
    assert.ok(error instanceof ConfigError);
    assert.match(error.message, new RegExp(`${bad}: server\\.port: expected an integer`));

    const missing = join(dir, "missing.toml");
    const absent = await loadHostConfig({ args: ["--config", missing], env: {} }).catch((e) => e);
    assert.ok(absent instanceof ConfigError);
    assert.match(
      absent.message,
      /missing\.toml: cannot read the configuration file named by --config: the file does not exist/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadHostConfig() falls back to the built-in defaults with no file", async () => {
  // A folder without am.toml (the repository's own root has one).
  const dir = await Deno.makeTempDir();
  const before = Deno.cwd();
  Deno.chdir(dir);
  try {
    const config = await loadHostConfig({ args: [], env: { QNTX_SERVER_PORT: "0" } });
    assert.equal(config.file, undefined);
    assert.equal(config.server.port, 0);
  } finally {
    Deno.chdir(before);
    await Deno.remove(dir, { recursive: true });
  }
});
