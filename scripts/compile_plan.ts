/**
 * What `deno task compile` builds: the host as one binary, and every TypeScript plugin as its
 * own binary with its sandbox baked in (`deno compile --allow-…`), plus a manifest that names
 * the binary, so the host runs it like any executable. Pure: the commands, not their running.
 */
import { join, resolve } from "node:path";
import type { HostConfig } from "../src/config/mod.ts";
import { HOST_PERMISSIONS } from "../src/host/mod.ts";
import { type FoundPlugin, launchPaths, NO_GRANTS, sandboxFlags } from "../src/supervisor/mod.ts";

export interface CompileStep {
  /** `deno` arguments. */
  args: string[];
  /** A manifest to write next to a plugin binary, with the file it goes to. */
  manifest?: { path: string; content: Record<string, unknown> };
}

export type CompilePlan = { steps: CompileStep[]; problems: string[] };

/**
 * The steps for the host and each plugin found. Plugin binaries go to
 * `<out>/plugins/<name>/<name>`, built for the folders `config` names (data, runtime): a
 * compiled plugin's permissions cannot change after the build.
 */
export function compilePlan(
  config: HostConfig,
  plugins: readonly FoundPlugin[],
  out: string,
  cwd: string,
): CompilePlan {
  const steps: CompileStep[] = [{
    args: [
      "compile",
      ...HOST_PERMISSIONS,
      "--include",
      "am.example.toml",
      "--output",
      join(out, "qntx-host"),
      "main.ts",
    ],
  }];
  const problems: string[] = [];
  for (const plugin of plugins) {
    if (plugin.kind !== "deno") continue;
    const dir = resolve(out, "plugins", plugin.name);
    // The same paths at every launch, so permissions baked in at build time still name them;
    // the other slot's too, where an upgrade starts a new version beside the running one.
    const sockets = launchPaths(resolve(cwd, config.plugin.runtimeDir), plugin.name, 0);
    const spare = launchPaths(resolve(cwd, config.plugin.runtimeDir), plugin.name, 1);
    const sandbox = sandboxFlags(
      plugin.name,
      plugin.manifest.permissions,
      config.plugin.grants[plugin.name] ?? NO_GRANTS,
      {
        pluginDir: dir,
        dataDir: resolve(cwd, config.plugin.dataDir, plugin.name),
        socket: sockets.socket,
        dataSocket: sockets.dataSocket,
        hostSockets: [sockets.hostSocket, spare.socket, spare.dataSocket, spare.hostSocket],
      },
    );
    if (!sandbox.ok) {
      problems.push(...sandbox.refused);
      continue;
    }
    const { entry: _entry, ...manifest } = plugin.manifest;
    // A build may fetch what it needs (Deno's runtime, for one); the binary it makes cannot.
    const flags = sandbox.flags.filter((flag) => flag !== "--cached-only");
    steps.push({
      args: ["compile", ...flags, "--output", join(dir, plugin.name), plugin.entry],
      manifest: {
        path: join(dir, "plugin.json"),
        content: { ...manifest, executable: plugin.name },
      },
    });
  }
  return { steps, problems };
}
