import { parse, stringify } from "smol-toml";
import { flattenTable, isTable } from "./flatten.ts";

const HEADER = /^\s*\[\s*([A-Za-z0-9_\-.\s]+?)\s*\]\s*(#.*)?$/;
const ANY_HEADER = /^\s*\[/;
const BARE_KEY = /^[A-Za-z0-9_-]+$/;

/** One `[table]` of the file: its name and the lines it spans (header excluded). */
interface Table {
  name: string;
  /** Index of the header line, -1 for the root. */
  header: number;
  /** First line after the table's last line. */
  end: number;
}

function tables(lines: readonly string[]): Table[] {
  const found: Table[] = [{ name: "", header: -1, end: lines.length }];
  lines.forEach((line, index) => {
    if (!ANY_HEADER.test(line)) return;
    found[found.length - 1]!.end = index;
    const match = HEADER.exec(line);
    // Arrays of tables and quoted names are kept as they are, never edited.
    const name = match && !line.trimStart().startsWith("[[")
      ? match[1]!.split(".").map((part) => part.trim()).join(".")
      : "\0";
    found.push({ name, header: index, end: lines.length });
  });
  return found;
}

/** `key = value` as TOML writes it (dotted keys kept dotted, odd keys quoted). */
function assignment(key: string, value: unknown): string {
  const line = stringify({ v: value }).trim();
  const rendered = line.slice(line.indexOf("=") + 1).trim();
  const name = key.split(".").map((part) => BARE_KEY.test(part) ? part : JSON.stringify(part))
    .join(".");
  return `${name} = ${rendered}`;
}

/** Whether `text` is one complete `key = value` (with the value's own lines). */
function parses(text: string): boolean {
  try {
    parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * Where the assignment of `key` in a table is: its first line, how many lines its value takes,
 * and a trailing comment to keep. Undefined when the table does not assign it.
 */
function findKey(
  lines: readonly string[],
  table: Table,
  key: string,
): { at: number; count: number; comment: string } | undefined {
  const wanted = key.split(".");
  for (let i = table.header + 1; i < table.end; i++) {
    const line = lines[i]!;
    const eq = line.indexOf("=");
    if (eq < 0 || line.trimStart().startsWith("#")) continue;
    const name = line.slice(0, eq).split(".").map((part) => part.trim().replace(/^"(.*)"$/, "$1"));
    if (name.join("\0") !== wanted.join("\0")) continue;
    // The value may run over several lines (arrays, multi-line strings) and end in a comment.
    for (let count = 1; i + count <= table.end; count++) {
      const text = lines.slice(i, i + count).join("\n");
      if (!parses(text)) continue;
      // The first "#" whose left side is already a whole assignment starts the comment.
      for (const { index } of text.matchAll(/#/g)) {
        if (parses(text.slice(0, index))) {
          return { at: i, count, comment: ` ${text.slice(index).trim()}` };
        }
      }
      return { at: i, count, comment: "" };
    }
    return { at: i, count: 1, comment: "" };
  }
  return undefined;
}

/** The line after a table's last assignment (before the blank lines and comments that end it). */
function insertionPoint(lines: readonly string[], table: Table): number {
  let at = table.end;
  while (at - 1 > table.header && /^\s*(#.*)?$/.test(lines[at - 1]!)) at--;
  return at;
}

/**
 * Sets (or, with `null`, removes) keys of one plugin's table in the text of an `am.toml`,
 * touching only those lines: comments, order and every other table stay as the operator wrote
 * them. A dotted key goes into the most specific existing sub-table (`[biotech.blast]
 * threads`), else into the plugin's table as a dotted key; a missing table is added at the
 * end. `plugin` may also be a table's dotted path, such as `plugin.grants.biotech`. The result
 * is parsed again and checked before it is returned.
 */
export function setTableValues(
  text: string,
  plugin: string,
  values: Record<string, unknown>,
): string {
  const lines = text.split("\n");
  for (const [key, value] of Object.entries(values)) {
    const parts = key.split(".");
    const candidates = tables(lines).filter((table) =>
      table.name === plugin ||
      (table.name.startsWith(`${plugin}.`) &&
        key.startsWith(`${table.name.slice(plugin.length + 1)}.`))
    ).sort((a, b) => b.name.length - a.name.length);
    let done = false;
    for (const table of candidates) {
      const inner = table.name === plugin
        ? key
        : parts.slice(table.name.split(".").length - 1).join(".");
      const found = findKey(lines, table, inner);
      if (!found) continue;
      const replacement = value === null ? [] : [`${assignment(inner, value)}${found.comment}`];
      const indent = /^\s*/.exec(lines[found.at]!)![0];
      lines.splice(found.at, found.count, ...replacement.map((line) => indent + line));
      done = true;
      break;
    }
    if (done || value === null) continue;
    const target = candidates[0];
    if (target) {
      const inner = target.name === plugin
        ? key
        : parts.slice(target.name.split(".").length - 1).join(".");
      lines.splice(insertionPoint(lines, target), 0, assignment(inner, value));
    } else {
      while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
      lines.push("", `[${plugin}]`, assignment(key, value), "");
    }
  }
  const result = lines.join("\n");
  check(result, plugin, values);
  return result;
}

/** Refuses an edit whose text does not read back as the values it was meant to write. */
function check(text: string, plugin: string, values: Record<string, unknown>): void {
  let node: unknown;
  try {
    node = parse(text);
  } catch (error) {
    // Such as a table the file already defines another way (dotted keys, an inline table).
    throw new Error(
      `editing [${plugin}] ${Object.keys(values).join(", ")} would make the file invalid ` +
        `(${(error as Error).message.split("\n")[0]}); nothing was saved`,
    );
  }
  for (const part of plugin.split(".")) node = isTable(node) ? node[part] : undefined;
  const table = isTable(node) ? flattenTable(node) : {};
  for (const [key, value] of Object.entries(values)) {
    const got = table[key];
    const same = value === null
      ? got === undefined
      : JSON.stringify(got, (_k, v) => typeof v === "bigint" ? Number(v) : v) ===
        JSON.stringify(value);
    if (!same) {
      throw new Error(
        `editing [${plugin}] ${key} would not read back as written; nothing was saved`,
      );
    }
  }
}
