/**
 * The dev loop: a plugin's file changes; a change that type-checks restarts the plugin with it,
 * one that does not leaves the running version serving and shows the errors in its log.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { denoCheck, followPluginFiles } from "../src/host/mod.ts";
import { REPO } from "./_host_process.ts";
import { startTestHost, waitForState } from "./_in_process_host.ts";

const source = (greeting: string) =>
  `import { definePlugin, serve } from "${REPO}src/sdk/mod.ts";
const metadata = { name: "draft", version: "1.0.0", qntxVersion: "", description: "", author: "", license: "" };
const greeting: string = ${greeting};
await serve(definePlugin({
  metadata,
  routes: [{ method: "GET", path: "/hello", handler: () => new Response(greeting) }],
}));
`;

async function until(what: string, ready: () => Promise<boolean> | boolean, ms = 30_000) {
  const end = Date.now() + ms;
  while (!(await ready())) {
    if (Date.now() > end) throw new Error(`never: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

Deno.test("a change that type-checks restarts the plugin; one that does not leaves it running", async () => {
  const root = await Deno.makeTempDir({ prefix: "qntx-dev-" });
  await Deno.mkdir(join(root, "draft"));
  await Deno.writeTextFile(
    join(root, "draft", "plugin.json"),
    JSON.stringify({ name: "draft", version: "1.0.0", entry: "main.ts" }),
  );
  const main = join(root, "draft", "main.ts");
  await Deno.writeTextFile(main, source(`"first"`));
  const test = await startTestHost(["draft"], "", [root]);
  const { registry, supervisor, url } = test.host;
  const watch = followPluginFiles({
    supervisor,
    registry,
    logger: test.host.services.logger("dev"),
    check: denoCheck(`${REPO}deno.json`),
    settleMs: 100,
  });
  const hello = async () => await (await fetch(new URL("/api/draft/hello", url))).text();
  try {
    await waitForState(registry, "draft", "running");
    assert.equal(await hello(), "first");
    const first = supervisor.get("draft")!.pid;

    // A type error: the running version stays, and the plugin's log says why and where.
    await Deno.writeTextFile(main, source("42"));
    const logs = () => supervisor.get("draft")!.logs.lines().map((line) => line.text).join("\n");
    await until("the type error in the log", () => /does not type-check/.test(logs()));
    assert.match(logs(), /TS2322.*number.*string/s);
    assert.match(logs(), /main\.ts:3/);
    assert.equal(supervisor.get("draft")!.pid, first);
    assert.equal(await hello(), "first");

    // A good change: type-checked, restarted, served.
    await Deno.writeTextFile(main, source(`"second"`));
    await until("the new version", async () => {
      const pid = supervisor.get("draft")!.pid;
      return pid !== undefined && pid !== first && registry.getState("draft") === "running" &&
        await hello() === "second";
    });
  } finally {
    watch.close();
    await test.close();
    await Deno.remove(root, { recursive: true });
  }
});
