import { dirname, join } from "node:path";
import { type ConfigSchema, ENV_REFERENCE, envGrantProblem, envReference } from "../plugin/mod.ts";
import { nameProblem } from "../registry/mod.ts";
import { ConfigError } from "./errors.ts";
import { type HostConfig, parseHostConfig } from "./host_config.ts";
import { type FieldErrors, validateConfig } from "./schema_validation.ts";
import { setTableValues } from "./toml_edit.ts";
import { type PluginFile, readPluginFile } from "./plugin_file.ts";

/** What shows in place of a secret's value. */
export const MASK = "********";

/** What a reload of the file changed, for the host to act on. */
export interface ConfigChange {
  enabled: string[];
  disabled: string[];
  /** Plugins whose table changed (values as the plugin gets them). */
  reconfigured: string[];
  /** Plugins whose `[plugin.grants.<name>]` changed; each one's next start has them. */
  grants: string[];
  /** Host sections that changed (grants apart); they take effect at the next start. */
  hostSections: string[];
}

/** A key of `[plugin.grants.<name>]`. */
export type GrantKey = keyof HostConfig["plugin"]["grants"][string];

/** The outcome of an update of a plugin's table. */
export type UpdateResult =
  | { ok: true; values: Record<string, unknown>; written: boolean }
  | { ok: false; errors: FieldErrors };

function same(a: unknown, b: unknown): boolean {
  const text = (value: unknown) =>
    JSON.stringify(value, (_key, v) => typeof v === "bigint" ? Number(v) : v);
  return text(a) === text(b);
}

/** A plugin's values for display: secrets masked (`env:NAME` references are shown as such). */
export function maskSecrets(
  values: Record<string, unknown>,
  schema: ConfigSchema,
): Record<string, unknown> {
  const shown: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    const reference = typeof value === "string" && ENV_REFERENCE.test(value);
    shown[key] = schema[key]?.secret && !reference && value !== "" ? MASK : value;
  }
  return shown;
}

/**
 * The configuration the host runs with, and the file it came from. Plugin tables can be
 * changed (validated against the plugin's schema, written atomically with the operator's
 * comments kept) and the file read again after a hand edit; an invalid file never replaces
 * the running configuration.
 */
export class LiveConfig {
  #current: HostConfig;

  constructor(
    initial: HostConfig,
    readonly env: Record<string, string>,
    /** Where an update writes when the host started without a file. */
    readonly defaultPath = "am.toml",
  ) {
    this.#current = initial;
  }

  get current(): HostConfig {
    return this.#current;
  }

  /** The file updates go to. */
  get path(): string {
    return this.#current.file ?? this.defaultPath;
  }

  /**
   * Plugin `name`'s settings: its `[<name>]` table, over the `[config]` of QNTX's
   * `~/.qntx/plugins/<name>.toml` when there is one (the operator's `am.toml` wins).
   */
  pluginValues(name: string): Record<string, unknown> {
    const file = readPluginFile(this.env.HOME, name);
    const own = this.#current.plugins[name] ?? {};
    return file ? { ...file.config, ...own } : own;
  }

  /** QNTX's per-plugin file `~/.qntx/plugins/<name>.toml`, when there is one. */
  pluginFile(name: string): PluginFile | undefined {
    return readPluginFile(this.env.HOME, name);
  }

  /**
   * Applies `changes` (a value, or null to remove the key) to plugin `name`'s table. Checks
   * the result against `schema` and the plugin's grants (an `env:NAME` value only for a
   * variable in its `[plugin.grants.<name>] env`) and refuses it with an error per field,
   * writing nothing; a secret sent back masked is left as it was. With `dryRun`, checks only.
   * Throws a {@link ConfigError} for a name no plugin can have (`server` is the host's table).
   */
  async updatePlugin(
    name: string,
    changes: Record<string, unknown>,
    schema: ConfigSchema,
    dryRun = false,
  ): Promise<UpdateResult> {
    const notPlugin = nameProblem(name);
    if (notPlugin) {
      throw new ConfigError([{
        source: this.path,
        key: name,
        problem: `not a plugin's table (${notPlugin}); nothing was written`,
      }]);
    }
    const current = this.pluginValues(name);
    const wanted: Record<string, unknown> = {};
    const errors: FieldErrors = {};
    for (const [key, value] of Object.entries(changes)) {
      if (schema[key]?.secret && value === MASK) continue;
      if (typeof value === "object" && value !== null && !Array.isArray(value)) {
        errors[key] = "expected a string, number, boolean or list (nested keys are dotted)";
        continue;
      }
      if (
        Array.isArray(value) &&
        value.some((item) => typeof item === "object" && item !== null)
      ) {
        errors[key] = "a list holds strings, numbers or booleans";
        continue;
      }
      wanted[key] = value;
    }
    const merged = { ...current };
    for (const [key, value] of Object.entries(wanted)) {
      if (value === null) delete merged[key];
      else merged[key] = value;
    }
    for (const [key, problem] of Object.entries(validateConfig(schema, merged))) {
      errors[key] ??= problem;
    }
    // A plugin may read through its settings only the variables it could read itself.
    const granted = this.#current.plugin.grants[name]?.env ?? [];
    for (const [key, value] of Object.entries(merged)) {
      const variable = envReference(value);
      const refused = variable === undefined ? undefined : envGrantProblem(name, variable, granted);
      if (refused) errors[key] ??= refused;
    }
    if (Object.keys(errors).length > 0) return { ok: false, errors };

    const text = await this.#read();
    const edited = setTableValues(text, name, wanted);
    const next = parseHostConfig(edited, this.path, this.env);
    // An environment variable overrides the file: writing the key would change nothing.
    for (const [key, value] of Object.entries(wanted)) {
      const got = next.plugins[name]?.[key];
      if (value === null ? got !== undefined : !same(got, value)) {
        errors[key] = `set by the environment (QNTX_${name.toUpperCase().replaceAll("-", "_")}_${
          key.toUpperCase().replaceAll(".", "_")
        }), which overrides the file`;
      }
    }
    if (Object.keys(errors).length > 0) return { ok: false, errors };
    if (dryRun) return { ok: true, values: next.plugins[name] ?? {}, written: false };
    await writeAtomically(this.path, edited);
    this.#current = { ...next, file: this.path };
    return { ok: true, values: next.plugins[name] ?? {}, written: true };
  }

  /**
   * Sets one key of plugin `name`'s grants (`[plugin.grants.<name>]`: an approval, a grant by
   * name; null removes it), touching only that line of the file, written atomically, and
   * adopts the result at once: the plugin's next start has it. Throws a {@link ConfigError},
   * writing nothing, when the file would not read back with that value (it defines the table
   * in a way that cannot be extended, or an environment variable overrides the key).
   */
  async updateGrant(name: string, key: GrantKey, value: unknown): Promise<void> {
    const table = `plugin.grants.${name}`;
    const refused = (problem: string) =>
      new ConfigError([{ source: this.path, key: `${table}.${key}`, problem }]);
    let edited: string;
    try {
      edited = setTableValues(await this.#read(), table, { [key]: value });
    } catch (error) {
      throw refused((error as Error).message);
    }
    const next = parseHostConfig(edited, this.path, this.env);
    if (!same(next.plugin.grants[name]?.[key], value ?? undefined)) {
      throw refused(
        "would not read back as written (an environment variable may override it); " +
          "nothing was written",
      );
    }
    await writeAtomically(this.path, edited);
    this.#current = { ...next, file: this.path };
  }

  /**
   * Reads the file again, checking each enabled plugin's table with `check` (its schema).
   * Returns what changed, or throws a `ConfigError` naming every problem, in which case the
   * running configuration stays.
   */
  async reload(
    check: (plugin: string, values: Record<string, unknown>) => FieldErrors = () => ({}),
  ): Promise<ConfigChange> {
    const next = { ...parseHostConfig(await this.#read(), this.path, this.env), file: this.path };
    const issues = next.plugin.enabled.flatMap((plugin) =>
      Object.entries(check(plugin, next.plugins[plugin] ?? {})).map(([key, problem]) => ({
        source: this.path,
        key: `${plugin}.${key}`,
        problem,
      }))
    );
    if (issues.length > 0) throw new ConfigError(issues);
    const before = this.#current;
    const was = new Set(before.plugin.enabled);
    const now = new Set(next.plugin.enabled);
    const names = new Set([...Object.keys(before.plugins), ...Object.keys(next.plugins)]);
    const change: ConfigChange = {
      enabled: [...now].filter((name) => !was.has(name)),
      disabled: [...was].filter((name) => !now.has(name)),
      reconfigured: [...names].filter((name) =>
        now.has(name) && was.has(name) && !same(before.plugins[name], next.plugins[name])
      ),
      grants: [
        ...new Set([...Object.keys(before.plugin.grants), ...Object.keys(next.plugin.grants)]),
      ].filter((name) => !same(before.plugin.grants[name], next.plugin.grants[name])),
      hostSections: (["server", "plugin", "database", "pulse"] as const).filter((section) =>
        !same(
          section === "plugin" ? { ...before.plugin, enabled: [], grants: {} } : before[section],
          section === "plugin" ? { ...next.plugin, enabled: [], grants: {} } : next[section],
        )
      ),
    };
    this.#current = next;
    return change;
  }

  async #read(): Promise<string> {
    try {
      return await Deno.readTextFile(this.path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return "";
      throw error;
    }
  }
}

/**
 * Replaces a file's content in one step: the new text goes to a temporary file beside it,
 * is flushed to disk, and is renamed over the old one, so a crash leaves either version whole.
 * The file's permissions are kept.
 */
export async function writeAtomically(path: string, text: string): Promise<void> {
  const mode = await Deno.stat(path).then((info) => info.mode ?? 0o644, () => 0o644);
  const temporary = join(dirname(path), `.${crypto.randomUUID()}.tmp`);
  const file = await Deno.open(temporary, { write: true, createNew: true, mode: mode & 0o777 });
  try {
    const bytes = new TextEncoder().encode(text);
    let written = 0;
    while (written < bytes.length) written += await file.write(bytes.subarray(written));
    await file.sync();
  } catch (error) {
    file.close();
    await Deno.remove(temporary).catch(() => {});
    throw error;
  }
  file.close();
  try {
    await Deno.rename(temporary, path);
  } catch (error) {
    await Deno.remove(temporary).catch(() => {});
    throw error;
  }
}
