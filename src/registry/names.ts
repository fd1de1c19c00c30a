/**
 * Names a plugin may not take because host routes live there (`/api/<name>`, `/<name>-ws`).
 */
export const RESERVED_NAMES: ReadonlySet<string> = new Set([
  "api",
  "assets",
  "attestations",
  "ax",
  "audit",
  "login",
  "config",
  "console",
  "events",
  "glyphs",
  "health",
  "healthz",
  "host",
  "hosts",
  "metrics",
  "plugins",
  "providers",
  "pulse",
  "routes",
  "schedules",
  "static",
  "ws",
]);

/**
 * The top-level tables of `am.toml` that belong to the host. A plugin's settings live in the
 * table of its name, so a plugin named after one of these would read (and, through the API,
 * write) the host's own settings. `auth` is held for the host's credentials. The host's
 * configuration schema can only name sections listed here (src/config/schema.ts checks it).
 */
export const HOST_TABLES = ["server", "plugin", "database", "pulse", "auth"] as const;

/** A top-level table of `am.toml` that belongs to the host. */
export type HostTable = typeof HOST_TABLES[number];

const HOST_TABLE_SET: ReadonlySet<string> = new Set(HOST_TABLES);

const NAME_SHAPE = /^[a-z0-9][a-z0-9-]*$/;
const MAX_NAME_LENGTH = 63;

/** Why `name` cannot be a plugin's name, or undefined when it can. */
export function nameProblem(name: string): string | undefined {
  if (name === "") return "the name is empty";
  if (name.length > MAX_NAME_LENGTH) {
    return `the name is ${name.length} characters long; the limit is ${MAX_NAME_LENGTH}`;
  }
  if (!NAME_SHAPE.test(name)) {
    return "a name must match [a-z0-9][a-z0-9-]* (lower-case letters, digits and dashes)";
  }
  if (HOST_TABLE_SET.has(name)) {
    return `the name is reserved: [${name}] is the host's own table in am.toml, not a plugin's; ` +
      `give the plugin another name`;
  }
  if (RESERVED_NAMES.has(name)) {
    return `the name is reserved for the host's own routes (/api/${name})`;
  }
  return undefined;
}
