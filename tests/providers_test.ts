/**
 * QNTX's provider roles and parser: a Python plugin that declares search_provider serves
 * search to the other plugins through the host (token as metadata, caller named to the
 * provider), a role the host does not offer fails the plugin by name, and `POST /api/ax/parse`
 * passes an Ax query to the plugin that parses them.
 */
import assert from "node:assert/strict";
import { startTestHost, waitForState } from "./_in_process_host.ts";
import { pythonPluginDir } from "./_python_plugin.ts";

async function call(url: URL, path: string, init?: RequestInit) {
  const response = await fetch(new URL(path, url), init);
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: the assertions below say what came
  }
  return { status: response.status, body, text };
}

Deno.test("a search provider plugin serves search to other plugins through the host", async () => {
  const root = await pythonPluginDir({ programs: ["pyecho", "pysearch"] });
  const test = await startTestHost(["pysearch", "pyecho"], "", [root]);
  try {
    const { registry, supervisor, url } = test.host;
    await waitForState(registry, "pysearch", "running");
    await waitForState(registry, "pyecho", "running");
    assert.deepEqual((await call(url, "/api/plugins/providers")).body, {
      providers: [{ role: "search", plugin: "pysearch" }],
    });

    const indexed = await call(url, "/api/pyecho/index?index=fruit", {
      method: "POST",
      body: JSON.stringify([{ id: "1", text: "red apple" }, { id: "2", text: "green pear" }]),
    });
    assert.deepEqual([indexed.status, indexed.body], [200, { accepted: 2 }]);
    const found = await call(url, "/api/pyecho/search?index=fruit&q=APPLE");
    assert.equal(found.status, 200, found.text);
    const hits = found.body.hits as { id: string }[];
    assert.deepEqual(hits.map((hit) => hit.id), ["1"]);
    // The provider was told who asked: the host names the caller from its token.
    assert.deepEqual(JSON.parse(atob(String(found.body.facetDistribution))), { caller: "pyecho" });

    // QNTX's requests carry no token, and a loopback port is anyone's: no token, no search.
    const bare = await call(url, "/api/pyecho/search?index=fruit&q=apple&token=omit");
    assert.equal(bare.body.code, "UNAUTHENTICATED");
    assert.match(String(bare.body.error), /authorization: Bearer <token>/);
    const forged = await call(url, "/api/pyecho/search?index=fruit&q=apple&token=bogus");
    assert.deepEqual([forged.body.code, forged.body.error], [
      "UNAUTHENTICATED",
      "invalid authentication token",
    ]);
    // The provider's own failure comes back with its code, naming the provider.
    const failed = await call(url, "/api/pyecho/search?index=explode&q=x");
    assert.equal(failed.body.code, "INTERNAL");
    assert.match(String(failed.body.error), /search provider "pysearch": the index exploded/);

    // The provider goes: search is unavailable and says what to do; it comes back with it.
    await supervisor.disable("pysearch");
    assert.deepEqual((await call(url, "/api/plugins/providers")).body, { providers: [] });
    const none = await call(url, "/api/pyecho/search?index=fruit&q=apple");
    assert.equal(none.body.code, "UNAVAILABLE");
    assert.match(String(none.body.error), /no search provider: enable a plugin that declares/);
    await supervisor.enable("pysearch");
    assert.equal(registry.getState("pysearch"), "running");
    const again = await call(url, "/api/pyecho/search?index=fruit&q=pear");
    // A new process: its index started empty.
    assert.deepEqual([again.status, again.body.hits ?? []], [200, []]);

    // Upgraded in place: the new process serves search, and the old one's exit takes nothing
    // from it.
    await call(url, "/api/pyecho/index?index=fruit", {
      method: "POST",
      body: JSON.stringify([{ id: "3", text: "ripe plum" }]),
    });
    const upgraded = await call(url, "/api/plugins/pysearch/upgrade", { method: "POST" });
    assert.equal(upgraded.status, 200, upgraded.text);
    // The old process has exited and been released by the time the upgrade answers.
    assert.deepEqual((await call(url, "/api/plugins/providers")).body, {
      providers: [{ role: "search", plugin: "pysearch" }],
    });
    const fresh = await call(url, "/api/pyecho/search?index=fruit&q=plum");
    assert.deepEqual([fresh.status, fresh.body.hits ?? []], [200, []], fresh.text);
  } finally {
    await test.close();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a plugin that declares a provider role the host does not offer fails, naming it", async () => {
  const root = await pythonPluginDir();
  const test = await startTestHost(
    ["pyecho"],
    `[pyecho]\nargs = ["--provider-role", "llm_provider"]\n`,
    [root],
  );
  try {
    await waitForState(test.host.registry, "pyecho", "failed");
    const reason = test.host.registry.snapshot("pyecho")?.lastError ?? "";
    assert.match(reason, /llm_provider \(LLM chat\), which this host does not offer/);
    assert.match(reason, /routes search_provider only/);
  } finally {
    await test.close();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("POST /api/ax/parse passes an Ax query to the plugin that parses them", async () => {
  const root = await pythonPluginDir({ programs: ["pyecho", "pysearch"] });
  const test = await startTestHost(
    ["pyecho", "pysearch"],
    `ax_parser = "pyecho"\n`,
    [root],
  );
  try {
    const { registry, url } = test.host;
    await waitForState(registry, "pyecho", "running");
    const parse = (body: unknown) =>
      call(url, "/api/ax/parse", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    assert.deepEqual(await parse({ query: "ix role of alice" }).then((r) => [r.status, r.body]), [
      200,
      { plugin: "pyecho", result: { words: ["ix", "role", "of", "alice"] } },
    ]);
    const bad = await parse({ query: "role ((" });
    assert.equal(bad.status, 422);
    assert.match(String(bad.body.detail), /unbalanced \(\(/);
    assert.equal((await parse({})).status, 400);
    assert.equal((await parse({ query: "x".repeat(9000) })).status, 400);
  } finally {
    await test.close();
    await Deno.remove(root, { recursive: true });
  }
});
