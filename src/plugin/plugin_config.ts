import type { Config } from "./config.ts";
import type { Logger } from "./logger.ts";
import { parseBool, parseInteger, parseNumber, parseStringList, stringOf } from "./values.ts";

/**
 * One plugin's configuration: its table of `am.toml` (dotted keys), overrides from the
 * environment already applied, plus run-time `set` values. A value that does not read as the
 * type asked for gives the fallback and a warning naming the plugin and the key.
 */
export class PluginConfig implements Config {
  readonly #values: Map<string, unknown>;

  constructor(
    readonly domain: string,
    values: Record<string, unknown>,
    readonly logger?: Logger,
  ) {
    this.#values = new Map(Object.entries(values));
  }

  getString(key: string, fallback = ""): string {
    const value = this.#values.get(key);
    return value === undefined ? fallback : stringOf(value);
  }

  getInt(key: string, fallback = 0): number {
    return this.#read(key, fallback, parseInteger, "an integer");
  }

  getNumber(key: string, fallback = 0): number {
    return this.#read(key, fallback, parseNumber, "a number");
  }

  getBool(key: string, fallback = false): boolean {
    return this.#read(key, fallback, parseBool, "true or false");
  }

  getStringSlice(key: string): string[] {
    return this.#read(key, [], parseStringList, "a list of strings");
  }

  get(key: string): unknown {
    return this.#values.get(key);
  }

  set(key: string, value: unknown): void {
    this.#values.set(key, value);
  }

  getKeys(): string[] {
    return [...this.#values.keys()].sort();
  }

  /** Every value, for handing the whole table on (to a plugin process, to the API). */
  toRecord(): Record<string, unknown> {
    return Object.fromEntries(this.#values);
  }

  #read<T>(key: string, fallback: T, parse: (value: unknown) => T | undefined, as: string): T {
    const value = this.#values.get(key);
    if (value === undefined) return fallback;
    const parsed = parse(value);
    if (parsed !== undefined) return parsed;
    this.logger?.warn(
      `plugin "${this.domain}" setting "${key}" does not read as ${as}; using the default`,
      { plugin: this.domain, key, default: fallback },
    );
    return fallback;
  }
}
