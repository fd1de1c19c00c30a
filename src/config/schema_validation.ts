import {
  type ConfigField,
  type ConfigSchema,
  ENV_REFERENCE,
  parseBool,
  parseNumber,
  parseStringList,
} from "../plugin/mod.ts";

/** What is wrong with a plugin's configuration: one message per key. */
export type FieldErrors = Record<string, string>;

const MAX_PATTERN_INPUT = 10_000;

/** The regular expression of a field, or the reason it cannot be one. */
function compile(pattern: string): RegExp | string {
  try {
    return new RegExp(`^(?:${pattern})$`, "u");
  } catch (error) {
    return `the plugin's pattern ${JSON.stringify(pattern)} is not a regular expression: ${
      (error as Error).message
    }`;
  }
}

function bounds(field: ConfigField, value: number, what: string): string | undefined {
  if (field.minValue !== undefined && value < field.minValue) {
    return `${what} ${value} is below the minimum ${field.minValue}`;
  }
  if (field.maxValue !== undefined && value > field.maxValue) {
    return `${what} ${value} is above the maximum ${field.maxValue}`;
  }
  return undefined;
}

/** What is wrong with one scalar value of type `type`, if anything. */
function scalarProblem(
  type: Exclude<ConfigField["type"], "array">,
  field: ConfigField,
  value: unknown,
): string | undefined {
  switch (type) {
    case "boolean":
      return parseBool(value) === undefined
        ? `expected true or false, got ${JSON.stringify(value)}`
        : undefined;
    case "number": {
      const n = parseNumber(typeof value === "bigint" ? Number(value) : value);
      if (n === undefined) return `expected a number, got ${JSON.stringify(value)}`;
      return bounds(field, n, "the value");
    }
    case "string": {
      if (typeof value !== "string") return `expected a string, got ${JSON.stringify(value)}`;
      if (!field.pattern) return undefined;
      const pattern = compile(field.pattern);
      if (typeof pattern === "string") return pattern;
      if (value.length > MAX_PATTERN_INPUT || !pattern.test(value)) {
        return `${JSON.stringify(value)} does not match the pattern ${field.pattern}`;
      }
      return undefined;
    }
  }
}

/** What is wrong with `value` for `field`, if anything (an `env:NAME` reference passes). */
export function fieldProblem(field: ConfigField, value: unknown): string | undefined {
  if (typeof value === "string" && ENV_REFERENCE.test(value)) return undefined;
  if (field.type !== "array") return scalarProblem(field.type, field, value);
  const items = Array.isArray(value) ? value : parseStringList(value);
  if (items === undefined) return `expected a list, got ${JSON.stringify(value)}`;
  const length = bounds(field, items.length, "the list's length");
  if (length) return length;
  if (!field.elementType) return undefined;
  for (const [index, item] of items.entries()) {
    const problem = scalarProblem(field.elementType, {
      ...field,
      minValue: undefined,
      maxValue: undefined,
    }, item);
    if (problem) return `item ${index}: ${problem}`;
  }
  return undefined;
}

/**
 * Checks a plugin's values against its schema: required fields present (a default counts),
 * each value of its type, within min/max (numbers; lengths for lists), matching its pattern
 * (strings, whole value). Keys the schema does not name are reported as unknown. A plugin
 * that declares no schema accepts anything.
 */
export function validateConfig(schema: ConfigSchema, values: Record<string, unknown>): FieldErrors {
  const errors: FieldErrors = {};
  const fields = Object.keys(schema);
  if (fields.length === 0) return errors;
  for (const [key, field] of Object.entries(schema)) {
    const value = values[key];
    if (value === undefined || value === null || value === "") {
      if (field.required && field.defaultValue === undefined) errors[key] = "required";
      continue;
    }
    const problem = fieldProblem(field, value);
    if (problem) errors[key] = problem;
  }
  for (const key of Object.keys(values)) {
    if (!Object.hasOwn(schema, key)) {
      errors[key] = `unknown setting; the plugin's settings are ${fields.sort().join(", ")}`;
    }
  }
  return errors;
}
