import { permissionDenial } from "./permission_denial.ts";

/**
 * Stack frames that are not the plugin's own: the SDK (its sources, or the bundle a host starts
 * plugins from: `<runtime_dir>/sdk-bundle/`), dependencies, the runtime.
 */
const NOT_THE_PLUGINS = /\/src\/sdk\/|\/sdk-bundle\/|\/node_modules\/|^(ext|node|deno):|^native$/;
const FRAME = /^\s*at (?:.*? \()?((?:file|ext|node|deno):[^)]*?|native):(\d+):(\d+)\)?$/;

/**
 * Where in the plugin's own code `error` was thrown, as `main.ts:12:9` (a path under the folder
 * it runs in, else the whole path): the first frame of its stack outside the SDK and its
 * dependencies. Undefined when the stack has none.
 */
export function thrownAt(error: unknown, cwd = Deno.cwd()): string | undefined {
  const stack = error instanceof Error ? error.stack ?? "" : "";
  for (const line of stack.split("\n").slice(1)) {
    const match = line.match(FRAME);
    if (!match || NOT_THE_PLUGINS.test(match[1]!)) continue;
    // Plain string work: node:path and node:url would cost a plugin ~10 ms of start-up.
    const file = match[1]!.startsWith("file:")
      ? decodeURIComponent(new URL(match[1]!).pathname)
      : match[1]!;
    const shown = file.startsWith(`${cwd}/`) ? file.slice(cwd.length + 1) : file;
    return `${shown}:${match[2]}:${match[3]}`;
  }
  return undefined;
}

/**
 * A thrown value as one line for the host: `TypeError: x is not a function (at main.ts:12:9)`.
 * A sandbox refusal names the grant that allows it, not Deno's `--allow-*` advice.
 */
export function describeThrown(error: unknown, cwd?: string, plugin?: string): string {
  const denied = plugin ? permissionDenial(error, plugin) : undefined;
  const text = denied
    ? `${denied.detail}`
    : error instanceof Error
    ? `${error.name}: ${error.message}`
    : String(error);
  const at = thrownAt(error, cwd);
  return at ? `${text} (at ${at})` : text;
}
