/**
 * What the host itself runs with (`deno task start`, `deno compile`): it serves the network,
 * keeps its data, reads its configuration and spawns plugins. Plugins get far less (see the
 * supervisor's sandbox); the host never passes these on.
 */
export const HOST_PERMISSIONS: readonly string[] = [
  "--allow-net",
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-run",
  "--allow-sys",
];
