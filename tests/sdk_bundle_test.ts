/**
 * Plugins under the host start from the SDK's bundle (see src/supervisor/sdk_bundle.ts): what
 * it loads later (the host services' clients and grpc-js) still loads, and a class a plugin
 * imports from the SDK's own module by its path is the same class to the bundled SDK.
 */
import assert from "node:assert/strict";
import { sharedSdkBundles, startTestHost, waitForState } from "./_in_process_host.ts";

/** The command lines of `pid` and every process below it. */
function commandLines(pid: number): string[][] {
  const lines: string[][] = [];
  const visit = (at: number) => {
    try {
      lines.push(Deno.readTextFileSync(`/proc/${at}/cmdline`).split("\0"));
      const children = Deno.readTextFileSync(`/proc/${at}/task/${at}/children`);
      for (const child of children.trim().split(/\s+/).filter(Boolean)) visit(Number(child));
    } catch {
      // gone meanwhile
    }
  };
  visit(pid);
  return lines;
}

Deno.test("a plugin runs from the SDK's bundle: its lazy clients, grpc-js and HttpError by path work", async () => {
  const test = await startTestHost(["scribe"]);
  try {
    await waitForState(test.host.registry, "scribe", "running");
    const scribe = test.host.supervisor.get("scribe")!;
    const deno = commandLines(scribe.pid!).find((args) => args.includes("--import-map"));
    assert.ok(deno, "the plugin's Deno was given the bundle's import map");
    const map = deno[deno.indexOf("--import-map") + 1]!;
    const bundles = await sharedSdkBundles();
    assert.ok(map.startsWith(`${bundles}/`), map);
    // And its `import … from "…/src/sdk/mod.ts"` is the bundle.
    const sdk = await (await fetch(new URL("/api/scribe/sdk", test.host.url))).text();
    assert.equal(sdk, `file://${map.replace(/import_map\.json$/, "mod.js")}`);

    // The host services' gRPC clients are a chunk loaded on first use, grpc-js from the host's
    // node_modules: a job that writes and reads attestations goes through both.
    const written = await scribe.connection!.call("executeJob", {
      jobId: "t",
      handlerName: "write",
      payload: new TextEncoder().encode(JSON.stringify({ subject: "doc", count: 3 })),
      timeoutSecs: 20n,
    }, 20_000);
    assert.equal(written.success, true, written.error);
    assert.equal(JSON.parse(new TextDecoder().decode(written.result)).many, 3);

    // Thrown from the module's own copy, caught by the bundle's: still the route's status.
    const response = await fetch(new URL("/api/scribe/teapot", test.host.url));
    assert.equal(response.status, 418);
    assert.equal((await response.json()).detail, "short and stout");
  } finally {
    await test.close();
  }
});
