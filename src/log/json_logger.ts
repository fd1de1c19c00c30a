import type { LogFields, Logger, LogLevel } from "../plugin/mod.ts";

/** One structured log line, before it is encoded. */
export interface LogRecord {
  time: string;
  level: LogLevel;
  logger: string;
  msg: string;
  [field: string]: unknown;
}

/** Where log records go: a stream, a buffer, a test's array. */
export type LogSink = (record: LogRecord) => void;

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Whether `value` names a log level. */
export function isLogLevel(value: string): value is LogLevel {
  return Object.hasOwn(RANK, value);
}

export interface JsonLoggerOptions {
  sink: LogSink;
  /** Lines below this level are dropped (default `info`). */
  level?: LogLevel;
  /** Clock for the `time` field, so tests can fix it. */
  now?: () => Date;
}

/**
 * A logger that emits one JSON object per line, named per subsystem or domain.
 * Errors in fields are turned into their name, message and stack so they survive encoding.
 */
export class JsonLogger implements Logger {
  readonly #options: Required<JsonLoggerOptions>;
  readonly #fields: LogFields;

  constructor(readonly name: string, options: JsonLoggerOptions, fields: LogFields = {}) {
    this.#options = { level: "info", now: () => new Date(), ...options };
    this.#fields = fields;
  }

  debug(message: string, fields?: LogFields): void {
    this.#write("debug", message, fields);
  }
  info(message: string, fields?: LogFields): void {
    this.#write("info", message, fields);
  }
  warn(message: string, fields?: LogFields): void {
    this.#write("warn", message, fields);
  }
  error(message: string, fields?: LogFields): void {
    this.#write("error", message, fields);
  }

  named(name: string): Logger {
    return new JsonLogger(name, this.#options, this.#fields);
  }

  with(fields: LogFields): Logger {
    return new JsonLogger(this.name, this.#options, { ...this.#fields, ...fields });
  }

  #write(level: LogLevel, msg: string, fields: LogFields | undefined): void {
    if (RANK[level] < RANK[this.#options.level]) return;
    const record: LogRecord = {
      time: this.#options.now().toISOString(),
      level,
      logger: this.name,
      msg,
    };
    for (const [key, value] of Object.entries({ ...this.#fields, ...fields })) {
      if (key in record) continue; // the four fixed keys cannot be overwritten by a field
      record[key] = value instanceof Error ? describeError(value) : value;
    }
    this.#options.sink(record);
  }
}

function describeError(error: Error): Record<string, unknown> {
  const described: Record<string, unknown> = { name: error.name, message: error.message };
  if (error.stack) described.stack = error.stack;
  if (error.cause !== undefined) {
    described.cause = error.cause instanceof Error ? describeError(error.cause) : error.cause;
  }
  return described;
}
