import assert from "node:assert/strict";
import { join } from "node:path";
import type { ConfigSchema } from "../plugin/mod.ts";
import { ConfigError } from "./errors.ts";
import { parseHostConfig } from "./host_config.ts";
import { LiveConfig, MASK, maskSecrets } from "./live_config.ts";

const SCHEMA: ConfigSchema = {
  genome: { type: "string", description: "", required: true },
  threads: { type: "number", description: "", minValue: 1, maxValue: 64 },
  token: { type: "string", description: "", secret: true },
};

const TEXT = `# operator's notes
[plugin]
enabled = ["biotech"]

[biotech]
genome = "GRCh38" # the lab's
token = "s3cret"
`;

async function withFile(
  work: (live: LiveConfig, path: string) => Promise<void>,
  env: Record<string, string> = {},
) {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "am.toml");
  await Deno.writeTextFile(path, TEXT);
  await Deno.chmod(path, 0o640);
  try {
    await work(new LiveConfig({ ...parseHostConfig(TEXT, path, env), file: path }, env), path);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("updatePlugin() validates, writes atomically with comments kept, and adopts", async () => {
  await withFile(async (live, path) => {
    const refused = await live.updatePlugin("biotech", { threads: 0, genome: null, x: 1 }, SCHEMA);
    assert.deepEqual(refused, {
      ok: false,
      errors: {
        threads: "the value 0 is below the minimum 1",
        genome: "required",
        x: "unknown setting; the plugin's settings are genome, threads, token",
      },
    });
    assert.equal(await Deno.readTextFile(path), TEXT, "nothing was written");

    const dry = await live.updatePlugin("biotech", { threads: 8 }, SCHEMA, true);
    assert.deepEqual(dry, {
      ok: true,
      written: false,
      values: { genome: "GRCh38", token: "s3cret", threads: 8 },
    });
    assert.equal(await Deno.readTextFile(path), TEXT);

    const done = await live.updatePlugin("biotech", { threads: 8, token: MASK }, SCHEMA);
    assert.equal(done.ok, true);
    assert.equal(
      await Deno.readTextFile(path),
      TEXT.replace('token = "s3cret"\n', 'token = "s3cret"\nthreads = 8\n'),
    );
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o640, "permissions kept");
    assert.deepEqual(live.pluginValues("biotech"), {
      genome: "GRCh38",
      token: "s3cret",
      threads: 8,
    });
    assert.deepEqual([...Deno.readDirSync(join(path, ".."))].map((e) => e.name), ["am.toml"]);
  });
});

Deno.test("updatePlugin() refuses keys an environment variable overrides", async () => {
  await withFile(async (live) => {
    const result = await live.updatePlugin("biotech", { threads: 8 }, SCHEMA);
    assert.deepEqual(result, {
      ok: false,
      errors: {
        threads: "set by the environment (QNTX_BIOTECH_THREADS), which overrides the file",
      },
    });
  }, { QNTX_BIOTECH_THREADS: "4" });
});

Deno.test("updatePlugin() writes an env: value only for a variable the plugin is granted", async () => {
  await withFile(async (live, path) => {
    const refused = await live.updatePlugin("biotech", { genome: "env:FAKE_SECRET" }, SCHEMA);
    assert.deepEqual(refused, {
      ok: false,
      errors: {
        genome: "names environment variable FAKE_SECRET, which is not granted to plugin " +
          '"biotech"; add env = ["FAKE_SECRET"] in [plugin.grants.biotech] to allow it',
      },
    });
    assert.equal(await Deno.readTextFile(path), TEXT, "nothing was written");
    assert.equal(
      (await live.updatePlugin("biotech", { token: "env:FAKE_SECRET" }, SCHEMA, true)).ok,
      false,
      "a dry run is refused the same way",
    );

    await live.updateGrant("biotech", "env", ["NCBI_KEY"]);
    const other = await live.updatePlugin("biotech", { token: "env:FAKE_SECRET" }, SCHEMA);
    assert.match(
      other.ok ? "" : other.errors.token!,
      /add env = \["NCBI_KEY", "FAKE_SECRET"\] in \[plugin\.grants\.biotech\]/,
      "the line to write keeps what is granted already",
    );
    const granted = await live.updatePlugin("biotech", { token: "env:NCBI_KEY" }, SCHEMA);
    assert.equal(granted.ok, true, JSON.stringify(granted));
    assert.match(await Deno.readTextFile(path), /token = "env:NCBI_KEY"/);
    assert.equal(live.pluginValues("biotech").token, "env:NCBI_KEY", "kept as a reference");
  }, { FAKE_SECRET: "the-host-secret", NCBI_KEY: "the-granted-key" });
});

Deno.test("updatePlugin() refuses the host's own tables and other names no plugin can have", async () => {
  await withFile(async (live, path) => {
    for (const name of ["server", "plugin", "database", "pulse", "auth", "metrics"]) {
      await assert.rejects(
        () => live.updatePlugin(name, { bind_address: null }, {}),
        (error: unknown) =>
          error instanceof ConfigError && /not a plugin's table \(the name is reserved/.test(
            error.message,
          ),
        name,
      );
    }
    assert.equal(await Deno.readTextFile(path), TEXT, "nothing was written");
  });
});

Deno.test("reload() reports what a hand edit changed, and keeps the old config when invalid", async () => {
  await withFile(async (live, path) => {
    await Deno.writeTextFile(
      path,
      TEXT.replace('enabled = ["biotech"]', 'enabled = ["biotech", "code"]\nhealth_interval = "5s"')
        .replace('genome = "GRCh38"', 'genome = "hg19"'),
    );
    assert.deepEqual(await live.reload(), {
      enabled: ["code"],
      disabled: [],
      reconfigured: ["biotech"],
      grants: [],
      hostSections: ["plugin"],
    });
    assert.equal(live.pluginValues("biotech").genome, "hg19");
    await Deno.writeTextFile(path, "[server]\nport = 'eighty'\n");
    await assert.rejects(() => live.reload(), ConfigError);
    assert.equal(live.pluginValues("biotech").genome, "hg19", "the running config stays");
    assert.deepEqual(live.current.plugin.enabled, ["biotech", "code"]);
  });
});

Deno.test("updateGrant() writes one grant with everything else kept, and adopts it at once", async () => {
  await withFile(async (live, path) => {
    const sha = "c".repeat(64);
    await live.updateGrant("biotech", "approved_manifest", sha);
    assert.equal(
      await Deno.readTextFile(path),
      `${TEXT}\n[plugin.grants.biotech]\napproved_manifest = "${sha}"\n`,
    );
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o640, "permissions kept");
    assert.equal(live.current.plugin.grants.biotech?.approved_manifest, sha);
    assert.equal(live.pluginValues("biotech").genome, "GRCh38", "the plugin's table is kept");
    // A second grant goes into the same table; a malformed one is refused, nothing written.
    await live.updateGrant("biotech", "env", ["HOME"]);
    assert.match(
      await Deno.readTextFile(path),
      /approved_manifest = "c{64}"\nenv = \[ "HOME" \]\n$/,
    );
    const before = await Deno.readTextFile(path);
    await assert.rejects(
      () => live.updateGrant("biotech", "approved_manifest", "not-a-hash"),
      /plugin\.grants\.biotech\.approved_manifest: must be the SHA-256 of the manifest/,
    );
    assert.equal(await Deno.readTextFile(path), before);
    assert.equal(live.current.plugin.grants.biotech?.approved_manifest, sha);
  });
});

Deno.test("reload() names plugins whose grants a hand edit changed, apart from [plugin]", async () => {
  await withFile(async (live, path) => {
    await Deno.writeTextFile(path, `${TEXT}\n[plugin.grants.biotech]\nenv = ["HOME"]\n`);
    assert.deepEqual(await live.reload(), {
      enabled: [],
      disabled: [],
      reconfigured: [],
      grants: ["biotech"],
      hostSections: [],
    });
    assert.deepEqual(live.current.plugin.grants.biotech?.env, ["HOME"]);
  });
});

Deno.test("maskSecrets() hides secret values but shows env references", () => {
  assert.deepEqual(
    maskSecrets({ token: "s3cret", genome: "g", other: "env:X" }, {
      ...SCHEMA,
      other: { type: "string", description: "", secret: true },
    }),
    { token: MASK, genome: "g", other: "env:X" },
  );
});
