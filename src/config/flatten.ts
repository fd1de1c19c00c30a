/** Whether a TOML value is a table (a plain object, not a list or a date). */
export function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) &&
    !(value instanceof Date);
}

/**
 * Nested tables as dotted keys: `{gopls: {workspace_root: "/w"}}` becomes
 * `{"gopls.workspace_root": "/w"}`. Lists (arrays of tables included) stay whole values.
 */
export function flattenTable(table: Record<string, unknown>, prefix = ""): Record<string, unknown> {
  const flat: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(table)) {
    const path = prefix === "" ? key : `${prefix}.${key}`;
    if (isTable(value)) Object.assign(flat, flattenTable(value, path));
    else flat[path] = value;
  }
  return flat;
}
