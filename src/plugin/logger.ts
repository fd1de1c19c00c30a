/** Extra structured fields of a log line. */
export type LogFields = Record<string, unknown>;

/** Severity of a log line, lowest first. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** A structured logger; every line carries the logger's name. */
export interface Logger {
  /** The name every line carries. */
  readonly name: string;
  /** Writes a `debug` line. */
  debug(message: string, fields?: LogFields): void;
  /** Writes an `info` line. */
  info(message: string, fields?: LogFields): void;
  /** Writes a `warn` line. */
  warn(message: string, fields?: LogFields): void;
  /** Writes an `error` line. */
  error(message: string, fields?: LogFields): void;
  /** A logger with another name that writes to the same place. */
  named(name: string): Logger;
  /** A logger that adds `fields` to every line. */
  with(fields: LogFields): Logger;
}
