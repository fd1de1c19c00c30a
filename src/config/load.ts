import { ConfigError } from "./errors.ts";
import { type HostConfig, parseHostConfig } from "./host_config.ts";

/** Where the configuration file is, and who said so. */
export interface ConfigLocation {
  path: string;
  /** `--config`, `QNTX_CONFIG`, or `default` for `./am.toml`. */
  from: "--config" | "QNTX_CONFIG" | "default";
}

/** The value of `--config <file>` or `--config=<file>` in `args`, if present. */
export function configFlag(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--config") return args[i + 1] ?? "";
    if (arg.startsWith("--config=")) return arg.slice("--config=".length);
  }
  return undefined;
}

/**
 * Which file to read: `--config`, else `QNTX_CONFIG`, else `./am.toml` when it exists, else
 * none (the built-in defaults).
 */
export function locateConfig(
  args: readonly string[],
  env: Record<string, string>,
  exists: (path: string) => boolean,
): ConfigLocation | undefined {
  const flag = configFlag(args);
  if (flag !== undefined) return { path: flag, from: "--config" };
  if (env.QNTX_CONFIG) return { path: env.QNTX_CONFIG, from: "QNTX_CONFIG" };
  return exists("am.toml") ? { path: "am.toml", from: "default" } : undefined;
}

export interface LoadOptions {
  args?: readonly string[];
  env?: Record<string, string>;
}

/**
 * Finds, reads and validates the host's configuration. Throws a {@link ConfigError} naming the
 * file for a file that was asked for but cannot be read, and for every invalid setting.
 */
export async function loadHostConfig(options: LoadOptions = {}): Promise<HostConfig> {
  const env = options.env ?? Deno.env.toObject();
  const location = locateConfig(options.args ?? [], env, fileExists);
  if (!location) return parseHostConfig("", "built-in defaults", env);
  if (location.path === "") {
    throw new ConfigError([{ source: "--config", key: "", problem: "expected a file path" }]);
  }
  let text: string;
  try {
    text = await Deno.readTextFile(location.path);
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound
      ? "the file does not exist"
      : error instanceof Error
      ? error.message
      : String(error);
    throw new ConfigError([{
      source: location.path,
      key: "",
      problem: `cannot read the configuration file named by ${location.from}: ${reason}`,
    }]);
  }
  return { ...parseHostConfig(text, location.path, env), file: location.path };
}

function fileExists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}
