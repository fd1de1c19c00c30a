import { dirname, extname, join } from "node:path";
import type { FoundPlugin } from "./discovery.ts";
import { bwrapArgs, type Mount, parentDeathArgs } from "./confinement.ts";
import type { LaunchFolder } from "./launch_folder.ts";

/** The programs that build the wall, where this machine has them. */
export interface ConfinementTools {
  /** bubblewrap (Debian package `bubblewrap`); without it untrusted executables are refused. */
  bwrap?: string;
  /** setpriv (util-linux), for the parent-death signal of unconfined processes. */
  setpriv?: string;
  /** setsid (util-linux): starts each plugin process leading a process group of its own. */
  setsid?: string;
}

/** What a launch needs to build its view. */
export interface ConfineInput {
  found: FoundPlugin;
  dataDir: string;
  folder: LaunchFolder;
  auditFile: string;
  trusted: boolean;
  tools: ConfinementTools;
  /** The Deno binary and the host's `deno.json` (its folder holds the SDK and node_modules). */
  execPath: string;
  denoConfig: string;
  hostEnv: Record<string, string>;
  /** An SDK plugin's own Deno cache (see `pluginDenoCache`), seen read-write in its place. */
  denoCache?: string;
  /** The SDK's bundle folder, seen read-only, when the plugin starts from it. */
  sdkBundle?: string;
  /** Paths the plugin may read or write beyond its own (manifest write entries, grants). */
  read: readonly string[];
  write: readonly string[];
}

export type Confined =
  | { ok: true; command: string; args: string[]; confined: boolean }
  | { ok: false; refused: string };

/** Module files beside a plugin's folder that plugins share (`../_fixture.ts`, `../handler.ts`). */
const MODULE_EXTENSIONS = new Set([".ts", ".mts", ".js", ".mjs", ".tsx", ".jsx"]);

/**
 * Wraps a plugin's command: confined under bubblewrap unless the operator trusts the plugin;
 * unconfined ones still die with the host (setpriv). An untrusted executable on a machine
 * without bubblewrap is refused, naming the package; an SDK plugin then keeps Deno's wall alone.
 */
export async function confine(
  input: ConfineInput,
  command: string,
  args: string[],
): Promise<Confined> {
  const { found, tools } = input;
  const unconfined = (): Confined =>
    tools.setpriv
      ? { ok: true, command: tools.setpriv, args: parentDeathArgs(command, args), confined: false }
      : { ok: true, command, args, confined: false };
  if (input.trusted) return unconfined();
  if (!tools.bwrap) {
    if (found.kind === "deno") return unconfined();
    return {
      ok: false,
      refused: `plugin "${found.name}" is an executable and runs confined, but bubblewrap is ` +
        `not installed; install the Debian package bubblewrap (apt-get install bubblewrap), or ` +
        `set trusted = true in [plugin.grants.${found.name}] to run it unconfined`,
    };
  }
  const mounts: Mount[] = found.kind === "deno"
    ? await denoMounts(input)
    : [{ kind: "ro", path: found.dir }, ...await otherPlugins(found)];
  for (const path of input.read) if (await exists(path)) mounts.push({ kind: "ro", path });
  for (const path of input.write) if (await exists(path)) mounts.push({ kind: "rw", path });
  mounts.push(
    { kind: "rw", path: input.dataDir },
    { kind: "rw", path: input.folder.dir },
  );
  return {
    ok: true,
    command: tools.bwrap,
    args: bwrapArgs(mounts, found.dir, command, args),
    confined: true,
  };
}

/**
 * What an SDK plugin sees: the Deno binary and its cache (its own, read-write, else the host's,
 * read-only), the host's SDK (`src/`, `deno.json`,
 * `deno.lock`, `node_modules/`), module files beside its folder, its folder, and the file Deno
 * writes its permission audit to. Not the host's configuration, database, logs or runtime
 * folder, and no other plugin's folder.
 */
async function denoMounts(input: ConfineInput): Promise<Mount[]> {
  const root = dirname(input.denoConfig);
  const candidates = [
    input.execPath,
    input.denoCache ? undefined : denoDir(input.hostEnv),
    join(root, "src"),
    input.denoConfig,
    join(root, "deno.lock"),
    join(root, "node_modules"),
    input.sdkBundle,
  ];
  const mounts: Mount[] = [];
  for (const path of candidates) {
    if (path && await exists(path)) mounts.push({ kind: "ro", path });
  }
  if (input.denoCache) mounts.push({ kind: "rw", path: input.denoCache });
  const parent = dirname(input.found.dir);
  try {
    for await (const entry of Deno.readDir(parent)) {
      if (entry.isFile && MODULE_EXTENSIONS.has(extname(entry.name))) {
        mounts.push({ kind: "ro", path: join(parent, entry.name) });
      }
    }
  } catch {
    // an unreadable parent shares nothing
  }
  mounts.push({ kind: "ro", path: input.found.dir });
  await Deno.writeTextFile(input.auditFile, "", { append: true });
  mounts.push({ kind: "rw", path: input.auditFile });
  return mounts;
}

/**
 * A QNTX program placed directly in a search path sees that folder (scripts load files beside
 * them), but not the folders of other plugins kept there (a `plugin.json`, or a program of
 * QNTX's tree layout, `qntx-…`): each is covered by an empty one.
 */
async function otherPlugins(found: FoundPlugin): Promise<Mount[]> {
  // A program in its own folder (QNTX's tree layout) sees only that folder: nothing to hide.
  if (found.kind !== "qntx-executable" || found.tree) return [];
  const hidden: Mount[] = [];
  try {
    for await (const entry of Deno.readDir(found.dir)) {
      if (!entry.isDirectory) continue;
      const path = join(found.dir, entry.name);
      if (await holdsPlugin(path)) hidden.push({ kind: "hide-dir", path });
    }
  } catch {
    // an unreadable folder shares nothing
  }
  return hidden;
}

/** Whether a folder is a plugin's: it has a manifest or a program named as QNTX names them. */
async function holdsPlugin(folder: string): Promise<boolean> {
  if (await exists(join(folder, "plugin.json"))) return true;
  try {
    for await (const entry of Deno.readDir(folder)) {
      if (entry.isFile && entry.name.startsWith("qntx-")) return true;
    }
  } catch {
    // unreadable: nothing of it is shared
  }
  return false;
}

/** Deno's cache folder, as Deno finds it. */
function denoDir(env: Record<string, string>): string | undefined {
  if (env.DENO_DIR) return env.DENO_DIR;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, "deno");
  if (env.HOME) return join(env.HOME, ".cache", "deno");
  return undefined;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Finds the confinement programs on this machine (`PATH`, then the usual folders). */
export function findConfinementTools(env: Record<string, string>): ConfinementTools {
  const folders = [...(env.PATH ?? "").split(":").filter(Boolean), "/usr/bin", "/bin"];
  const find = (name: string) => {
    for (const folder of folders) {
      const path = join(folder, name);
      try {
        const info = Deno.statSync(path);
        if (info.isFile && ((info.mode ?? 0) & 0o111) !== 0) return path;
      } catch {
        // not here
      }
    }
    return undefined;
  };
  return { bwrap: find("bwrap"), setpriv: find("setpriv"), setsid: find("setsid") };
}
