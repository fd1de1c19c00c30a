import { isTable } from "./flatten.ts";
import { HOST_SECTIONS, type HostSection, leafKeys } from "./schema.ts";
import type { ConfigIssue } from "./errors.ts";

/** Environment variables that are not overrides of a setting. */
const NOT_OVERRIDES = new Set(["QNTX_CONFIG"]);

const PREFIX = "QNTX_";

/** The result of applying `QNTX_<SECTION>_<KEY>` variables to a parsed file. */
export interface EnvOverrides {
  /** Dotted key (`server.port`, `biotech.reference_genome`) to the variable that set it. */
  origins: Map<string, string>;
  issues: ConfigIssue[];
  warnings: string[];
}

function envName(key: string): string {
  return key.replace(/[.-]/g, "_").toUpperCase();
}

/**
 * Applies `QNTX_<SECTION>_<KEY>` variables to `host` (the host's sections, nested) and `plugins`
 * (each plugin's flattened table), in place. The section is the longest known one whose name
 * prefixes the variable; within it, a key is matched against the known keys with dots and
 * dashes read as underscores, so `QNTX_PLUGIN_WEBSOCKET_KEEPALIVE_ENABLED` reaches
 * `plugin.websocket.keepalive.enabled`. An unmatched key of a plugin's section is taken
 * lower-cased; of a host section it is an error, since it can only be a typo. Empty variables
 * are ignored.
 */
export function applyEnvOverrides(
  host: Record<string, unknown>,
  plugins: Record<string, Record<string, unknown>>,
  enabled: readonly string[],
  env: Record<string, string>,
): EnvOverrides {
  const result: EnvOverrides = { origins: new Map(), issues: [], warnings: [] };
  const sections = [
    ...new Set([...Object.keys(HOST_SECTIONS), ...Object.keys(plugins), ...enabled]),
  ]
    .sort((a, b) => b.length - a.length);
  for (const variable of Object.keys(env).sort()) {
    // An empty variable counts as unset, as shells make it easy to blank one (`QNTX_X= cmd`).
    if (!variable.startsWith(PREFIX) || NOT_OVERRIDES.has(variable) || env[variable] === "") {
      continue;
    }
    const rest = variable.slice(PREFIX.length);
    const section = sections.find((name) => rest.startsWith(`${envName(name)}_`));
    if (section === undefined) {
      result.warnings.push(`environment ${variable} ignored: no section of am.toml matches it`);
      continue;
    }
    const keyPart = rest.slice(envName(section).length + 1);
    const value = env[variable]!;
    if (section in HOST_SECTIONS) {
      const key = leafKeys(HOST_SECTIONS[section as HostSection]).find((known) =>
        envName(known) === keyPart
      );
      if (key === undefined) {
        result.issues.push({
          source: `environment ${variable}`,
          key: `${section}.${keyPart.toLowerCase()}`,
          problem: `[${section}] has no such setting`,
        });
        continue;
      }
      setNested(host, [section, ...key.split(".")], value);
      result.origins.set(`${section}.${key}`, variable);
    } else {
      const table = plugins[section] ??= {};
      const key = Object.keys(table).find((known) => envName(known) === keyPart) ??
        keyPart.toLowerCase();
      table[key] = value;
      result.origins.set(`${section}.${key}`, variable);
    }
  }
  return result;
}

function setNested(root: Record<string, unknown>, path: string[], value: unknown): void {
  let table = root;
  for (const key of path.slice(0, -1)) {
    const next = table[key];
    if (!isTable(next)) table[key] = {};
    table = table[key] as Record<string, unknown>;
  }
  table[path.at(-1)!] = value;
}
