/**
 * `env:NAME` configuration values: a setting that names a variable of the host's environment
 * instead of holding its value. The host resolves one at Initialize, and only for a variable
 * the operator granted the plugin (`env` in `[plugin.grants.<name>]`), since a plugin could
 * otherwise read any secret of the host by naming it in its own settings.
 */

/** A configuration value that names an environment variable, read when a plugin starts. */
export const ENV_REFERENCE = /^env:([A-Za-z_][A-Za-z0-9_]*)$/;

/** The variable an `env:NAME` value names; undefined for any other value. */
export function envReference(value: unknown): string | undefined {
  return typeof value === "string" ? ENV_REFERENCE.exec(value)?.[1] : undefined;
}

/**
 * Why plugin `plugin` may not read `variable` through an `env:` setting, or undefined when
 * `granted` (its `[plugin.grants.<plugin>] env`) lists it. Names the line that would allow it;
 * never a value.
 */
export function envGrantProblem(
  plugin: string,
  variable: string,
  granted: readonly string[],
): string | undefined {
  if (granted.includes(variable)) return undefined;
  const list = [...granted, variable].map((name) => JSON.stringify(name)).join(", ");
  return `names environment variable ${variable}, which is not granted to plugin "${plugin}"; ` +
    `add env = [${list}] in [plugin.grants.${plugin}] to allow it`;
}
