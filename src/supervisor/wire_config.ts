import { envGrantProblem, envReference, stringOf } from "../plugin/mod.ts";
import { PermanentFailure } from "./plugin_connection.ts";
import type { SupervisorContext } from "./supervisor_context.ts";

/** Where a plugin's values, the host's environment and the plugin's grants come from. */
export type WireConfigSource = Pick<SupervisorContext, "pluginConfig" | "hostEnv" | "grants">;

/**
 * Plugin `plugin`'s table as the wire carries it (`InitializeRequest.config`): scalars as strings,
 * lists and tables as JSON. Values `env:NAME` are read from the host's environment now, at
 * initialize, and only for variables granted by name (`env` of `[plugin.grants.<plugin>]`). A
 * reference to any other variable, or to one that is not set, fails for good (a restart cannot
 * fix it; the operator must), naming the key and the variable, never a value.
 */
export function toWireConfig(plugin: string, source: WireConfigSource): Record<string, string> {
  const env = source.hostEnv;
  const granted = source.grants(plugin).env;
  const wire: Record<string, string> = {};
  for (const [key, value] of Object.entries(source.pluginConfig(plugin))) {
    const variable = envReference(value);
    if (variable === undefined) {
      wire[key] = stringOf(value);
      continue;
    }
    const setting = `plugin "${plugin}" setting "${key}"`;
    const refused = envGrantProblem(plugin, variable, granted);
    if (refused) throw new PermanentFailure(`${setting} ${refused}`);
    const resolved = env[variable];
    if (resolved === undefined) {
      throw new PermanentFailure(
        `${setting} names environment variable ${variable}, which is not set`,
      );
    }
    wire[key] = resolved;
  }
  return wire;
}
