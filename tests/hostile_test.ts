/**
 * A hostile plugin written with the SDK tries every way out of its sandbox and tries to pass
 * itself off as another plugin: each attempt fails, and the host records the denials.
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { ats, callUnary, CHANNEL_OPTIONS } from "../src/protocol/mod.ts";
import { pluginFolder, sha256Of } from "./_plugin_folder.ts";
import { startTestHost, type TestHost, waitForRestart, waitForState } from "./_in_process_host.ts";

async function attempts(test: TestHost): Promise<Record<string, string>> {
  const response = await fetch(new URL("/api/hostile/attempts", test.host.url));
  assert.equal(response.status, 200);
  return await response.json();
}

Deno.test("every escape a hostile plugin tries is denied and recorded", async () => {
  const test = await startTestHost(["hostile", "echo"]);
  try {
    await waitForState(test.host.registry, "hostile", "running");
    await waitForState(test.host.registry, "echo", "running");
    const first = await attempts(test);
    const denied = "NotCapable";
    assert.deepEqual(first, {
      readPasswd: denied,
      readSibling: denied,
      readSdkCode: "granted: the SDK's source",
      readSdkBundle: "granted: the SDK's bundle",
      writeSdkBundle: denied,
      addToSdkBundle: denied,
      readHostCode: denied,
      readDenoConfig: denied,
      ownDenoCache: denied,
      otherDenoCache: denied,
      readOtherData: denied,
      writeOutside: denied,
      env: denied,
      network: denied,
      otherPluginSocket: denied,
      runtimeFolder: denied,
      removeLedger: denied,
      spawn: denied,
      ffi: denied,
      hostServiceNoToken: "refused: invalid authentication token",
      hostServiceForgedToken: "refused: invalid authentication token",
      hostServiceReplayedToken: "no earlier token yet",
      posingAsBiotech: "identity kept: hostile",
    });
    // A new process gets a new token: the old one, replayed, is worth nothing.
    const pid = test.host.supervisor.get("hostile")!.pid!;
    await test.host.supervisor.restart("hostile");
    await waitForRestart(test.host, "hostile", pid);
    const second = await attempts(test);
    assert.equal(second.hostServiceReplayedToken, "refused: invalid authentication token");

    // The host noticed: the denied accesses are listed for this plugin.
    const end = Date.now() + 10_000;
    let kinds = new Set<string>();
    while (Date.now() < end) {
      const view = await (await fetch(new URL("/api/plugins/hostile", test.host.url))).json();
      kinds = new Set(view.process.denied.map((d: { permission: string }) => d.permission));
      if (["read", "write", "env", "net"].every((kind) => kinds.has(kind))) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.ok(["read", "write", "env", "net"].every((kind) => kinds.has(kind)), [...kinds].join());
    const echo = await (await fetch(new URL("/api/plugins/echo", test.host.url))).json();
    assert.deepEqual(echo.process.denied, [], "denials are recorded per plugin");
  } finally {
    await test.close();
  }
});

async function denials(test: TestHost, name: string, permission: string): Promise<string[]> {
  const end = Date.now() + 10_000;
  while (true) {
    const view = await (await fetch(new URL(`/api/plugins/${name}`, test.host.url))).json();
    const found = view.process.denied
      .filter((d: { permission: string }) => d.permission === permission)
      .map((d: { value: string }) => d.value);
    if (found.length > 0 || Date.now() > end) return found;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

Deno.test("a hostile plugin sees only its own jobs and cannot enqueue another's or the host's", async () => {
  const test = await startTestHost(["hostile", "echo"]);
  try {
    await waitForState(test.host.registry, "hostile", "running");
    const enqueued = await fetch(new URL("/api/pulse/jobs", test.host.url), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ handler_name: "echo/echo", payload: { secret: 1 } }),
    });
    assert.equal(enqueued.status, 201);
    const job = (await enqueued.json()).id as string;
    const response = await fetch(new URL(`/api/hostile/jobs?job=${job}`, test.host.url));
    const result = await response.json();
    assert.match(result.readOtherJob, /^refused: .*does not exist/);
    assert.equal(result.listOtherJobs, "only its own");
    assert.match(result.enqueueOtherPlugin, /^refused: .*hostile.*echo\/echo/);
    assert.match(result.enqueueHostHandler, /^refused: .*host handlers run only when the operator/);
    assert.ok((await denials(test, "hostile", "service")).length >= 2);
  } finally {
    await test.close();
  }
});

Deno.test("a plugin cannot read the host's files by importing them", async () => {
  const test = await startTestHost(["hostile"]);
  try {
    await waitForState(test.host.registry, "hostile", "running");
    const secret = join(test.dir, "secret.txt");
    await Deno.writeTextFile(secret, "the host's secret");
    await Deno.writeTextFile(`${secret}.json`, '{"secret": true}');
    const url = new URL(`/api/hostile/imports?secret=${encodeURIComponent(secret)}`, test.host.url);
    const result = await (await fetch(url)).json();
    assert.notEqual(result.importText, "allowed");
    assert.notEqual(result.importJson, "allowed");
  } finally {
    await test.close();
  }
});

Deno.test("a token shown on another plugin's service socket is refused and recorded", async () => {
  const test = await startTestHost(["hostile", "echo"]);
  try {
    await waitForState(test.host.registry, "hostile", "running");
    await waitForState(test.host.registry, "echo", "running");
    // As if the hostile plugin had stolen echo's token: a valid token of another plugin.
    const stolen = test.host.supervisor.context.tokens.issue({
      plugin: "echo",
      version: "1.0.0",
      generation: 1,
    });
    const socket = test.host.supervisor.get("hostile")!.hostSocket!;
    const client = new ats.ATSStoreServiceClient(
      `unix:${socket}`,
      grpc.credentials.createInsecure(),
      CHANNEL_OPTIONS,
    );
    try {
      const answer = await callUnary(client.getAttestations.bind(client), {
        authToken: stolen,
        filter: undefined,
      }, 5000);
      assert.deepEqual([answer.success, answer.error], [false, "invalid authentication token"]);
    } finally {
      client.close();
    }
    const recorded = await denials(test, "hostile", "token");
    assert.match(recorded[0] ?? "", /showed the token of plugin "echo"/);
  } finally {
    await test.close();
  }
});

Deno.test("a plugin that replaces its service socket is stopped, recorded and not restarted", async () => {
  const test = await startTestHost(["hostile", "echo"]);
  try {
    await waitForState(test.host.registry, "hostile", "running");
    const response = await fetch(new URL("/api/hostile/tamper", test.host.url), {
      method: "POST",
    });
    assert.equal(await response.text(), "replaced");
    const change = await waitForState(test.host.registry, "hostile", "failed");
    // Failed already by the time the wait began (no change to see): its last error says why.
    const reason = change?.reason ?? test.host.registry.snapshot("hostile")?.lastError ?? "";
    assert.match(reason, /removed or replaced the host's service socket/);
    assert.equal((await denials(test, "hostile", "socket")).length, 1);
    assert.equal(test.host.registry.getState("echo"), "running");
  } finally {
    await test.close();
  }
});

Deno.test("a plugin folder with a symlink that leads out, or a write entry through one, is refused", async () => {
  const root = await Deno.makeTempDir({ prefix: "qntx-evil-" });
  try {
    const dir = dirname(await pluginFolder(root, "evil", { write: ["up"] }));
    await Deno.symlink("/", join(dir, "root"));
    await Deno.symlink(root, join(dir, "up"));
    const test = await startTestHost(["evil"], "", [root]);
    try {
      const change = await waitForState(test.host.registry, "evil", "failed");
      const reason = change?.reason ?? "";
      assert.match(reason, /symlink that leads outside it: .*\/evil\/root -> \//);
      assert.match(reason, /\/evil\/up -> /);
      assert.match(reason, /manifest write entry "up" resolves to/);
    } finally {
      await test.close();
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a manifest's hosts and variables wait for the operator; the host's address needs a grant by name", async () => {
  const root = await Deno.makeTempDir({ prefix: "qntx-asker-" });
  try {
    const manifest = await pluginFolder(root, "asker", {
      net: ["0.0.0.0:9999"],
      env: ["QNTX_TEST_X"],
    });
    const sha = await sha256Of(manifest);
    Deno.env.set("QNTX_TEST_X", "s3cret");
    const run = async (grants: string, check: (test: TestHost) => Promise<void>) => {
      const test = await startTestHost(["asker"], grants, [root]);
      try {
        await check(test);
      } finally {
        await test.close();
      }
    };
    // Nothing granted: failed, naming what it asks and the grants that would allow it.
    await run("", async (test) => {
      const reason = (await waitForState(test.host.registry, "asker", "failed"))?.reason ?? "";
      assert.match(reason, /env QNTX_TEST_X/);
      assert.match(
        reason,
        new RegExp(`approved_manifest = "${sha}" in \\[plugin\\.grants\\.asker\\]`),
      );
      assert.match(reason, /net 0\.0\.0\.0:9999 .*an approval never grants/);
    });
    // Approved: the variable is granted, every interface still is not.
    await run(`[plugin.grants.asker]\napproved_manifest = "${sha}"\n`, async (test) => {
      const reason = (await waitForState(test.host.registry, "asker", "failed"))?.reason ?? "";
      assert.doesNotMatch(reason, /env QNTX_TEST_X/);
      assert.match(reason, /only net = \["0\.0\.0\.0:9999"\]/);
    });
    // Granted by name as well: it runs and reads its variable.
    await run(
      `[plugin.grants.asker]\napproved_manifest = "${sha}"\nnet = ["0.0.0.0:9999"]\n`,
      async (test) => {
        await waitForState(test.host.registry, "asker", "running");
        const answer = await fetch(new URL("/api/asker/env", test.host.url));
        assert.equal(await answer.text(), "s3cret");
      },
    );
    // A changed manifest asks again.
    await Deno.writeTextFile(
      manifest,
      JSON.stringify({
        name: "asker",
        version: "1.0.1",
        entry: "main.ts",
        permissions: { env: ["QNTX_TEST_X", "HOME"] },
      }),
    );
    await run(`[plugin.grants.asker]\napproved_manifest = "${sha}"\n`, async (test) => {
      const reason = (await waitForState(test.host.registry, "asker", "failed"))?.reason ?? "";
      assert.match(reason, /env QNTX_TEST_X, env HOME/);
    });
  } finally {
    Deno.env.delete("QNTX_TEST_X");
    await Deno.remove(root, { recursive: true });
  }
});
