import { join } from "node:path";

/**
 * Installed plugins in a search path `root`: each version unpacked once into
 * `.versions/<name>/<version>-<sha12>/` (QNTX's tree layout inside, with `.installed.sha256`),
 * and `<name>` a link to the version that runs, replaced atomically (a new link renamed over
 * the old). Discovery reads `<name>/` as any folder; a launch resolves the link to the real
 * folder before granting it. The version that ran before is kept for a rollback; older ones
 * are removed. Folder names start with a dot, which no plugin name has.
 */
export const VERSIONS = ".versions";
export const STAGING = ".staging";
/** Beside the files of an installed version: its archive's SHA-256 (sha256sum's format). */
export const INSTALLED_SHA256 = ".installed.sha256";
const RECORD = "installed.json";

/** What the tree holds for one plugin. */
export interface InstalledRecord {
  /** The version folder `<name>` links to (a name under `.versions/<name>/`). */
  current?: string;
  /** The one before, kept for a rollback. */
  previous?: string;
}

/** The folder of plugin `name`'s installed versions. */
export function versionsDir(root: string, name: string): string {
  return join(root, VERSIONS, name);
}

/** The folder name of one installed version. */
export function versionFolder(version: string, sha256: string): string {
  return `${version.replace(/[^A-Za-z0-9.+-]/g, "_")}-${sha256.slice(0, 12)}`;
}

/** The record of plugin `name`'s installed versions (empty when none was installed). */
export async function readRecord(root: string, name: string): Promise<InstalledRecord> {
  try {
    const value = JSON.parse(await Deno.readTextFile(join(versionsDir(root, name), RECORD)));
    const record: InstalledRecord = {};
    if (typeof value?.current === "string") record.current = value.current;
    if (typeof value?.previous === "string") record.previous = value.previous;
    return record;
  } catch {
    return {};
  }
}

/**
 * Makes `<root>/<name>` lead to the installed version `folder`, atomically, and records the one
 * it led to before as the previous. A plugin folder put there by hand is moved among the
 * versions first (as `local-<time>`), so it can be rolled back to. Versions other than the
 * current, the previous and `inUse` (folders a live process runs from) are removed. Returns
 * the new record.
 */
export async function switchTo(
  root: string,
  name: string,
  folder: string,
  inUse: readonly string[] = [],
): Promise<InstalledRecord> {
  const versions = versionsDir(root, name);
  const link = join(root, name);
  let previous = await currentFolder(root, name);
  const info = await Deno.lstat(link).catch(() => undefined);
  if (info && !info.isSymlink) {
    // A folder placed by hand: kept as a version of its own before the link takes its place.
    previous = `local-${Date.now()}`;
    await Deno.rename(link, join(versions, previous));
  }
  const temporary = join(root, `.${name}.link-${crypto.randomUUID().slice(0, 8)}`);
  await Deno.symlink(join(VERSIONS, name, folder), temporary);
  await Deno.rename(temporary, link);
  const record: InstalledRecord = { current: folder };
  if (previous && previous !== folder) record.previous = previous;
  else {
    const kept = (await readRecord(root, name)).previous;
    if (kept && kept !== folder) record.previous = kept;
  }
  await writeRecord(root, name, record);
  await prune(root, name, [record.current, record.previous, ...inUse]);
  return record;
}

/**
 * Removes an installed version nothing leads to (one an upgrade refused), unless it is the
 * current or previous one.
 */
export async function discardVersion(root: string, name: string, folder: string): Promise<void> {
  const record = await readRecord(root, name);
  if (folder === record.current || folder === record.previous) return;
  await Deno.remove(join(versionsDir(root, name), folder), { recursive: true }).catch(() => {});
}

/** The version folder `<root>/<name>` leads to now, if it is a link into the versions. */
export async function currentFolder(root: string, name: string): Promise<string | undefined> {
  try {
    const target = await Deno.readLink(join(root, name));
    const prefix = `${VERSIONS}/${name}/`;
    return target.startsWith(prefix) ? target.slice(prefix.length) : undefined;
  } catch {
    return undefined;
  }
}

async function writeRecord(root: string, name: string, record: InstalledRecord): Promise<void> {
  const file = join(versionsDir(root, name), RECORD);
  const temporary = `${file}.${crypto.randomUUID().slice(0, 8)}`;
  await Deno.writeTextFile(temporary, JSON.stringify(record, null, 2) + "\n");
  await Deno.rename(temporary, file);
}

/** Removes installed versions other than those kept. */
async function prune(root: string, name: string, kept: (string | undefined)[]): Promise<void> {
  const versions = versionsDir(root, name);
  const keep = new Set([...kept, RECORD]);
  for await (const entry of Deno.readDir(versions)) {
    if (keep.has(entry.name) || !entry.isDirectory) continue;
    await Deno.remove(join(versions, entry.name), { recursive: true }).catch(() => {});
  }
}
