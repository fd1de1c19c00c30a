/** A permission the sandbox refused a plugin, and the grant that would allow it. */
export interface PermissionDenial {
  /** Deno's name of the permission: read, write, net, env, run, ffi, sys, import. */
  permission: string;
  /** The path, host, variable or program asked for. */
  value: string;
  /** The `am.toml` lines that would allow it. */
  grant: string;
  /** One sentence for an operator. */
  detail: string;
}

const DENO_WORDS = /Requires (\w+) access to "([^"]*)"/;
/** Permissions a grant lists by value; the others leave the sandbox and need trust. */
const LISTED = new Set(["read", "write", "net", "env"]);

/**
 * What the sandbox refused, when `error` is Deno's refusal (`NotCapable`): the permission, what
 * was asked for and the grant in `am.toml` that allows it, in place of Deno's advice to run again
 * with `--allow-*`, which a plugin cannot follow.
 */
export function permissionDenial(error: unknown, plugin: string): PermissionDenial | undefined {
  if (!(error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied)) {
    return undefined;
  }
  const match = error.message.match(DENO_WORDS);
  if (!match) return undefined;
  const [, permission, value] = match as unknown as [string, string, string];
  const table = `[plugin.grants.${plugin}]`;
  const grant = LISTED.has(permission)
    ? `${table}\n${permission} = [${JSON.stringify(value)}]`
    : `${table}\ntrusted = true`;
  const how = LISTED.has(permission)
    ? "grant it in am.toml"
    : "only a trusted plugin may, which lifts its sandbox; if you trust it";
  return {
    permission,
    value,
    grant,
    detail: `plugin "${plugin}" was refused ${permission} access to "${value}" by its sandbox; ` +
      `${how}: ${grant.replace("\n", " ")}`,
  };
}
