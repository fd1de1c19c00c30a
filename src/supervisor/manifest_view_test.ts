import assert from "node:assert/strict";
import { join } from "node:path";
import { type Manifest, parseManifest, sha256Hex } from "./manifest.ts";
import { describeManifest, readManifestView } from "./manifest_view.ts";
import { NO_GRANTS } from "./sandbox.ts";

const HOST = { hostname: "127.0.0.1", port: 8877 };
const SHA = "a".repeat(64);
const manifest = (permissions: Record<string, unknown>, memory?: number): Manifest =>
  parseManifest(
    JSON.stringify({
      name: "p",
      version: "1.0.0",
      entry: "main.ts",
      permissions,
      ...(memory ? { memory_mb: memory } : {}),
    }),
    "plugin.json",
  );

Deno.test("describeManifest() - what waits for an approval, what only a grant by name allows", async (t) => {
  const asking = manifest({ env: ["API_KEY"], net: ["api.example.com:443", "0.0.0.0:9000"] });
  const rows: {
    name: string;
    grants: typeof NO_GRANTS;
    asks: string[];
    byNameOnly: string[];
    approved: boolean;
  }[] = [
    {
      name: "nothing granted: the hosts and the variable wait",
      grants: NO_GRANTS,
      asks: ["net api.example.com:443", "env API_KEY"],
      byNameOnly: ["net 0.0.0.0:9000 (the host's own address or every interface)"],
      approved: false,
    },
    {
      name: "this manifest approved: only the wildcard address remains",
      grants: { ...NO_GRANTS, approved_manifest: SHA },
      asks: [],
      byNameOnly: ["net 0.0.0.0:9000 (the host's own address or every interface)"],
      approved: true,
    },
    {
      name: "another manifest approved: everything waits again",
      grants: { ...NO_GRANTS, approved_manifest: "b".repeat(64) },
      asks: ["net api.example.com:443", "env API_KEY"],
      byNameOnly: ["net 0.0.0.0:9000 (the host's own address or every interface)"],
      approved: false,
    },
    {
      name: "granted by name: nothing waits, and no approval is recorded",
      grants: { ...NO_GRANTS, env: ["API_KEY"], net: ["api.example.com:443", "0.0.0.0:9000"] },
      asks: [],
      byNameOnly: [],
      approved: false,
    },
  ];
  for (const row of rows) {
    await t.step(row.name, () => {
      const view = describeManifest("p", asking, SHA, row.grants, HOST);
      assert.equal(view.sha256, SHA);
      assert.deepEqual(view.asks.map((ask) => ask.what), row.asks);
      assert.deepEqual(view.byNameOnly.map((ask) => ask.what), row.byNameOnly);
      assert.equal(view.approved, row.approved);
      assert.deepEqual(view.requested, [
        "net api.example.com:443",
        "env API_KEY",
        "net 0.0.0.0:9000 (the host's own address or every interface)",
      ]);
    });
  }
});

Deno.test("describeManifest() - leaving the sandbox needs trusted, never an approval", () => {
  const escaping = manifest({ run: ["git"], all: true });
  const approved = { ...NO_GRANTS, approved_manifest: SHA };
  const view = describeManifest("p", escaping, SHA, approved, HOST);
  assert.deepEqual(view.asks, []);
  assert.deepEqual(view.byNameOnly, [
    { what: "run git (leaves the sandbox)", grant: "trusted = true in [plugin.grants.p]" },
    { what: "all permissions (leaves the sandbox)", grant: "trusted = true in [plugin.grants.p]" },
  ]);
  const trusted = describeManifest("p", escaping, SHA, { ...NO_GRANTS, trusted: true }, HOST);
  assert.deepEqual(trusted.byNameOnly, []);
});

Deno.test("describeManifest() - a heap over the default waits; nothing extra asks nothing", () => {
  const view = describeManifest("p", manifest({}, 2048), SHA, NO_GRANTS, HOST);
  assert.deepEqual(view.asks, [{
    what: "memory_mb 2048 (default 512)",
    grant: "memory_mb = 2048 in [plugin.grants.p]",
  }]);
  const plain = describeManifest("p", manifest({}), SHA, NO_GRANTS, HOST);
  assert.deepEqual([plain.requested, plain.asks, plain.byNameOnly], [[], [], []]);
});

Deno.test("readManifestView() reads the manifest on disk now, with the hash of its bytes", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const text = JSON.stringify({
      name: "p",
      version: "1.0.0",
      entry: "main.ts",
      permissions: { env: ["X"] },
    });
    await Deno.writeTextFile(join(dir, "plugin.json"), text);
    const found = {
      name: "p",
      kind: "deno" as const,
      dir,
      entry: join(dir, "main.ts"),
      manifest: manifest({}),
      manifestSha256: SHA,
    };
    const view = await readManifestView(found, NO_GRANTS, HOST);
    assert.equal(view?.sha256, await sha256Hex(new TextEncoder().encode(text)));
    assert.deepEqual(view?.asks.map((ask) => ask.what), ["env X"]);
    const program = { name: "p", kind: "qntx-executable" as const, dir, executable: "qntx-p" };
    assert.equal(await readManifestView(program, NO_GRANTS, HOST), undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
