/**
 * Permissive readings of configuration values that may arrive as TOML values or as strings
 * (environment variables, the wire's string map). Pure functions, shared by the host's
 * settings and by each plugin's {@link Config}.
 */

const TRUE_WORDS = new Set(["true", "1", "yes", "on"]);
const FALSE_WORDS = new Set(["false", "0", "no", "off"]);

/** true/false, 1/0, yes/no, on/off in any case; undefined for anything else. */
export function parseBool(value: unknown): boolean | undefined {
  if (typeof value === "boolean") return value;
  if (typeof value === "number") return value === 1 ? true : value === 0 ? false : undefined;
  if (typeof value !== "string") return undefined;
  const word = value.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  return undefined;
}

/** An integer from a number or a decimal string; undefined for anything else. */
export function parseInteger(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isSafeInteger(value) ? value : undefined;
  if (typeof value === "bigint") {
    return value >= Number.MIN_SAFE_INTEGER && value <= Number.MAX_SAFE_INTEGER
      ? Number(value)
      : undefined;
  }
  if (typeof value !== "string" || !/^\s*[+-]?\d+\s*$/.test(value)) return undefined;
  const parsed = Number(value);
  return Number.isSafeInteger(parsed) ? parsed : undefined;
}

/** A finite number from a number or a decimal string; undefined for anything else. */
export function parseNumber(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value !== "string" || value.trim() === "") return undefined;
  const parsed = Number(value.trim());
  return Number.isFinite(parsed) ? parsed : undefined;
}

/**
 * A list of strings from a native list, a JSON array string, or a comma-separated list
 * (blank items dropped); undefined for anything else.
 */
export function parseStringList(value: unknown): string[] | undefined {
  if (Array.isArray(value)) return value.map((item) => stringOf(item));
  if (typeof value !== "string") return undefined;
  const text = value.trim();
  if (text.startsWith("[")) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (Array.isArray(parsed)) return parsed.map((item) => stringOf(item));
    } catch {
      // not JSON: read it as a comma list below
    }
  }
  return text.split(",").map((item) => item.trim()).filter((item) => item !== "");
}

/** A value as text: strings as they are, lists and tables as JSON. */
export function stringOf(value: unknown): string {
  if (typeof value === "string") return value;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "object" && value !== null) return JSON.stringify(value);
  return String(value);
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** Milliseconds from a duration such as `250ms`, `5s`, `1.5m` or `2h`; undefined otherwise. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value !== "string") return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*$/.exec(value);
  if (!match) return undefined;
  return Math.round(Number(match[1]) * DURATION_UNITS[match[2]!]!);
}

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1_000,
  mb: 1_000_000,
  gb: 1_000_000_000,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

/** Bytes from an integer or a size such as `512KiB`, `16MiB` or `1GB`; undefined otherwise. */
export function parseSize(value: unknown): number | undefined {
  const bytes = parseInteger(value);
  if (bytes !== undefined) return bytes;
  if (typeof value !== "string") return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmg]i?b|b)\s*$/i.exec(value);
  if (!match) return undefined;
  return Math.round(Number(match[1]) * SIZE_UNITS[match[2]!.toLowerCase()]!);
}
