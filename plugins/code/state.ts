/** What the running code plugin remembers: its ingest, how the last one went, who watches. */
import type { AttestationStore, PluginSocket } from "../../src/sdk/mod.ts";
import { Ingest, type IngestProgress, type IngestResult } from "./ingest.ts";
import { readableRepository } from "./readable_repository.ts";

export class CodeState {
  ingest?: Ingest;
  /** The ingest under way; a second request joins it. */
  running?: Promise<IngestResult>;
  last?: IngestResult;
  lastError = "";
  /** Why the configured repository may not be read, when it may not. */
  refused = "";
  paused = false;
  /** WebSocket clients following ingests. */
  readonly watchers = new Set<PluginSocket>();

  constructor(readonly name: string) {}

  /** Why the plugin may not read `source` (its grants do not cover it), or "" when it may. */
  refusal(source: string): Promise<string> {
    return readableRepository(source, this.name).then(() => "", (error: Error) => error.message);
  }

  /** Sends a message to every client that follows ingests. */
  broadcast(message: unknown): void {
    const text = JSON.stringify(message);
    for (const socket of this.watchers) {
      if (socket.readyState === 1) socket.send(text);
    }
  }

  /** One ingest at a time; a second request joins the one under way. */
  ingestNow(
    ats: AttestationStore,
    progress: (step: IngestProgress) => void,
    signal?: AbortSignal,
  ): Promise<IngestResult> {
    const ingest = this.ingest;
    if (!ingest) return Promise.reject(new Error("the plugin is not initialized"));
    this.running ??= ingest.run(ats, (step) => {
      progress(step);
      this.broadcast({ type: "progress", ...step });
    }, signal).then((result) => {
      this.last = result;
      this.lastError = "";
      this.refused = "";
      this.broadcast({ type: "done", ...result });
      return result;
    }, (error) => {
      this.lastError = (error as Error).message;
      this.broadcast({ type: "error", message: this.lastError });
      throw error;
    }).finally(() => this.running = undefined);
    return this.running;
  }
}
