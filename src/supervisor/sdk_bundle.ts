import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Logger } from "../plugin/mod.ts";
import { concatBytes } from "../protocol/mod.ts";
import { encodeHex } from "./hex.ts";

/**
 * The SDK as one module, for TypeScript plugins to start from. Deno's cost of a start is per
 * module more than per byte: a script importing the SDK's ~50 modules (and @bufbuild/protobuf's)
 * started ~30 ms after a bare hello-world here, the same SDK bundled ~9 ms after it (alternating
 * runs, 2026-12-02). A plugin still writes `import … from "…/src/sdk/mod.ts"`; its launch gets an
 * import map that sends that one module to the bundle. Its lazy parts (the host services' gRPC
 * clients, gRPC serving under QNTX's host) are chunks of their own, loaded on first use as
 * before; grpc-js stays outside, resolved by the host's import map.
 *
 * Built once per SDK: the folder is named by a hash of the SDK's sources, the host's
 * `deno.json` and `deno.lock` and Deno's version, kept (in the runtime folder) across runs,
 * and rebuilt (in the background; launches meanwhile start from the sources) when any changes.
 * A host started from one SDK starts its plugins with that SDK, as its own code is loaded once.
 */
export interface SdkBundle {
  /** The folder with the bundle and its chunks (read-only to plugins). */
  dir: string;
  /** The import map a launch is given (`--import-map`). */
  importMap: string;
}

/** What the bundle is built from, beside the SDK's entry (checked by the architecture test). */
export const SDK_SOURCE_FOLDERS = ["sdk", "protocol", "plugin", "log"] as const;
/** Changes when the way the bundle is built changes, so old bundles are not reused. */
const RECIPE = "1 --code-splitting --external @grpc/grpc-js";
const BUILD_TIMEOUT_MS = 120_000;
/** The name a bundle has while it is built (then it is renamed to its hash). */
const BUILDING = ".building-";

export interface SdkBundlerOptions {
  /** The Deno binary that builds the bundle (the host's own, when it runs under Deno). */
  execPath: string;
  /** The host's `deno.json`: the SDK lies beside it in `src/`. */
  denoConfig: string;
  /**
   * Where bundles are kept, each in `<dir>/<hash>/` (the host's: `<runtime_dir>/sdk-bundle`;
   * the tests' hosts share one). Bundles of other sources found there are removed.
   */
  dir: string;
  logger: Logger;
  /** The environment `deno bundle` runs with (the host's: its Deno cache). */
  env: Record<string, string>;
}

export class SdkBundler {
  #checked?: Promise<SdkBundle | undefined>;
  #building?: Promise<SdkBundle | undefined>;
  #built?: SdkBundle;

  constructor(readonly options: SdkBundlerOptions) {}

  /**
   * The bundle to start a plugin with, or undefined while it is being built (or when it cannot
   * be: a host without the SDK's sources, a failed build, said once in the log). The first ask
   * hashes the sources (a few ms) and starts a build when no bundle of them is kept. A bundle
   * that has gone since (removed by hand) is given up and looked for again: plugins start from
   * the sources meanwhile, never from an import map that leads nowhere.
   */
  async current(): Promise<SdkBundle | undefined> {
    this.#checked ??= this.#check();
    const bundle = (await this.#checked) ?? this.#built;
    if (!bundle) return undefined;
    if (await Deno.stat(bundle.importMap).catch(() => undefined)) return bundle;
    this.options.logger.warn(`the SDK's bundle is gone (${bundle.dir}); building it again`);
    this.#checked = this.#building = this.#built = undefined;
    return undefined;
  }

  /** Waits for a build under way, if any (tests and the bench). */
  async ready(): Promise<SdkBundle | undefined> {
    await this.current();
    return await this.#building ?? await this.#checked;
  }

  async #check(): Promise<SdkBundle | undefined> {
    const entry = join(dirname(this.options.denoConfig), "src", "sdk", "mod.ts");
    if (!(await Deno.stat(entry).catch(() => undefined))) return undefined;
    let key: string;
    try {
      key = await sourceHash(this.options.denoConfig);
    } catch (error) {
      this.#unbundled(`its sources could not be read: ${(error as Error).message}`);
      return undefined;
    }
    const dir = join(this.options.dir, key);
    const bundle = { dir, importMap: join(dir, "import_map.json") };
    if (await Deno.stat(bundle.importMap).catch(() => undefined)) return bundle;
    // Not kept: built in the background (#build reports its own failures and never rejects).
    this.#building = this.#build(entry, key, bundle).then((built) => this.#built = built);
    return undefined;
  }

  async #build(entry: string, key: string, bundle: SdkBundle): Promise<SdkBundle | undefined> {
    const started = performance.now();
    const parent = this.options.dir;
    let building: string | undefined;
    try {
      await Deno.mkdir(parent, { recursive: true, mode: 0o700 });
      // Built beside, then renamed into place: a launch never sees half a bundle.
      building = await Deno.makeTempDir({ dir: parent, prefix: BUILDING });
      const output = await new Deno.Command(this.options.execPath, {
        args: [
          "bundle",
          "--quiet",
          "--no-remote",
          "--code-splitting",
          "--config",
          this.options.denoConfig,
          "--external",
          "@grpc/grpc-js",
          "--outdir",
          building,
          entry,
        ],
        env: this.options.env,
        clearEnv: true,
        stdin: "null",
        signal: AbortSignal.timeout(BUILD_TIMEOUT_MS),
      }).output();
      if (!output.success) {
        const said = new TextDecoder().decode(output.stderr).trim().split("\n").slice(-3);
        throw new Error(`deno bundle exited with ${output.code}: ${said.join(" ")}`);
      }
      // Sources edited while it built: what it holds may be neither, so it is not kept.
      if (await sourceHash(this.options.denoConfig) !== key) {
        throw new Error("the SDK's sources changed while it was being built");
      }
      await Deno.writeTextFile(
        join(building, "import_map.json"),
        JSON.stringify(await importMap(this.options.denoConfig, entry, join(bundle.dir, "mod.js"))),
      );
      await Deno.rename(building, bundle.dir);
      building = undefined;
      await this.#forgetOthers(bundle.dir);
      this.options.logger.info(
        `SDK bundled for plugin starts in ${(performance.now() - started).toFixed(0)} ms`,
        { dir: bundle.dir },
      );
      return bundle;
    } catch (error) {
      if (building) await Deno.remove(building, { recursive: true }).catch(() => {});
      // Another host sharing the folder built the same bundle first: that one serves.
      if (await Deno.stat(bundle.importMap).catch(() => undefined)) return bundle;
      this.#unbundled(`bundling it failed: ${(error as Error).message}`);
      return undefined;
    }
  }

  /**
   * Bundles of other sources are removed, and builds a crashed host left (a build under way
   * elsewhere, younger than the longest a build may take, is left alone).
   */
  async #forgetOthers(keep: string): Promise<void> {
    const parent = this.options.dir;
    for await (const entry of Deno.readDir(parent)) {
      const path = join(parent, entry.name);
      if (path === keep) continue;
      if (entry.name.startsWith(BUILDING)) {
        const info = await Deno.stat(path).catch(() => undefined);
        if (!info || Date.now() - (info.mtime?.getTime() ?? 0) < BUILD_TIMEOUT_MS) continue;
      }
      await Deno.remove(path, { recursive: true }).catch(() => {});
    }
  }

  #unbundled(why: string): void {
    this.options.logger.warn(
      `TypeScript plugins start from the SDK's sources (~25 ms slower a start): ${why}`,
    );
  }
}

/** The host's import map, with the SDK's entry sent to the bundle. */
async function importMap(
  denoConfig: string,
  entry: string,
  bundled: string,
): Promise<{ imports: Record<string, string>; scopes?: unknown }> {
  const config = JSON.parse(await Deno.readTextFile(denoConfig));
  const imports: Record<string, string> = { ...config.imports };
  const target = pathToFileURL(bundled).href;
  // A plugin's relative import resolves from its real path: the entry by both of its names.
  for (const path of new Set([entry, await Deno.realPath(entry)])) {
    imports[pathToFileURL(path).href] = target;
  }
  return config.scopes ? { imports, scopes: config.scopes } : { imports };
}

/** SHA-256 of the SDK's sources (not its tests), the host's config and lock, Deno and recipe. */
async function sourceHash(denoConfig: string): Promise<string> {
  const root = dirname(denoConfig);
  const files = [denoConfig, join(root, "deno.lock")];
  for (const folder of SDK_SOURCE_FOLDERS) {
    files.push(...await sourceFiles(join(root, "src", folder)));
  }
  files.sort();
  const encoder = new TextEncoder();
  const parts: Uint8Array[] = [encoder.encode(`${Deno.version.deno}\0${RECIPE}\0`)];
  const contents = await Promise.all(files.map((file) => Deno.readFile(file).catch(() => null)));
  files.forEach((file, i) => {
    parts.push(encoder.encode(`${file}\0`), contents[i] ?? new Uint8Array(0), new Uint8Array(1));
  });
  const digest = await crypto.subtle.digest(
    "SHA-256",
    concatBytes(parts) as Uint8Array<ArrayBuffer>,
  );
  return encodeHex(new Uint8Array(digest).subarray(0, 12));
}

async function sourceFiles(folder: string): Promise<string[]> {
  const found: string[] = [];
  const entries = await Array.fromAsync(Deno.readDir(folder)).catch((error) => {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  });
  for (const entry of entries) {
    const path = join(folder, entry.name);
    if (entry.isDirectory) found.push(...await sourceFiles(path));
    else if (/\.(ts|js|json)$/.test(entry.name) && !/_test\.ts$/.test(entry.name)) found.push(path);
  }
  return found;
}
