import { basename, dirname, resolve } from "node:path";
import { discoverPlugin, type FoundPlugin } from "../supervisor/mod.ts";

/** A plugin to check, and how to start it as QNTX's host does: its program, then `--port <n>`. */
export interface Target {
  /** The name the plugin must give in `Metadata`. */
  name: string;
  found: FoundPlugin;
  /** A line for the report: what was found and how it runs. */
  describe: string;
  /** The command line of one launch serving on `port`, with `extra` arguments after it. */
  command(port: number, extra: readonly string[]): { command: string; args: string[] };
}

/** How a TypeScript plugin folder is run here: `deno` and the project's configuration. */
export interface DenoRuntime {
  execPath: string;
  denoConfig: string;
}

const PROGRAM = /^qntx-(.+?)(-plugin)?$/;

/**
 * Finds the plugin at `path`, as the host would find it: a program (`qntx-<name>-plugin`, the
 * name taken from the file), a folder in QNTX's tree layout (`<name>/qntx-<name>-plugin`) or a
 * plugin folder with a `plugin.json`. Throws an error naming what was looked for.
 */
export async function findTarget(
  path: string,
  runtime: DenoRuntime,
  cwd = Deno.cwd(),
): Promise<Target> {
  const absolute = resolve(cwd, path);
  const info = await Deno.stat(absolute).catch(() => {
    throw new Error(`${absolute} does not exist`);
  });
  const name = info.isDirectory
    ? basename(absolute)
    : basename(absolute).match(PROGRAM)?.[1] ?? basename(absolute);
  // A folder is looked up in its parent, as a search path holds it; a program in its own folder.
  const discovery = await discoverPlugin(name, [dirname(absolute)], cwd);
  if (!discovery.ok) throw new Error(discovery.problem);
  const found = discovery.plugin;
  if (!info.isDirectory && found.kind === "qntx-executable" && found.executable !== absolute) {
    throw new Error(
      `${absolute} is not where the host would find plugin "${name}" (it would run ` +
        `${found.executable}); name the program qntx-${name}-plugin`,
    );
  }
  return { name, found, describe: describe(found), command: commandOf(found, runtime) };
}

function describe(found: FoundPlugin): string {
  switch (found.kind) {
    case "qntx-executable":
      return `program ${found.executable}${found.tree ? " (QNTX's tree layout)" : ""}`;
    case "sdk-executable":
      return `compiled SDK plugin ${found.executable}`;
    case "deno":
      return `TypeScript plugin ${found.entry} (deno run, all permissions)`;
  }
}

function commandOf(found: FoundPlugin, runtime: DenoRuntime): Target["command"] {
  return (port, extra) => {
    const args = ["--port", String(port), ...extra];
    if (found.kind !== "deno") return { command: found.executable, args };
    // The check is of the protocol, not of the sandbox: the plugin gets what its author has.
    return {
      command: runtime.execPath,
      args: [
        "run",
        "--allow-all",
        "--no-prompt",
        "--quiet",
        "--config",
        runtime.denoConfig,
        found.entry,
        ...args,
      ],
    };
  };
}
