import {
  type ConfigField,
  type ConfigSchema,
  envReference,
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

/**
 * How a value is named in a message: quoted as it is, or, for a value read from environment
 * variable `variable`, by that variable alone (its text may be a secret).
 */
interface Shown {
  /** The value itself, e.g. `"GRC h38"`. */
  value: string;
  /** The value in a sentence about a number or a length, e.g. `the value 11`. */
  label: (what: string, n: number) => string;
}

function shownAs(value: unknown, variable: string | undefined, item = false): Shown {
  if (variable === undefined) {
    return { value: JSON.stringify(value), label: (what, n) => `${what} ${n}` };
  }
  const where = `environment variable ${variable}`;
  return {
    value: `${item ? "an item" : "the value"} of ${where} (not shown)`,
    label: (what) => `${what} in ${where}`,
  };
}

function bounds(field: ConfigField, value: number, what: string, shown: Shown): string | undefined {
  if (field.minValue !== undefined && value < field.minValue) {
    return `${shown.label(what, value)} is below the minimum ${field.minValue}`;
  }
  if (field.maxValue !== undefined && value > field.maxValue) {
    return `${shown.label(what, value)} is above the maximum ${field.maxValue}`;
  }
  return undefined;
}

/** What is wrong with one scalar value of type `type`, if anything. */
function scalarProblem(
  type: Exclude<ConfigField["type"], "array">,
  field: ConfigField,
  value: unknown,
  shown: Shown,
): string | undefined {
  switch (type) {
    case "boolean":
      return parseBool(value) === undefined
        ? `expected true or false, got ${shown.value}`
        : undefined;
    case "number": {
      const n = parseNumber(typeof value === "bigint" ? Number(value) : value);
      if (n === undefined) return `expected a number, got ${shown.value}`;
      return bounds(field, n, "the value", shown);
    }
    case "string": {
      if (typeof value !== "string") return `expected a string, got ${shown.value}`;
      if (!field.pattern) return undefined;
      const pattern = compile(field.pattern);
      if (typeof pattern === "string") return pattern;
      if (value.length > MAX_PATTERN_INPUT || !pattern.test(value)) {
        return `${shown.value} does not match the pattern ${field.pattern}`;
      }
      return undefined;
    }
  }
}

/**
 * What is wrong with `value` for `field`, if anything. An `env:NAME` reference passes; to check
 * the text such a reference resolves to, pass it as `value` with the variable's name as
 * `variable`: the messages then name the variable, never quote the text.
 */
export function fieldProblem(
  field: ConfigField,
  value: unknown,
  variable?: string,
): string | undefined {
  if (variable === undefined && envReference(value) !== undefined) return undefined;
  const shown = shownAs(value, variable);
  if (field.type !== "array") return scalarProblem(field.type, field, value, shown);
  const items = Array.isArray(value) ? value : parseStringList(value);
  if (items === undefined) return `expected a list, got ${shown.value}`;
  const length = bounds(field, items.length, "the list's length", shown);
  if (length) return length;
  if (!field.elementType) return undefined;
  for (const [index, item] of items.entries()) {
    const problem = scalarProblem(
      field.elementType,
      { ...field, minValue: undefined, maxValue: undefined },
      item,
      shownAs(item, variable, true),
    );
    if (problem) return `item ${index}: ${problem}`;
  }
  return undefined;
}

/**
 * Checks a plugin's values against its schema: required fields present (a default counts),
 * each value of its type, within min/max (numbers; lengths for lists), matching its pattern
 * (strings, whole value). Keys the schema does not name are reported as unknown. A plugin
 * that declares no schema accepts anything. An `env:NAME` value passes, unless `resolve` gives
 * the text it stands for (the plugin is granted the variable and it is set): that text is
 * checked, and a problem names the variable, never the text.
 */
export function validateConfig(
  schema: ConfigSchema,
  values: Record<string, unknown>,
  resolve?: (variable: string) => string | undefined,
): FieldErrors {
  const errors: FieldErrors = {};
  const fields = Object.keys(schema);
  if (fields.length === 0) return errors;
  for (const [key, field] of Object.entries(schema)) {
    const value = values[key];
    if (value === undefined || value === null || value === "") {
      if (field.required && field.defaultValue === undefined) errors[key] = "required";
      continue;
    }
    const variable = envReference(value);
    const resolved = variable === undefined ? undefined : resolve?.(variable);
    const problem = resolved === undefined
      ? fieldProblem(field, value)
      : fieldProblem(field, resolved, variable);
    if (problem) errors[key] = problem;
  }
  for (const key of Object.keys(values)) {
    if (!Object.hasOwn(schema, key)) {
      errors[key] = `unknown setting; the plugin's settings are ${fields.sort().join(", ")}`;
    }
  }
  return errors;
}
