import { join } from "node:path";

/**
 * The private folder of a plugin's launch (`<runtime_dir>/plugins/<name>`, 0700, made afresh for
 * each launch; one of two paths, so a compiled plugin's baked permissions name both): the
 * plugin's own sockets and the socket on which the host serves its services to this launch
 * alone. A plugin is granted its own three sockets and nothing else of the runtime folder, so
 * the worst it can do is break its own: no other plugin's socket, token or file is in reach.
 */
export interface LaunchFolder {
  dir: string;
  /** Where the plugin serves gRPC. */
  socket: string;
  /** Where the plugin serves its data channel. */
  dataSocket: string;
  /** Where the host serves attestations, jobs and schedules to this launch. */
  hostSocket: string;
  /** The folder's identity once made: a release removes only the folder it made. */
  id?: string;
}

/** The folder that holds every launch folder. */
export function launchRoot(runtimeDir: string): string {
  return join(runtimeDir, "plugins");
}

/**
 * A plugin has two launch slots: a process runs in one, and an upgrade starts the new version in
 * the other beside it (`<name>` and `<name>.next`; no plugin name has a dot, so no other plugin's
 * folder is either).
 */
export type LaunchSlot = 0 | 1;

/** The folder name of slot `slot` of plugin `name`. */
export function slotName(name: string, slot: LaunchSlot): string {
  return slot === 0 ? name : `${name}.next`;
}

/** Where plugin `name`'s launch folder and sockets are, in slot `slot`. */
export function launchPaths(runtimeDir: string, name: string, slot: LaunchSlot = 0): LaunchFolder {
  const dir = join(launchRoot(runtimeDir), slotName(name, slot));
  return {
    dir,
    socket: join(dir, "plugin.sock"),
    dataSocket: join(dir, "data.sock"),
    hostSocket: join(dir, "host.sock"),
  };
}

/**
 * Makes a fresh, empty launch folder (a leftover is removed first). The previous launch's folder
 * must have been released: its service server closed, so nothing of it touches the new one.
 */
export async function makeLaunchFolder(
  runtimeDir: string,
  name: string,
  slot: LaunchSlot,
): Promise<LaunchFolder> {
  await Deno.mkdir(launchRoot(runtimeDir), { recursive: true, mode: 0o700 });
  const folder = launchPaths(runtimeDir, name, slot);
  await Deno.remove(folder.dir, { recursive: true }).catch(() => {});
  await Deno.mkdir(folder.dir, { mode: 0o700 });
  // mkdir's mode is filtered by the umask; the folder must be the host's alone.
  await Deno.chmod(folder.dir, 0o700);
  const info = await Deno.stat(folder.dir);
  return { ...folder, id: `${info.dev}:${info.ino}` };
}

/** Removes a launch folder and what is in it, unless a later launch made it anew. */
export async function removeLaunchFolder(folder: LaunchFolder): Promise<void> {
  try {
    const info = await Deno.stat(folder.dir);
    if (folder.id !== undefined && `${info.dev}:${info.ino}` !== folder.id) return;
    await Deno.remove(folder.dir, { recursive: true });
  } catch {
    // already gone
  }
}

/** The identity of a socket file (device and inode), to notice it being removed or replaced. */
export function socketIdentity(path: string): string | undefined {
  try {
    // Synchronous: one syscall, called from health probes that a stopping host does not wait
    // for (an async one could outlive the host).
    const info = Deno.lstatSync(path);
    return info.isSocket ? `${info.dev}:${info.ino}` : undefined;
  } catch {
    return undefined;
  }
}
