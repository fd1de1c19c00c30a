import { StartError } from "./plugin_process.ts";

/**
 * Deno's and Python's words for a program that cannot run until its code changes, and
 * `setsid`'s for a program that is not there or cannot be run (plugins start through it).
 */
const FOR_GOOD = [
  /^setsid: failed to execute .*: (No such file|Permission denied|Exec format)/i,
  /^error: SyntaxError\b/,
  /^error: The module's source code could not be parsed/,
  /^error: Module not found\b/,
  /^error: Import ".*" not a dependency/,
  /^error: Relative import path\b/,
  /^error: Unsupported scheme\b/,
  /^error: Uncaught (\(in promise\) )?(SyntaxError|ReferenceError|PluginDefinitionError)\b/,
  /^(SyntaxError|IndentationError|TabError|ModuleNotFoundError|ImportError): /,
];
/** The lines shown after the one that says what broke: the code frame and where it is. */
const CONTEXT_LINES = 12;
// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

/** Text a program wrote for a terminal, without its colour codes. */
export function stripAnsi(text: string): string {
  return text.replace(ANSI, "");
}

/**
 * The error of a start that no restart can cure (a syntax error, a module that is not there, a
 * program that cannot be run), from what the process wrote, or undefined when another try may
 * succeed. The text is the error and the lines that place it, without terminal colours.
 */
export function unhealableStart(error: unknown): string | undefined {
  if (!(error instanceof StartError)) return undefined;
  if (!error.exit) {
    // Spawning failed: the program is not there or cannot be run.
    return /No such file|Permission denied|Exec format/i.test(error.message)
      ? error.message.split("; last stderr")[0]
      : undefined;
  }
  const lines = error.stderr.map((line) => stripAnsi(line).trimEnd());
  const at = lines.findIndex((line) => FOR_GOOD.some((pattern) => pattern.test(line.trim())));
  if (at < 0) return undefined;
  // Python names the error last, after the traceback's place of it.
  if (!lines[at]!.startsWith("error: ")) {
    return [lines[at]!.trim(), ...lines.slice(Math.max(0, at - 3), at)].join("\n");
  }
  const context = lines.slice(at + 1, at + 1 + CONTEXT_LINES);
  const end = context.findIndex((line) => line === "" || line.startsWith("Stack backtrace"));
  return [lines[at]!.trim(), ...(end < 0 ? context : context.slice(0, end))].join("\n");
}
