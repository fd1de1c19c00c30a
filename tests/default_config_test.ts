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
    // The first calls the README shows, each with data on a fresh start (no empty list).
    const calls = await readmeFirstCalls();
    assert.ok(calls.length >= 5, JSON.stringify(calls));
    for (const { method, path, body } of calls) {
      let text = "";
      let status = 0;
      // The first start's analysis is a job: its attestations come within seconds.
      for (let i = 0; i < 100; i++) {
        // With the operator's token, as the README's calls send it.
        const response = await fetch(new URL(path, host.url), {
          method,
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body,
        });
        [status, text] = [response.status, await response.text()];
        if (method !== "GET" || !emptyList(JSON.parse(text))) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      assert.equal(status, method === "GET" ? 200 : 201, `${method} ${path}: ${text}`);
      assert.ok(!emptyList(JSON.parse(text)), `${method} ${path} answered no data: ${text}`);
    }
  } finally {
    await host.pluginsStarted;
    await host.shutdown();
    await Deno.remove(scratch, { recursive: true });
  }
});

/** The calls of the README's "start with these calls" block: method, path and body. */
async function readmeFirstCalls(): Promise<{ method: string; path: string; body?: string }[]> {
  const readme = await Deno.readTextFile(join(REPO, "README.md"));
  const block = /start with these calls:\n\n```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
  // A call may go on over a line ending in "\".
  const commands = block.replace(/\\\n\s*/g, " ").split("\n").filter((line) =>
    line.includes("curl")
  );
  return commands.map((command) => {
    const path = /localhost:8877(\/[^'"\s]*)/.exec(command)![1]!;
    const body = /-d '([^']*)'/.exec(command)?.[1];
    return { method: /-X POST/.test(command) ? "POST" : "GET", path, body };
  });
}

/** Whether a JSON answer holds an empty list anywhere: a first call that shows nothing. */
function emptyList(value: unknown): boolean {
  if (Array.isArray(value)) return value.length === 0 || value.some(emptyList);
  if (value && typeof value === "object") return Object.values(value).some(emptyList);
  return false;
}
