/**
 * The shipped am.toml, as `deno task start` uses it: it loads without a warning and the three
 * example domains start on their sample data and answer.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parseHostConfig } from "../src/config/mod.ts";
import { startHost } from "../src/host/mod.ts";
import { JsonLogger, memorySink } from "../src/log/mod.ts";
import { REPO } from "./_host_process.ts";
import { waitForState } from "./_in_process_host.ts";

Deno.test("the shipped am.toml starts code, biotech and finance on their samples", async () => {
  const file = join(REPO, "am.toml");
  const config = parseHostConfig(await Deno.readTextFile(file), file);
  assert.deepEqual(config.warnings, []);
  assert.deepEqual(config.plugin.enabled, ["code", "biotech", "finance"]);
  const scratch = await Deno.makeTempDir({ prefix: "qntx-default-" });
  // The repository's own folders for plugins, a scratch folder for everything written.
  const host = startHost({
    ...config,
    auth: { ...config.auth, tokenFile: join(scratch, "auth_token") },
    server: { ...config.server, port: 0 },
    plugin: {
      ...config.plugin,
      dataDir: join(scratch, "plugins"),
      runtimeDir: join(scratch, "run"),
      logDir: join(scratch, "logs"),
    },
  }, {
    logger: new JsonLogger("host", { sink: memorySink(), level: "error" }),
    version: "0.1.0",
    databasePath: ":memory:",
    cwd: REPO,
    watchConfig: false,
  });
  try {
    const token = (await Deno.readTextFile(join(scratch, "auth_token"))).trim();
    const refused = await fetch(new URL("/api/plugins", host.url));
    assert.equal(refused.status, 401, "the shipped configuration asks for a credential");
    await refused.body?.cancel();
    for (const name of ["code", "biotech", "finance"]) {
      await waitForState(host.registry, name, "running");
    }
    // The first calls the README shows.
    for (
      const path of [
        "/api/code/status",
        "/api/biotech/sequences/orf_demo/orfs",
        "/api/finance/symbols/ACME/var?confidence=0.99&method=historical",
        "/api/attestations?source=biotech&limit=5",
      ]
    ) {
      // With the operator's token, as the README's calls send it.
      const response = await fetch(new URL(path, host.url), {
        headers: { authorization: `Bearer ${token}` },
      });
      const text = await response.text();
      assert.equal(response.status, 200, `${path}: ${text}`);
    }
  } finally {
    await host.pluginsStarted;
    await host.shutdown();
    await Deno.remove(scratch, { recursive: true });
  }
});
