import { join } from "node:path";

/**
 * The private folder of one launch (`<runtime_dir>/plugins/<name>.<generation>`, 0700): the
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
}

/** The folder that holds every launch folder. */
export function launchRoot(runtimeDir: string): string {
  return join(runtimeDir, "plugins");
}

/** Makes a fresh, empty launch folder (a leftover of the same name is removed first). */
export async function makeLaunchFolder(
  runtimeDir: string,
  name: string,
  generation: number,
): Promise<LaunchFolder> {
  const root = launchRoot(runtimeDir);
  await Deno.mkdir(root, { recursive: true, mode: 0o700 });
  const dir = join(root, `${name}.${generation}`);
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  await Deno.mkdir(dir, { mode: 0o700 });
  // mkdir's mode is filtered by the umask; the folder must be the host's alone.
  await Deno.chmod(dir, 0o700);
  return {
    dir,
    socket: join(dir, "plugin.sock"),
    dataSocket: join(dir, "data.sock"),
    hostSocket: join(dir, "host.sock"),
  };
}

/** Removes a launch folder and what is in it; a folder already gone is fine. */
export async function removeLaunchFolder(folder: LaunchFolder): Promise<void> {
  await Deno.remove(folder.dir, { recursive: true }).catch(() => {});
}

/** The identity of a socket file (device and inode), to notice it being removed or replaced. */
export async function socketIdentity(path: string): Promise<string | undefined> {
  try {
    const info = await Deno.lstat(path);
    return info.isSocket ? `${info.dev}:${info.ino}` : undefined;
  } catch {
    return undefined;
  }
}
