import { join } from "node:path";
import { parse as parseToml } from "smol-toml";
import { flattenTable, isTable } from "./flatten.ts";

/** What QNTX's per-plugin file `~/.qntx/plugins/<name>.toml` says of one plugin. */
export interface PluginFile {
  path: string;
  /** Its `[config]` table, nested keys dotted as in `am.toml`. */
  config: Record<string, unknown>;
  /** `enabled = false` keeps the plugin off, whatever `[plugin] enabled` lists. */
  enabled?: boolean;
  /** What in the file was not taken, each naming the key and why. */
  problems: string[];
}

const MAX_BYTES = 64 * 1024;
const KNOWN = new Set(["name", "enabled", "config"]);

/** Where QNTX keeps plugin `name`'s own file, under `home`. */
export function pluginFilePath(home: string, name: string): string {
  return join(home, ".qntx", "plugins", `${name}.toml`);
}

/**
 * Reads QNTX's per-plugin file for `name` under `home`, if there is one: its `[config]` (the
 * plugin's settings, under those of `am.toml`'s `[<name>]`) and `enabled`. A file that cannot
 * be read or parsed, or is over 64 KiB, is a problem naming it; it never stops the host.
 * Read synchronously: a small file, read when a plugin starts or its settings are asked for.
 */
export function readPluginFile(home: string | undefined, name: string): PluginFile | undefined {
  if (!home) return undefined;
  const path = pluginFilePath(home, name);
  let text: string;
  try {
    const info = Deno.lstatSync(path);
    if (!info.isFile) return undefined;
    if (info.size > MAX_BYTES) {
      return { path, config: {}, problems: [`${path} is over ${MAX_BYTES} bytes; ignored`] };
    }
    text = Deno.readTextFileSync(path);
  } catch {
    return undefined;
  }
  let table: Record<string, unknown>;
  try {
    table = parseToml(text) as Record<string, unknown>;
  } catch (error) {
    return {
      path,
      config: {},
      problems: [`${path} is not valid TOML (${(error as Error).message}); ignored`],
    };
  }
  const problems: string[] = [];
  for (const key of Object.keys(table)) {
    if (!KNOWN.has(key)) {
      problems.push(`${path}: "${key}" is not read (only name, enabled, [config])`);
    }
  }
  if (table.name !== undefined && table.name !== name) {
    return {
      path,
      config: {},
      problems: [`${path} names the plugin "${String(table.name)}", not "${name}"; ignored`],
    };
  }
  const file: PluginFile = { path, config: {}, problems };
  if (table.enabled !== undefined) {
    if (typeof table.enabled === "boolean") file.enabled = table.enabled;
    else problems.push(`${path}: enabled must be true or false`);
  }
  if (table.config !== undefined) {
    if (isTable(table.config)) file.config = flattenTable(table.config);
    else problems.push(`${path}: config must be a table ([config])`);
  }
  return file;
}
