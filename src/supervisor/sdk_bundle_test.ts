import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { JsonLogger, memorySink } from "../log/mod.ts";
import { SdkBundler } from "./sdk_bundle.ts";

const DENO_CONFIG = fileURLToPath(new URL("../../deno.json", import.meta.url));
const SDK_ENTRY = fileURLToPath(new URL("../sdk/mod.ts", import.meta.url));

function bundler(dir: string, denoConfig = DENO_CONFIG) {
  const sink = memorySink();
  return {
    sink,
    bundler: new SdkBundler({
      execPath: Deno.execPath(),
      denoConfig,
      dir,
      logger: new JsonLogger("supervisor", { sink, level: "info" }),
      env: Deno.env.toObject(),
    }),
  };
}

Deno.test("the SDK is bundled once, in the background, then found kept by the next host", async () => {
  const dir = await Deno.makeTempDir({ prefix: "qntx-sdk-bundle-" });
  try {
    // What an earlier SDK (or a crashed build) left is removed once a bundle is built; a build
    // under way elsewhere (its folder younger than a build may take) is left alone.
    await Deno.mkdir(join(dir, "0123456789abcdef01234567"));
    await Deno.mkdir(join(dir, ".building-crashed"));
    const longAgo = new Date(Date.now() - 3_600_000);
    await Deno.utime(join(dir, ".building-crashed"), longAgo, longAgo);
    await Deno.mkdir(join(dir, ".building-elsewhere"));
    const first = bundler(dir);
    // Not there yet: launches meanwhile start from the sources.
    assert.equal(await first.bundler.current(), undefined);
    const built = await first.bundler.ready();
    assert.ok(built, "a bundle was built");
    assert.equal(await first.bundler.current(), built);
    assert.deepEqual(
      [...Deno.readDirSync(dir)].map((entry) => entry.name).sort(),
      [".building-elsewhere", built.dir.slice(dir.length + 1)],
    );
    // The import map is the host's, with the SDK's entry sent to the bundle.
    const map = JSON.parse(await Deno.readTextFile(built.importMap));
    const hostMap = JSON.parse(await Deno.readTextFile(DENO_CONFIG)).imports;
    for (const [name, target] of Object.entries(hostMap)) assert.equal(map.imports[name], target);
    const bundled = map.imports[pathToFileURL(SDK_ENTRY).href];
    assert.equal(bundled, pathToFileURL(join(built.dir, "mod.js")).href);
    // The lazy parts are chunks of their own, grpc-js left to the import map.
    const main = await Deno.readTextFile(join(built.dir, "mod.js"));
    assert.doesNotMatch(main, /from "@grpc\/grpc-js"/);
    assert.match(main, /import\("\.\/host_grpc-[^"]+\.js"\)/);

    // The next host with the same sources finds it at once: no second build.
    const next = bundler(dir);
    assert.deepEqual(await next.bundler.current(), built);
    assert.equal(next.sink.records.length, 0);

    // Removed while the host runs: launches start from the sources (never from an import map
    // that leads nowhere) while it is built again.
    await Deno.remove(built.dir, { recursive: true });
    assert.equal(await next.bundler.current(), undefined);
    assert.match(next.sink.records[0]?.msg ?? "", /the SDK's bundle is gone/);
    assert.deepEqual(await next.bundler.ready(), built);
    assert.deepEqual(await next.bundler.current(), built);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a bundle that cannot be built leaves plugins on the SDK's sources, said in the log", async () => {
  const dir = await Deno.makeTempDir({ prefix: "qntx-sdk-bundle-" });
  const root = await Deno.makeTempDir({ prefix: "qntx-sdk-root-" });
  try {
    // A host whose folder has no SDK (a compiled host): nothing to bundle, nothing said.
    const none = bundler(dir, join(root, "deno.json"));
    assert.equal(await none.bundler.ready(), undefined);
    assert.equal(none.sink.records.length, 0);
    // An SDK that does not build (a syntax error): the reason is logged, the host goes on.
    await Deno.mkdir(join(root, "src", "sdk"), { recursive: true });
    await Deno.writeTextFile(join(root, "deno.json"), "{}");
    await Deno.writeTextFile(join(root, "src", "sdk", "mod.ts"), "export const = ;\n");
    const broken = bundler(dir, join(root, "deno.json"));
    assert.equal(await broken.bundler.ready(), undefined);
    assert.equal(await broken.bundler.current(), undefined);
    const said = broken.sink.records.map((record) => record.msg).join("\n");
    assert.match(said, /TypeScript plugins start from the SDK's sources .*bundling it failed/);
    // No half-built bundle is left where a launch could find it.
    assert.deepEqual([...Deno.readDirSync(dir)], []);
    // A folder for bundles that cannot be made (a file is in the way): said, nothing thrown.
    await Deno.writeTextFile(join(root, "in-the-way"), "");
    const blocked = bundler(join(root, "in-the-way", "bundles"));
    assert.equal(await blocked.bundler.ready(), undefined);
    assert.match(blocked.sink.records[0]?.msg ?? "", /bundling it failed/);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(root, { recursive: true });
  }
});
