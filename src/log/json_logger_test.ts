import assert from "node:assert/strict";
import { JsonLogger } from "./json_logger.ts";
import { domainLoggerName } from "./names.ts";
import { encodeRecord, memorySink, writerSink } from "./sinks.ts";

const FIXED = () => new Date("2026-01-02T03:04:05.000Z");

Deno.test("JsonLogger writes one record per line with time, level, name and fields", () => {
  const sink = memorySink();
  const logger = new JsonLogger("host", { sink, now: FIXED });
  logger.info("listening", { port: 8877 });
  assert.deepEqual(sink.records, [
    {
      time: "2026-01-02T03:04:05.000Z",
      level: "info",
      logger: "host",
      msg: "listening",
      port: 8877,
    },
  ]);
});

Deno.test("JsonLogger drops lines below its level", () => {
  const sink = memorySink();
  const logger = new JsonLogger("host", { sink, level: "warn" });
  logger.debug("d");
  logger.info("i");
  logger.warn("w");
  logger.error("e");
  assert.deepEqual(sink.records.map((r) => r.level), ["warn", "error"]);
});

Deno.test("named() and with() share the sink; fields cannot overwrite the fixed keys", () => {
  const sink = memorySink();
  const root = new JsonLogger("host", { sink, now: FIXED });
  const domain = root.named(domainLoggerName("biotech", "1.4.2")).with({ plugin: "biotech" });
  domain.warn("slow", { level: "fake", ms: 900 });
  assert.deepEqual(sink.records[0], {
    time: "2026-01-02T03:04:05.000Z",
    level: "warn",
    logger: "biotech v1.4.2",
    msg: "slow",
    plugin: "biotech",
    ms: 900,
  });
});

Deno.test("errors in fields keep their name, message, stack and cause", () => {
  const sink = memorySink();
  new JsonLogger("host", { sink }).error("failed", {
    error: new TypeError("outer", { cause: new Error("inner") }),
  });
  const error = sink.records[0]!.error as Record<string, unknown>;
  assert.equal(error.name, "TypeError");
  assert.equal(error.message, "outer");
  assert.match(String(error.stack), /TypeError: outer/);
  assert.equal((error.cause as Record<string, unknown>).message, "inner");
});

Deno.test("writerSink() writes JSON lines, bigints as strings", () => {
  const chunks: Uint8Array[] = [];
  const writer = { writeSync: (p: Uint8Array) => (chunks.push(p.slice()), p.length) };
  new JsonLogger("host", { sink: writerSink(writer), now: FIXED }).info("a\nb", { n: 2n });
  const text = new TextDecoder().decode(chunks[0]);
  assert.equal(text.endsWith("\n"), true);
  assert.equal(text.split("\n").length, 2, "a message with a newline must stay on one line");
  assert.deepEqual(JSON.parse(text), {
    time: "2026-01-02T03:04:05.000Z",
    level: "info",
    logger: "host",
    msg: "a\nb",
    n: "2",
  });
  assert.equal(
    encodeRecord({ time: "t", level: "info", logger: "l", msg: "m" }),
    '{"time":"t","level":"info","logger":"l","msg":"m"}\n',
  );
});
