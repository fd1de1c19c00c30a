import assert from "node:assert/strict";
import { join } from "node:path";
import { NO_GRANTS, sha256Hex } from "../supervisor/mod.ts";
import { pluginEntries, tarGz } from "./_archives.ts";
import { readRecord, switchTo } from "./installed_tree.ts";
import {
  installArchive as place,
  type InstallRequest,
  type InstallTarget,
  previousVersion,
} from "./installer.ts";
import { generateSigningKey, signArchive } from "./signature.ts";

async function withRoot(run: (target: InstallTarget) => Promise<void>, policy = {}) {
  const root = await Deno.makeTempDir({ prefix: "qntx-install-" });
  try {
    await run({
      root,
      hostVersion: "0.1.0",
      policy: { trustedKeys: [], requireSignatures: false, ...policy },
      grants: () => NO_GRANTS,
      hostAddress: { hostname: "127.0.0.1", port: 8877 },
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

const read = (path: string) => Deno.readTextFile(path);

/** Installs and makes current, as the host does for a plugin that is not running. */
async function installArchive(request: InstallRequest, target: InstallTarget) {
  const installed = await place(request, target);
  await switchTo(target.root, installed.name, installed.folder);
  return installed;
}

async function rollbackInstall(root: string, name: string) {
  return await switchTo(root, name, await previousVersion(root, name));
}

Deno.test("an archive installs into the tree layout behind an atomic link, with its checksum", async () => {
  await withRoot(async (target) => {
    const archive = await tarGz(pluginEntries("hello", "1.0.0"));
    const sha256 = await sha256Hex(archive);
    const installed = await installArchive({ archive, sha256: sha256.toUpperCase() }, target);
    assert.equal(installed.name, "hello");
    assert.equal(installed.version, "1.0.0");
    assert.equal(installed.sha256, sha256);
    assert.equal(await read(join(target.root, "hello/main.ts")), 'console.log("hello 1.0.0");\n');
    assert.equal(
      await read(join(target.root, "hello/.installed.sha256")),
      `${sha256}  hello.tar.gz\n`,
    );
    assert.equal(
      await Deno.readLink(join(target.root, "hello")),
      `.versions/hello/1.0.0-${sha256.slice(0, 12)}`,
    );
    // Nothing is left in staging.
    assert.deepEqual(await Array.fromAsync(Deno.readDir(join(target.root, ".staging"))), []);

    // A second version: the first is kept as the previous, and a rollback returns to it.
    await installArchive({ archive: await tarGz(pluginEntries("hello", "1.1.0")) }, target);
    assert.equal(await read(join(target.root, "hello/main.ts")), 'console.log("hello 1.1.0");\n');
    await rollbackInstall(target.root, "hello");
    assert.equal(await read(join(target.root, "hello/main.ts")), 'console.log("hello 1.0.0");\n');
    // Rolling back again undoes the rollback.
    await rollbackInstall(target.root, "hello");
    assert.equal(await read(join(target.root, "hello/main.ts")), 'console.log("hello 1.1.0");\n');
    // A third: only the current and the previous versions stay.
    await installArchive({ archive: await tarGz(pluginEntries("hello", "1.2.0")) }, target);
    const kept = (await Array.fromAsync(Deno.readDir(join(target.root, ".versions/hello"))))
      .map((entry) => entry.name.replace(/-[0-9a-f]{12}$/, "")).sort();
    assert.deepEqual(kept, ["1.1.0", "1.2.0", "installed.json"]);
    const record = await readRecord(target.root, "hello");
    assert.match(record.previous!, /^1\.1\.0-/);
  });
});

Deno.test("a plugin folder placed by hand is kept as a version to roll back to", async () => {
  await withRoot(async (target) => {
    await Deno.mkdir(join(target.root, "hello"));
    await Deno.writeTextFile(join(target.root, "hello/main.ts"), "// by hand\n");
    await installArchive({ archive: await tarGz(pluginEntries("hello", "2.0.0")) }, target);
    await rollbackInstall(target.root, "hello");
    assert.equal(await read(join(target.root, "hello/main.ts")), "// by hand\n");
    assert.ok((await Deno.lstat(join(target.root, "hello"))).isSymlink);
  });
});

Deno.test("tampered, unsigned, badly signed and escaping archives are refused and leave nothing", async () => {
  const { privatePem, publicKey } = await generateSigningKey();
  const other = await generateSigningKey();
  await withRoot(async (target) => {
    const archive = await tarGz(pluginEntries("hello", "1.0.0"));
    const sha256 = await sha256Hex(archive);
    const tampered = archive.slice();
    tampered[tampered.length - 12]! ^= 0xff;
    const signature = await signArchive(privatePem, sha256);
    const cases: [string, Parameters<typeof installArchive>[0], RegExp][] = [
      [
        "a tampered archive",
        { archive: tampered, sha256 },
        /SHA-256 is [0-9a-f]{64}, not the expected/,
      ],
      ["unsigned", { archive }, /not signed, and \[plugin\] require_signatures = true/],
      [
        "signed by an unknown key",
        { archive, signature: await signArchive(other.privatePem, sha256) },
        /not in \[plugin\] trusted_keys/,
      ],
      [
        "a signature of another archive",
        { archive: tampered, signature },
        /signature is for an archive with SHA-256/,
      ],
      [
        "a forged signature",
        { archive, signature: { ...signature, signature: btoa("x".repeat(64)) } },
        /does not match the archive/,
      ],
      [
        "a path out",
        {
          archive: await tarGz([...pluginEntries("hello", "1.0.0"), { name: "../x", body: "" }]),
          signature: { ...signature },
        },
        /signature is for an archive|climbs out/,
      ],
    ];
    target.policy = { trustedKeys: [publicKey], requireSignatures: true };
    for (const [what, request, message] of cases) {
      await assert.rejects(installArchive(request, target), message, what);
    }
    assert.deepEqual(await Array.fromAsync(Deno.readDir(target.root)), [], "nothing was written");
    // Signed by a trusted key: installed, and it says by whom.
    const installed = await installArchive({ archive, signature }, target);
    assert.equal(installed.signedBy, publicKey);
  });
});

Deno.test("a manifest is checked before anything is written", async () => {
  await withRoot(async (target) => {
    const cases: [string, Parameters<typeof tarGz>[0], RegExp][] = [
      [
        "a path out",
        [...pluginEntries("hello", "1.0.0"), { name: "hello/../../x", body: "" }],
        /climbs out/,
      ],
      ["a link", [...pluginEntries("hello", "1.0.0"), {
        name: "hello/l",
        type: "symlink",
        linkname: "/",
      }], /symlink/],
      ["a bad version", pluginEntries("hello", "one"), /version/],
      ["a newer host", pluginEntries("hello", "1.0.0", { qntx_version: ">=2.0.0" }), /2\.0\.0/],
      ["a reserved name", pluginEntries("plugins", "1.0.0"), /plugins/],
      [
        "no entry",
        [{ name: "plugin.json", body: '{"name":"a","version":"1.0.0","entry":"m.ts"}' }],
        /names m\.ts, which is not in the archive/,
      ],
      [
        "no manifest",
        [{ name: "README.md", body: "hi" }],
        /no plugin\.json and no executable qntx-<name>-plugin/,
      ],
      ["an unknown key", pluginEntries("hello", "1.0.0", { run_as: "root" }), /unknown key run_as/],
    ];
    for (const [what, entries, message] of cases) {
      await assert.rejects(
        installArchive({ archive: await tarGz(entries) }, target),
        message,
        what,
      );
    }
    assert.deepEqual(await Array.fromAsync(Deno.readDir(target.root)), [], "nothing was written");
  });
});

Deno.test("a QNTX tree-layout archive installs by its executable's name; asks are reported", async () => {
  await withRoot(async (target) => {
    const installed = await installArchive({
      archive: await tarGz([
        { name: "qntx-gopher-plugin", body: "#!/bin/sh\n", mode: 0o755 },
        { name: "lib/libx.so", body: "" },
      ]),
    }, target);
    assert.equal(installed.name, "gopher");
    assert.equal(installed.version, "unknown");
    assert.ok((await Deno.stat(join(target.root, "gopher/qntx-gopher-plugin"))).mode! & 0o100);

    const asking = await installArchive({
      archive: await tarGz(
        pluginEntries("net", "1.0.0", { permissions: { net: ["api.example.com:443"] } }),
      ),
    }, target);
    assert.match(
      asking.needsApproval!,
      /asks for what the operator has not granted: net api\.example\.com:443/,
    );
  });
});
