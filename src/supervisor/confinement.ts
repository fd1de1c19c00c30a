/**
 * The wall around a plugin process, below Deno's permissions: bubblewrap gives the process a
 * view of the filesystem that holds the system's folders read-only and only what the plugin
 * needs of the host (its own folder, its data folder, its launch folder), a private `/tmp`,
 * its own PID namespace and no capabilities, and kills it when the host dies. The network stays
 * shared: QNTX programs serve TCP on `--port`, and the host must reach them.
 *
 * Foreign executables have no other wall. SDK plugins have Deno's permissions too, but Deno
 * does not check module imports against them (a plugin could `import()` any JSON or text file),
 * so they are confined as well wherever bubblewrap is installed.
 */

/** One mount of the view, applied in order (a later mount covers an earlier one). */
export type Mount =
  | { kind: "ro"; path: string }
  | { kind: "rw"; path: string }
  /** An empty folder in place of a folder that must not be seen. */
  | { kind: "hide-dir"; path: string }
  /** An empty file in place of a file that must not be seen. */
  | { kind: "hide-file"; path: string };

/** The system's folders every program needs, read-only; absent ones are skipped. */
export const SYSTEM_PATHS: readonly string[] = [
  "/usr",
  "/bin",
  "/sbin",
  "/lib",
  "/lib32",
  "/lib64",
  "/libx32",
  // Of /etc only what programs need to link, resolve names and check certificates: never
  // passwd, shadow or the machine's own configuration.
  "/etc/ld.so.cache",
  "/etc/ld.so.conf",
  "/etc/ld.so.conf.d",
  "/etc/alternatives",
  "/etc/ssl",
  "/etc/ca-certificates",
  "/etc/resolv.conf",
  "/etc/hosts",
  "/etc/host.conf",
  "/etc/nsswitch.conf",
  "/etc/gai.conf",
  "/etc/localtime",
  "/etc/protocols",
  "/etc/services",
  "/etc/mime.types",
];

/** The bubblewrap arguments that run `program` with `args` inside the view. */
export function bwrapArgs(
  mounts: readonly Mount[],
  cwd: string,
  program: string,
  args: readonly string[],
): string[] {
  const out = [
    "--die-with-parent",
    "--unshare-pid",
    "--unshare-ipc",
    "--unshare-uts",
    "--unshare-cgroup-try",
    "--cap-drop",
    "ALL",
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    "--tmpfs",
    "/tmp",
  ];
  for (const path of SYSTEM_PATHS) out.push("--ro-bind-try", path, path);
  for (const mount of mounts) {
    switch (mount.kind) {
      case "ro":
        out.push("--ro-bind", mount.path, mount.path);
        break;
      case "rw":
        out.push("--bind", mount.path, mount.path);
        break;
      case "hide-dir":
        out.push("--tmpfs", mount.path);
        break;
      case "hide-file":
        out.push("--ro-bind", "/dev/null", mount.path);
        break;
    }
  }
  out.push("--chdir", cwd, "--", program, ...args);
  return out;
}

/**
 * `setpriv --pdeathsig KILL -- program args`: an unconfined process that still dies with the
 * host, even by SIGKILL. The signal is tied to the thread that spawned it; Deno spawns on its
 * main thread, which lives as long as the host.
 */
export function parentDeathArgs(program: string, args: readonly string[]): string[] {
  return ["--pdeathsig", "KILL", "--", program, ...args];
}
