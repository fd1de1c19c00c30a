/**
 * `deno task plugin` end to end, as an operator runs it with no host up: a key, a signed
 * archive, an install into the plugin tree, a tampered copy refused, a rollback.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { freePort } from "../src/supervisor/mod.ts";

const SCRIPT = new URL("./plugin.ts", import.meta.url).pathname;

async function run(cwd: string, ...args: string[]) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-write", "--allow-net", "--allow-env", SCRIPT, ...args],
    cwd,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, out: decode(output.stdout) + decode(output.stderr) };
}

async function writePlugin(dir: string, version: string): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(
    join(dir, "plugin.json"),
    JSON.stringify({ name: "hello", version, entry: "main.ts" }),
  );
  await Deno.writeTextFile(join(dir, "main.ts"), `// hello ${version}\n`);
}

Deno.test("keygen, pack --key, install and rollback with no host running", async () => {
  const cwd = await Deno.makeTempDir({ prefix: "qntx-plugin-cli-" });
  try {
    const keygen = await run(cwd, "keygen", "release.key");
    assert.equal(keygen.code, 0, keygen.out);
    assert.equal((await Deno.stat(join(cwd, "release.key"))).mode! & 0o777, 0o600);
    const publicKey = keygen.out.match(/trusted_keys = \["(ed25519:[^"]+)"\]/)?.[1];
    assert.ok(publicKey, keygen.out);
    // A host that is not running (nothing listens on its port) and wants signatures.
    await Deno.writeTextFile(
      join(cwd, "am.toml"),
      `[server]\nport = ${freePort()}\n[auth]\nenabled = false\n[plugin]\npaths = ["installed"]\n` +
        `trusted_keys = ["${publicKey}"]\nrequire_signatures = true\n`,
    );
    await writePlugin(join(cwd, "src1"), "1.0.0");
    await writePlugin(join(cwd, "src2"), "2.0.0");
    for (const dir of ["src1", "src2"]) {
      const packed = await run(cwd, "pack", dir, "--key", "release.key");
      assert.equal(packed.code, 0, packed.out);
    }
    const sha = (await Deno.readTextFile(join(cwd, "hello-1.0.0.tar.gz.sha256"))).split(" ")[0];
    assert.match(sha!, /^[0-9a-f]{64}$/);
    const sig = await Deno.readTextFile(join(cwd, "hello-1.0.0.tar.gz.sig"));
    assert.match(sig, /"signature"/);
    // One line: it is also a QNTX-Signature header's value.
    assert.equal(sig.trimEnd().split("\n").length, 1);

    for (const version of ["1.0.0", "2.0.0"]) {
      const installed = await run(cwd, "install", `hello-${version}.tar.gz`, "--config", "am.toml");
      assert.equal(installed.code, 0, installed.out);
      assert.match(installed.out, new RegExp(`no host answered; installed hello v${version}`));
    }
    const main = () => Deno.readTextFile(join(cwd, "installed/hello/main.ts"));
    assert.equal(await main(), "// hello 2.0.0\n");

    // Its checksum file says otherwise: refused, and nothing changes.
    await Deno.copyFile(
      join(cwd, "hello-1.0.0.tar.gz.sha256"),
      join(cwd, "hello-2.0.0.tar.gz.sha256"),
    );
    const tampered = await run(cwd, "install", "hello-2.0.0.tar.gz", "--config", "am.toml");
    assert.equal(tampered.code, 1, tampered.out);
    assert.match(tampered.out, /refused: the archive's SHA-256 is [0-9a-f]{64}, not the expected/);
    // Without its signature, under require_signatures: refused.
    await Deno.remove(join(cwd, "hello-1.0.0.tar.gz.sig"));
    const unsigned = await run(cwd, "install", "hello-1.0.0.tar.gz", "--config", "am.toml");
    assert.equal(unsigned.code, 1, unsigned.out);
    assert.match(unsigned.out, /refused: the archive is not signed/);
    assert.equal(await main(), "// hello 2.0.0\n");

    const back = await run(cwd, "rollback", "hello", "--config", "am.toml");
    assert.equal(back.code, 0, back.out);
    assert.equal(await main(), "// hello 1.0.0\n");
    const usage = await run(cwd, "frobnicate");
    assert.equal(usage.code, 2);
    assert.match(usage.out, /usage: deno task plugin/);
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});
