/**
 * `deno task plugin …`: plugin archives from the command line.
 *
 *   deno task plugin keygen <key file>             an Ed25519 key pair: the private key into the
 *                                                  file (0600), the public one printed for
 *                                                  [plugin] trusted_keys
 *   deno task plugin pack <dir> [--key <file>] [--out <archive>]
 *                                                  <name>-<version>.tar.gz, its .sha256 and,
 *                                                  with a key, its .sig
 *   deno task plugin install <archive | https URL> [--sha256 HEX] [--signature <file>]
 *   deno task plugin rollback <name>
 *
 * install and rollback go through the running host (found as `deno task api` finds it), which
 * checks the archive and switches a running plugin to it without a gap; with no host running
 * they change the plugin tree on disk (the first of [plugin] paths), for its next start.
 */
import { basename, join, resolve } from "node:path";
import { loadHostConfig } from "../src/config/mod.ts";
import {
  ArchiveError,
  fetchArchive,
  generateSigningKey,
  installArchive,
  packArchive,
  parseSignature,
  previousVersion,
  signArchive,
  switchTo,
} from "../src/install/mod.ts";
import {
  MANIFEST_FILE,
  NO_GRANTS,
  parseManifest,
  searchPath,
  sha256Hex,
} from "../src/supervisor/mod.ts";
import { hostOf } from "./api.ts";
import { HOST_VERSION } from "../src/host/mod.ts";

const USAGE =
  "usage: deno task plugin keygen <file> | pack <dir> [--key <file>] [--out <file>] | " +
  "install <archive|URL> [--sha256 HEX] [--signature <file>] | rollback <name>";

/** The value after `--name`, and the arguments without the option. */
export function option(args: string[], name: string): string | undefined {
  const at = args.indexOf(`--${name}`);
  if (at === -1) return undefined;
  const value = args[at + 1];
  if (value === undefined || value.startsWith("--")) throw new Error(`--${name} needs a value`);
  args.splice(at, 2);
  return value;
}

async function keygen(file: string): Promise<void> {
  const { privatePem, publicKey } = await generateSigningKey();
  await Deno.writeTextFile(file, privatePem, { mode: 0o600, createNew: true });
  console.log(`private key written to ${file} (keep it secret)`);
  console.log(`add to am.toml under [plugin]:\ntrusted_keys = ["${publicKey}"]`);
}

async function pack(dir: string, key?: string, out?: string): Promise<void> {
  const manifest = parseManifest(
    await Deno.readTextFile(join(dir, MANIFEST_FILE)),
    join(dir, MANIFEST_FILE),
  );
  const archive = await packArchive(dir);
  const file = out ?? `${manifest.name}-${manifest.version}.tar.gz`;
  const sha256 = await sha256Hex(archive);
  await Deno.writeFile(file, archive);
  await Deno.writeTextFile(`${file}.sha256`, `${sha256}  ${basename(file)}\n`);
  console.log(`${file}: ${archive.byteLength} bytes, sha256 ${sha256}`);
  if (key) {
    const signature = await signArchive(await Deno.readTextFile(key), sha256);
    // One line: it also travels as the value of a QNTX-Signature header.
    await Deno.writeTextFile(`${file}.sig`, JSON.stringify(signature) + "\n");
    console.log(`${file}.sig: signed by ${signature.key}`);
  }
}

/** Calls the running host; undefined when none answers. */
async function viaHost(
  path: string,
  init: RequestInit,
  env: Record<string, string>,
): Promise<Response | undefined> {
  const config = await loadHostConfig({ args: Deno.args, env });
  const { base, token } = await hostOf(config, env);
  const headers = new Headers(init.headers);
  if (token) headers.set("authorization", `Bearer ${token}`);
  try {
    return await fetch(new URL(path, base), { ...init, headers });
  } catch (error) {
    // Nothing listens: no host runs. Any other failure may have reached a host; say so.
    const cause = (error as Error).cause as Error | undefined;
    if (/Connection refused/i.test(`${(error as Error).message} ${cause?.message}`)) {
      return undefined;
    }
    throw new Error(`the host at ${base} did not answer as expected: ${error}`);
  }
}

async function install(source: string, args: string[], env: Record<string, string>) {
  const sha256 = option(args, "sha256");
  const signatureFile = option(args, "signature");
  const isUrl = /^[a-z]+:\/\//i.test(source);
  const signatureText = signatureFile
    ? await Deno.readTextFile(signatureFile)
    : isUrl
    ? undefined
    : await Deno.readTextFile(`${source}.sig`).catch(() => undefined);
  const expected = sha256 ??
    (isUrl ? undefined : (await Deno.readTextFile(`${source}.sha256`).catch(() => ""))
      .split(/\s/)[0] || undefined);
  const archive = isUrl ? undefined : await Deno.readFile(source);
  const answer = isUrl
    ? await viaHost("/api/plugins/install", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        url: source,
        sha256: expected,
        signature: signatureText === undefined ? undefined : JSON.parse(signatureText),
      }),
    }, env)
    : await viaHost(`/api/plugins/install${expected ? `?sha256=${expected}` : ""}`, {
      method: "POST",
      headers: {
        "content-type": "application/gzip",
        ...(signatureText ? { "qntx-signature": JSON.stringify(JSON.parse(signatureText)) } : {}),
      },
      body: archive,
    }, env);
  if (answer) return report(answer);
  if (isUrl && !expected && signatureText === undefined) {
    throw new Error(
      "an install from a URL needs --sha256 or --signature: a URL alone does not say what it serves",
    );
  }
  // No host: the tree on disk, for the plugin's next start.
  const config = await loadHostConfig({ args: Deno.args, env });
  const root = searchPath(config.plugin.paths[0] ?? "plugins", Deno.cwd(), env.HOME);
  await Deno.mkdir(root, { recursive: true });
  const installed = await installArchive({
    archive: archive ?? (await fetchArchive(source))!,
    sha256: expected,
    signature: signatureText === undefined ? undefined : parseSignature(signatureText),
  }, {
    root,
    hostVersion: HOST_VERSION,
    policy: {
      trustedKeys: config.plugin.trustedKeys,
      requireSignatures: config.plugin.requireSignatures,
    },
    grants: (name) => config.plugin.grants[name] ?? NO_GRANTS,
    hostAddress: { hostname: config.server.bindAddress, port: config.server.port },
  });
  await switchTo(root, installed.name, installed.folder);
  console.log(
    `no host answered; installed ${installed.name} v${installed.version} into ${
      join(root, installed.name)
    } (sha256 ${installed.sha256}); it runs at the plugin's next start`,
  );
  if (installed.needsApproval) console.log(installed.needsApproval);
}

async function rollback(name: string, env: Record<string, string>): Promise<void> {
  const answer = await viaHost(`/api/plugins/${encodeURIComponent(name)}/rollback`, {
    method: "POST",
  }, env);
  if (answer) return report(answer);
  const config = await loadHostConfig({ args: Deno.args, env });
  const root = searchPath(config.plugin.paths[0] ?? "plugins", Deno.cwd(), env.HOME);
  const record = await switchTo(root, name, await previousVersion(root, name));
  console.log(`no host answered; ${join(root, name)} leads to ${record.current} again`);
}

async function report(answer: Response): Promise<void> {
  const text = await answer.text();
  console.log(text);
  if (!answer.ok) Deno.exit(1);
}

if (import.meta.main) {
  const env = Deno.env.toObject();
  const args = Deno.args.filter((arg, i, all) =>
    arg !== "--config" && all[i - 1] !== "--config" && !arg.startsWith("--config=")
  );
  const [command, target] = args;
  try {
    if (command === "keygen" && target) await keygen(resolve(target));
    else if (command === "pack" && target) {
      const rest = args.slice(2);
      await pack(target, option(rest, "key"), option(rest, "out"));
    } else if (command === "install" && target) await install(target, args.slice(2), env);
    else if (command === "rollback" && target) await rollback(target, env);
    else {
      console.error(USAGE);
      Deno.exit(2);
    }
  } catch (error) {
    console.error(error instanceof ArchiveError ? `refused: ${error.message}` : String(error));
    Deno.exit(1);
  }
}
