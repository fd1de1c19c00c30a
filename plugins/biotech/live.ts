/**
 * The WebSocket `/biotech-ws/`: each text message is FASTA/FASTQ (or one bare sequence), and
 * the answer streams back one `record` message per sequence with the progress so far, then
 * `done`. Problems come back as `error` messages; the socket stays open.
 */
import type { PluginSocket } from "../../src/sdk/mod.ts";
import { analyzeRecord } from "./analysis.ts";
import { normalize } from "./dna.ts";
import { parseSequences, type SeqRecord } from "./fasta.ts";
import type { BiotechState } from "./state.ts";

function recordsOf(text: string): SeqRecord[] {
  const trimmed = text.trimStart();
  if (trimmed.startsWith(">") || trimmed.startsWith("@") || trimmed.startsWith(";")) {
    return parseSequences(text);
  }
  return [{ id: "input", description: "", sequence: normalize(text, "input") }];
}

export function liveAnalysis(socket: PluginSocket, state: BiotechState): void {
  const send = (message: Record<string, unknown>) => {
    if (socket.readyState === 1) socket.send(JSON.stringify(message));
  };
  let queue = Promise.resolve();
  socket.onmessage = (event) => {
    // One message at a time, in order, so progress messages never interleave.
    queue = queue.then(() => analyze(event.data)).catch((error) =>
      send({ type: "error", error: (error as Error).message })
    );
  };

  async function analyze(data: unknown): Promise<void> {
    if (typeof data !== "string") throw new TypeError("send FASTA/FASTQ as a text message");
    state.checkRunning();
    const { maxUploadBytes, k, minOrfCodons } = state.settings;
    const size = new TextEncoder().encode(data).byteLength;
    if (size > maxUploadBytes) {
      throw new RangeError(
        `the message is ${size} bytes, over max_upload_bytes (${maxUploadBytes})`,
      );
    }
    const started = performance.now();
    const records = recordsOf(data);
    const total = records.reduce((sum, record) => sum + record.sequence.length, 0);
    let done = 0;
    for (const [index, record] of records.entries()) {
      if (socket.readyState !== 1 || state.paused) return;
      const stats = analyzeRecord(record, { k, minOrfCodons });
      done += record.sequence.length;
      send({
        type: "record",
        index,
        of: records.length,
        progress: { current: done, total },
        stats,
      });
      // Give way between records, and to a slow client.
      while (socket.bufferedAmount > 1 << 20 && socket.readyState === 1) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    state.succeeded("WebSocket", records.length, total);
    send({
      type: "done",
      records: records.length,
      bases: total,
      ms: Math.round(performance.now() - started),
    });
  }
}
