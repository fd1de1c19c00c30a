/**
 * Names a plugin may not take because host routes live there (`/api/<name>`, `/<name>-ws`).
 */
export const RESERVED_NAMES: ReadonlySet<string> = new Set([
  "api",
  "assets",
  "attestations",
  "config",
  "console",
  "events",
  "health",
  "healthz",
  "host",
  "metrics",
  "plugins",
  "pulse",
  "schedules",
  "static",
  "ws",
]);

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
  if (RESERVED_NAMES.has(name)) {
    return `the name is reserved for the host's own routes (/api/${name})`;
  }
  return undefined;
}
