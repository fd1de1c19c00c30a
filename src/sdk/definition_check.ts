/**
 * The checks `definePlugin` makes before a plugin serves: a misspelt key (`route:`), a field type
 * the host does not know (`"integer"`) or a handler that is not a function is a mistake the
 * author should hear of at once, with "did you mean", not a setting silently ignored.
 */

/** A plugin definition the SDK cannot serve; its message lists every problem. */
export class PluginDefinitionError extends Error {
  /** Always `"PluginDefinitionError"`. */
  override name = "PluginDefinitionError";
  /** An error listing `problems`, one sentence each. */
  constructor(readonly problems: readonly string[]) {
    super(
      `the plugin definition has ${problems.length} problem${problems.length > 1 ? "s" : ""}:\n` +
        problems.map((problem) => `  - ${problem}`).join("\n"),
    );
  }
}

type Shape = Record<
  string,
  "string" | "number" | "boolean" | "function" | "array" | "object" | "any"
>;

const TOP: Shape = {
  metadata: "object",
  configSchema: "object",
  initialize: "function",
  shutdown: "function",
  fetch: "function",
  routes: "array",
  websocket: "object",
  health: "function",
  pause: "function",
  resume: "function",
  jobs: "object",
  schedules: "array",
  watchers: "array",
  glyphs: "array",
};
const METADATA: Shape = {
  name: "string",
  version: "string",
  qntxVersion: "string",
  description: "string",
  author: "string",
  license: "string",
};
const FIELD: Shape = {
  type: "string",
  description: "string",
  // Any value is a default; whether it fits the field's type is the host's check.
  defaultValue: "any",
  required: "boolean",
  minValue: "number",
  maxValue: "number",
  pattern: "string",
  elementType: "string",
  secret: "boolean",
};
const ROUTE: Shape = {
  method: "string",
  path: "string",
  handler: "function",
  description: "string",
};
const SCHEDULE: Shape = {
  handler: "string",
  intervalSeconds: "number",
  enabledByDefault: "boolean",
  description: "string",
};
const WATCHER: Shape = {
  id: "string",
  handler: "string",
  subjects: "array",
  predicates: "array",
  contexts: "array",
  actors: "array",
  maxFiresPerSecond: "number",
};
const GLYPH: Shape = {
  symbol: "string",
  title: "string",
  label: "string",
  contentPath: "string",
  cssPath: "string",
  modulePath: "string",
  defaultWidth: "number",
  defaultHeight: "number",
};
const FIELD_TYPES = ["string", "number", "boolean", "array"];
/** Words authors reach for, and the type the host has for them. */
const TYPE_WORDS: Record<string, string> = {
  integer: "number",
  int: "number",
  float: "number",
  double: "number",
  bool: "boolean",
  list: "array",
  text: "string",
  str: "string",
};
const REQUIRED = {
  metadata: ["name", "version"],
  route: ["method", "path", "handler"],
  schedule: ["handler", "intervalSeconds"],
  watcher: ["id", "handler"],
  glyph: ["symbol", "title"],
};

/** Every problem of `definition`, each naming where it is; empty when it can be served. */
export function definitionProblems(definition: unknown): string[] {
  const problems: string[] = [];
  if (!isObject(definition)) return ["definePlugin takes an object"];
  checkShape("definePlugin({…})", definition, TOP, problems);
  const metadata = definition.metadata;
  if (!isObject(metadata)) problems.push("metadata is required: { name, version, … }");
  else checkEntry("metadata", metadata, METADATA, REQUIRED.metadata, problems);
  if (isObject(definition.configSchema)) {
    for (const [key, field] of Object.entries(definition.configSchema)) {
      const where = `configSchema.${key}`;
      if (!isObject(field)) {
        problems.push(`${where} must be an object such as { type: "string", description: "…" }`);
        continue;
      }
      checkShape(where, field, FIELD, problems);
      for (const member of ["type", "elementType"] as const) {
        const value = field[member];
        if (value === undefined && member === "elementType") continue;
        if (typeof value !== "string" || !FIELD_TYPES.includes(value)) {
          const hint = typeof value === "string" && TYPE_WORDS[value.toLowerCase()];
          problems.push(
            `${where}.${member} is ${JSON.stringify(value)}; one of ${FIELD_TYPES.join(", ")}` +
              (hint ? ` (did you mean "${hint}"?)` : ""),
          );
        }
      }
    }
  }
  const list = (name: string, shape: Shape, required: string[]) => {
    const items = definition[name];
    if (!Array.isArray(items)) return;
    items.forEach((item, i) => {
      if (isObject(item)) checkEntry(`${name}[${i}]`, item, shape, required, problems);
      else problems.push(`${name}[${i}] must be an object`);
    });
  };
  list("routes", ROUTE, REQUIRED.route);
  list("schedules", SCHEDULE, REQUIRED.schedule);
  list("watchers", WATCHER, REQUIRED.watcher);
  list("glyphs", GLYPH, REQUIRED.glyph);
  for (const table of ["jobs", "websocket"] as const) {
    const entries = definition[table];
    if (!isObject(entries)) continue;
    for (const [key, handler] of Object.entries(entries)) {
      if (typeof handler !== "function") problems.push(`${table}["${key}"] must be a function`);
      if (table === "websocket" && !key.startsWith("/")) {
        problems.push(`websocket["${key}"]: a path starts with "/" (the root is "/")`);
      }
    }
  }
  const jobs = isObject(definition.jobs) ? Object.keys(definition.jobs) : [];
  for (const name of ["schedules", "watchers"] as const) {
    const items = definition[name];
    if (!Array.isArray(items)) continue;
    items.forEach((item, i) => {
      const handler = isObject(item) ? item.handler : undefined;
      if (typeof handler === "string" && !jobs.includes(handler)) {
        problems.push(
          `${name}[${i}].handler "${handler}" is not one of its jobs (${
            jobs.join(", ") || "none"
          })` +
            suggestion(handler, jobs),
        );
      }
    });
  }
  return problems;
}

function checkEntry(
  where: string,
  value: Record<string, unknown>,
  shape: Shape,
  required: string[],
  problems: string[],
): void {
  checkShape(where, value, shape, problems);
  for (const key of required) {
    if (value[key] === undefined) problems.push(`${where}.${key} is required`);
  }
}

/** Unknown keys (with the known one meant) and members of the wrong kind. */
function checkShape(
  where: string,
  value: Record<string, unknown>,
  shape: Shape,
  problems: string[],
): void {
  const known = Object.keys(shape);
  for (const [key, member] of Object.entries(value)) {
    const kind = shape[key] as string | undefined;
    if (kind === undefined) {
      problems.push(`${where} has an unknown key "${key}"${suggestion(key, known)}`);
    } else if (member !== undefined && kind !== "any" && kindOf(member) !== kind) {
      problems.push(`${where}.${key} must be ${article(kind)}, not ${article(kindOf(member))}`);
    }
  }
}

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return "array";
  if (value === null) return "null";
  return typeof value;
}

const article = (kind: string) => /^[aeiou]/.test(kind) ? `an ${kind}` : `a ${kind}`;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** ` (did you mean "x"?)` for the nearest of `known`, when one is near enough. */
function suggestion(word: string, known: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  const near = best !== undefined &&
    (bestDistance <= Math.max(1, Math.floor(best.length / 3)) ||
      best.toLowerCase().startsWith(word.toLowerCase()) ||
      word.toLowerCase().startsWith(best.toLowerCase()));
  return near ? ` (did you mean "${best}"?)` : "";
}

/** Edit distance: insertions, deletions, substitutions and swaps of neighbours ("cuont"). */
function editDistance(a: string, b: string): number {
  const d = Array.from(
    { length: a.length + 1 },
    (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
      }
    }
  }
  return d[a.length]![b.length]!;
}
