import { ENV_REFERENCE, stringOf } from "../plugin/mod.ts";

/**
 * A plugin's table as the wire carries it (`InitializeRequest.config`): scalars as strings,
 * lists and tables as JSON. Values `env:NAME` are read from the host's environment now, at
 * initialize; a missing variable fails naming the key and the variable, never a value.
 */
export function toWireConfig(
  plugin: string,
  values: Record<string, unknown>,
  env: Record<string, string>,
): Record<string, string> {
  const wire: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) {
    const reference = typeof value === "string" ? ENV_REFERENCE.exec(value) : null;
    if (reference) {
      const resolved = env[reference[1]!];
      if (resolved === undefined) {
        throw new Error(
          `plugin "${plugin}" setting "${key}" names environment variable ${
            reference[1]
          }, which is not set`,
        );
      }
      wire[key] = resolved;
    } else {
      wire[key] = stringOf(value);
    }
  }
  return wire;
}
