import { join, resolve } from "node:path";
import { nameProblem } from "../registry/mod.ts";
import { type Manifest, MANIFEST_FILE, readManifest } from "./manifest.ts";

/** A plugin found on disk, and how to run it. */
export type FoundPlugin =
  /** A TypeScript module run with `deno run` in the sandbox its manifest describes. */
  | {
    name: string;
    kind: "deno";
    dir: string;
    entry: string;
    manifest: Manifest;
    /** What an operator's approval names (`approved_manifest`). */
    manifestSha256: string;
  }
  /** An SDK plugin compiled with `deno compile` (permissions baked in), served on a socket. */
  | {
    name: string;
    kind: "sdk-executable";
    dir: string;
    executable: string;
    manifest: Manifest;
    manifestSha256: string;
  }
  /**
   * A program in any language that follows QNTX's convention (`--port <n>`): in its own folder
   * (QNTX's tree layout, `tree`), or placed directly in a search path (`dir` is that path).
   */
  | { name: string; kind: "qntx-executable"; dir: string; executable: string; tree?: boolean };

export type Discovery = { ok: true; plugin: FoundPlugin } | {
  ok: false;
  name: string;
  problem: string;
};

/** The names a QNTX-style executable of plugin `name` may have, in order of preference. */
export function executableNames(name: string): string[] {
  return [`qntx-${name}-plugin`, `qntx-${name}`, name];
}

/** A search path as written (`~/…` is the home folder, as QNTX reads it), made absolute. */
export function searchPath(path: string, cwd: string, home: string | undefined): string {
  if (home && (path === "~" || path.startsWith("~/"))) return join(home, path.slice(1));
  return resolve(cwd, path);
}

/**
 * Looks for plugin `name` in each search path in order: a folder `<path>/<name>/` with a
 * `plugin.json`; else QNTX's tree layout, an executable `qntx-<name>-plugin`, `qntx-<name>` or
 * `<name>` in that folder (beside its `lib/`); else such an executable in the path itself. A
 * broken manifest is a problem for this plugin only, reported with its file and every issue; a
 * name no plugin may have (a host table or route, see `nameProblem`) is refused before any
 * look. `~/` in a path is `home`.
 */
export async function discoverPlugin(
  name: string,
  paths: readonly string[],
  cwd: string,
  home?: string,
): Promise<Discovery> {
  // `server`, `plugins`, …: the host's own tables and routes; no folder may claim them.
  const refused = nameProblem(name);
  if (refused) return { ok: false, name, problem: `plugin "${name}" cannot be loaded: ${refused}` };
  const looked: string[] = [];
  for (const path of paths) {
    const root = searchPath(path, cwd, home);
    const dir = join(root, name);
    const manifestFile = join(dir, MANIFEST_FILE);
    looked.push(manifestFile);
    if (await readIfFile(manifestFile) !== undefined) return fromManifest(name, dir, manifestFile);
    // The tree layout (its own folder), then the flat one (the search path).
    for (const folder of [dir, root]) {
      for (const candidate of executableNames(name)) {
        const file = join(folder, candidate);
        looked.push(file);
        if (await isExecutable(file)) {
          return {
            ok: true,
            plugin: {
              name,
              kind: "qntx-executable",
              dir: folder,
              executable: file,
              ...(folder === dir ? { tree: true } : {}),
            },
          };
        }
      }
    }
  }
  return {
    ok: false,
    name,
    problem: `plugin "${name}" was not found; looked for ${looked.join(", ")}`,
  };
}

/**
 * Plugin `name` in one given folder (an installed version's, say): its `plugin.json`, else a
 * QNTX executable of that name in it (the tree layout).
 */
export async function discoverFolder(name: string, dir: string): Promise<Discovery> {
  const manifestFile = join(dir, MANIFEST_FILE);
  if (await readIfFile(manifestFile) !== undefined) return fromManifest(name, dir, manifestFile);
  for (const candidate of executableNames(name)) {
    const file = join(dir, candidate);
    if (await isExecutable(file)) {
      return {
        ok: true,
        plugin: { name, kind: "qntx-executable", dir, executable: file, tree: true },
      };
    }
  }
  return { ok: false, name, problem: `plugin "${name}" was not found in ${dir}` };
}

async function fromManifest(name: string, dir: string, file: string): Promise<Discovery> {
  let manifest: Manifest;
  let manifestSha256: string;
  try {
    ({ manifest, sha256: manifestSha256 } = await readManifest(file));
  } catch (error) {
    return { ok: false, name, problem: (error as Error).message };
  }
  if (manifest.name !== name) {
    return {
      ok: false,
      name,
      problem: `${file}: name is "${manifest.name}" but the plugin was enabled as "${name}"`,
    };
  }
  const target = join(dir, manifest.entry ?? manifest.executable!);
  if (manifest.entry !== undefined) {
    if (await readIfFile(target) === undefined) {
      return { ok: false, name, problem: `${file}: entry ${target} does not exist` };
    }
    return {
      ok: true,
      plugin: { name, kind: "deno", dir, entry: target, manifest, manifestSha256 },
    };
  }
  if (!(await isExecutable(target))) {
    return {
      ok: false,
      name,
      problem: `${file}: executable ${target} does not exist or cannot be run`,
    };
  }
  return {
    ok: true,
    plugin: { name, kind: "sdk-executable", dir, executable: target, manifest, manifestSha256 },
  };
}

async function readIfFile(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch {
    return undefined;
  }
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    const info = await Deno.stat(path);
    return info.isFile && ((info.mode ?? 0) & 0o111) !== 0;
  } catch {
    return false;
  }
}
