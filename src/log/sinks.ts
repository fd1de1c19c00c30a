import type { LogRecord, LogSink } from "./json_logger.ts";

const encoder = new TextEncoder();

/** Encodes a record as one JSON line; values JSON cannot hold (bigint) become strings. */
export function encodeRecord(record: LogRecord): string {
  return JSON.stringify(
    record,
    (_key, value) => typeof value === "bigint" ? String(value) : value,
  ) +
    "\n";
}

/**
 * A sink that writes each record synchronously to a file-like writer (stderr by default), so
 * no line is lost when the process exits right after logging.
 */
export function writerSink(writer: { writeSync(p: Uint8Array): number } = Deno.stderr): LogSink {
  return (record) => {
    const bytes = encoder.encode(encodeRecord(record));
    let written = 0;
    while (written < bytes.length) written += writer.writeSync(bytes.subarray(written));
  };
}

/** A sink that keeps records in memory, for tests and for the console's recent history. */
export function memorySink(): LogSink & { records: LogRecord[] } {
  const records: LogRecord[] = [];
  const sink = (record: LogRecord) => {
    records.push(record);
  };
  return Object.assign(sink, { records });
}
