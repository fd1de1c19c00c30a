import { dirname, isAbsolute, join, relative, resolve } from "node:path";

/**
 * Deno checks a path against a grant by its text, not by where it leads: a symlink inside a
 * granted folder turns "its own folder" into whatever the link points at. So every folder a
 * plugin is granted is resolved with `realpath` at each launch, and a folder holding a link
 * that leads out of it is refused, naming the link and its target.
 */

/** Whether `path` is `root` or lies below it (both absolute and resolved). */
export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

/** Where a link leads: its real path, or (dangling) the path its text names. */
async function linkTarget(link: string): Promise<string> {
  try {
    return await Deno.realPath(link);
  } catch {
    const text = await Deno.readLink(link);
    return resolve(dirname(link), text);
  }
}

/**
 * Every symlink under `root` (a real path) that leads outside it, as
 * `<link> -> <target>`. Links are not followed; folders are walked in full.
 */
export async function escapingLinks(root: string): Promise<string[]> {
  const found: string[] = [];
  const pending = [root];
  while (pending.length > 0) {
    const dir = pending.pop()!;
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(dir));
    } catch {
      continue; // vanished meanwhile, or unreadable: nothing there can be granted either
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isSymlink) {
        const target = await linkTarget(path);
        if (!isInside(root, target)) found.push(`${path} -> ${target}`);
      } else if (entry.isDirectory) {
        pending.push(path);
      }
    }
  }
  return found;
}

/**
 * The real path of `path`, which need not exist yet: the longest part that exists is resolved
 * (links included) and the rest appended.
 */
export async function realPathOf(path: string): Promise<string> {
  const absolute = resolve(path);
  let existing = absolute;
  const rest: string[] = [];
  while (true) {
    try {
      return join(await Deno.realPath(existing), ...rest.reverse());
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      const parent = dirname(existing);
      if (parent === existing) return absolute;
      rest.push(existing.slice(parent.length + (parent.endsWith("/") ? 0 : 1)));
      existing = parent;
    }
  }
}

/** A plugin's granted folders, resolved, or why they may not be granted. */
export type ContainedPaths =
  | {
    ok: true;
    pluginDir: string;
    dataDir: string;
    /** The manifest's `write` entries, resolved inside the plugin's folder. */
    manifestWrite: string[];
    /** The operator's `read` and `write` grants, resolved. */
    read: string[];
    write: string[];
  }
  | { ok: false; problems: string[] };

/**
 * Resolves what a plugin is granted: its folder and data folder (neither may hold a link that
 * leads out), the manifest's `write` entries (each must resolve inside its folder) and the
 * operator's extra `read` and `write` paths (resolved, so Deno is handed where they lead).
 */
export async function containPaths(
  plugin: string,
  dirs: { pluginDir: string; dataDir: string },
  manifestWrite: readonly string[],
  operator: { read: readonly string[]; write: readonly string[] },
  /** Walk the plugin's folder for links (off for a folder the plugin does not own). */
  scanPluginDir = true,
): Promise<ContainedPaths> {
  const pluginDir = await Deno.realPath(dirs.pluginDir);
  const dataDir = await realPathOf(dirs.dataDir);
  const problems: string[] = [];
  const roots = scanPluginDir
    ? [["folder", pluginDir], ["data folder", dataDir]] as const
    : [["data folder", dataDir]] as const;
  for (const [what, root] of roots) {
    for (const link of await escapingLinks(root)) {
      problems.push(
        `plugin "${plugin}": its ${what} holds a symlink that leads outside it: ${link}; ` +
          "remove the link (a plugin is granted its own folder, never what links point at)",
      );
    }
  }
  const write: string[] = [];
  for (const entry of manifestWrite) {
    const real = await realPathOf(join(pluginDir, entry));
    if (isInside(pluginDir, real)) write.push(real);
    else {
      problems.push(
        `plugin "${plugin}": manifest write entry "${entry}" resolves to ${real}, outside its ` +
          `folder ${pluginDir}`,
      );
    }
  }
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    pluginDir,
    dataDir,
    manifestWrite: write,
    read: await Promise.all(operator.read.map(realPathOf)),
    write: await Promise.all(operator.write.map(realPathOf)),
  };
}
