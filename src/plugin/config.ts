/** The type of a configuration value a plugin declares. */
export type ConfigFieldType = "string" | "number" | "boolean" | "array";

/** One field of a plugin's configuration schema. */
export interface ConfigField {
  /** The type of the value; the host checks values against it. */
  type: ConfigFieldType;
  /** What the setting does, shown to operators. */
  description: string;
  /**
   * The value when the setting is unset, shown to operators; it lets a required field be left
   * unset. The SDK fills it in before `initialize` (a value the operator set arrives as text, a
   * default keeps its type: read settings with the typed getters).
   */
  defaultValue?: unknown;
  /** The setting must be set, unless it has a `defaultValue` (default false). */
  required?: boolean;
  /** Smallest allowed value of a `number`, or shortest length of an `array`. */
  minValue?: number;
  /** Largest allowed value of a `number`, or longest length of an `array`. */
  maxValue?: number;
  /** A regular expression the whole of a string value must match. */
  pattern?: string;
  /** Element type of an `array` field. */
  elementType?: Exclude<ConfigFieldType, "array">;
  /** A password, token or key: the host shows only whether it is set, never the value. */
  secret?: boolean;
}

/** A plugin's configuration schema: field name (dotted for nested keys) to field. */
export type ConfigSchema = Record<string, ConfigField>;

/** A plugin's configuration: its table of `am.toml` with environment overrides applied. */
export interface Config {
  /** The value as a string; `fallback` (default `""`) when unset. */
  getString(key: string, fallback?: string): string;
  /** The value as an integer; `fallback` (default 0) when unset or not an integer. */
  getInt(key: string, fallback?: number): number;
  /** The value as a finite number (decimals too); `fallback` (default 0) otherwise. */
  getNumber(key: string, fallback?: number): number;
  /** true/false, 1/0, yes/no, on/off in any case; `fallback` (default false) otherwise. */
  getBool(key: string, fallback?: boolean): boolean;
  /** A native list, a JSON array string or a comma-separated list; `[]` when unset. */
  getStringSlice(key: string): string[];
  /** The raw value, or undefined when unset. */
  get(key: string): unknown;
  /** Override a value at run time (not written to the file). */
  set(key: string, value: unknown): void;
  /** Every key, sorted. */
  getKeys(): string[];
}

/** Gives each domain its configuration. */
export interface ConfigProvider {
  /** The configuration of the plugin named `domain`. */
  getPluginConfig(domain: string): Config;
}
