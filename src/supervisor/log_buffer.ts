import type { LogLevel } from "../plugin/mod.ts";

/** One line a plugin wrote, as kept and streamed. */
export interface PluginLogLine {
  /** Unix milliseconds when the host read it. */
  at: number;
  stream: "stdout" | "stderr";
  level: LogLevel;
  text: string;
  /** The parsed object, when the line was JSON. */
  fields?: Record<string, unknown>;
}

/** How many of a process's last stderr lines a failure's reason quotes. */
export const STDERR_IN_REASON = 5;

const PINO_LEVELS: Record<number, LogLevel> = {
  10: "debug",
  20: "debug",
  30: "info",
  40: "warn",
  50: "error",
  60: "error",
};
const WORDS: Record<string, LogLevel> = {
  trace: "debug",
  debug: "debug",
  info: "info",
  warn: "warn",
  warning: "warn",
  error: "error",
  fatal: "error",
};

/**
 * Reads one line of a plugin's output. A JSON object keeps its level (`"level": "warn"` or
 * pino's numbers); any other line is `info` on stdout and `warn` on stderr.
 */
export function parseLogLine(text: string, stream: "stdout" | "stderr", at: number): PluginLogLine {
  const fallback: LogLevel = stream === "stderr" ? "warn" : "info";
  if (text.startsWith("{")) {
    try {
      const fields = JSON.parse(text);
      if (fields && typeof fields === "object" && !Array.isArray(fields)) {
        const raw = fields.level;
        const level = typeof raw === "number"
          ? PINO_LEVELS[raw]
          : typeof raw === "string"
          ? WORDS[raw.toLowerCase()]
          : undefined;
        return { at, stream, level: level ?? fallback, text, fields };
      }
    } catch {
      // not JSON after all: keep it as text
    }
  }
  return { at, stream, level: fallback, text };
}

export type LogSubscriber = (line: PluginLogLine) => void;

/**
 * The last `capacity` lines of one plugin, across restarts, with live subscribers. A
 * subscriber that throws is dropped; it never stops the others or the plugin.
 */
export class LogBuffer {
  readonly #lines: PluginLogLine[] = [];
  readonly #subscribers = new Set<LogSubscriber>();

  constructor(readonly capacity = 1000) {}

  push(line: PluginLogLine): void {
    this.#lines.push(line);
    if (this.#lines.length > this.capacity) {
      this.#lines.splice(0, this.#lines.length - this.capacity);
    }
    for (const subscriber of this.#subscribers) {
      try {
        subscriber(line);
      } catch {
        this.#subscribers.delete(subscriber);
      }
    }
  }

  /** The kept lines, oldest first; the last `count` when given. */
  lines(count?: number): PluginLogLine[] {
    return count === undefined ? [...this.#lines] : this.#lines.slice(-count);
  }

  /**
   * The last `count` stderr lines as text, for failure reports: plain lines and JSON lines at
   * warn or error (a plugin's routine info logging says nothing about why it died).
   */
  lastStderr(count: number): string[] {
    return this.#lines
      .filter((line) => line.stream === "stderr")
      .filter((line) => !line.fields || line.level === "warn" || line.level === "error")
      .slice(-count)
      .map((line) => line.text);
  }

  /** Follows new lines; returns the function that stops following. */
  subscribe(subscriber: LogSubscriber): () => void {
    this.#subscribers.add(subscriber);
    return () => this.#subscribers.delete(subscriber);
  }
}

/** The message of a line the plugin logged at level `error` (JSON), for its last error. */
export function loggedError(line: PluginLogLine): string | undefined {
  if (line.level !== "error" || typeof line.fields?.msg !== "string") return undefined;
  return line.fields.msg.slice(0, 2000);
}
