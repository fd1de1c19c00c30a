/** Structured JSON-lines logging for the host and its domains. @module */
export {
  isLogLevel,
  JsonLogger,
  type JsonLoggerOptions,
  type LogRecord,
  type LogSink,
} from "./json_logger.ts";
export { encodeRecord, memorySink, writerSink } from "./sinks.ts";
export { domainLoggerName } from "./names.ts";
export { ThrottledWarning } from "./throttled_warning.ts";
