import { transaction } from "../store/mod.ts";
import type { JobLogEntry, JobOutcome } from "./job_record.ts";
import type { JobStore } from "./job_store.ts";

interface PendingFinish {
  id: string;
  outcome: JobOutcome;
  logs: readonly JobLogEntry[] | undefined;
  resolve(changed: boolean): void;
  reject(error: unknown): void;
}

/**
 * The finishes of running jobs asked for before the current microtasks run out (several
 * workers' jobs answered in one read of their plugin's channel), written in one SQLite
 * transaction; one asked for later is the next batch. Each finish alone was a commit of its
 * own, writing the job's row and its indexes to the WAL again: ~110–130 µs each, against
 * 25–60 µs each four to a commit (measured on the jobs table). Each finish is still its own
 * step: one that fails is undone alone and fails its caller alone.
 */
export class FinishBatch {
  #pending: PendingFinish[] = [];

  constructor(readonly store: JobStore) {}

  finish(id: string, outcome: JobOutcome, logs?: readonly JobLogEntry[]): Promise<boolean> {
    return new Promise((resolve, reject) => {
      if (this.#pending.push({ id, outcome, logs, resolve, reject }) === 1) {
        queueMicrotask(() => this.flush());
      }
    });
  }

  /** Writes the finishes asked for so far now (before a move that must come after them). */
  flush(): void {
    if (this.#pending.length === 0) return;
    const batch = this.#pending;
    this.#pending = [];
    const outcomes: ({ changed: boolean } | { error: unknown })[] = [];
    try {
      transaction(this.store.db, () => {
        for (const { id, outcome, logs } of batch) {
          try {
            outcomes.push({
              changed: transaction(this.store.db, () => this.store.finish(id, outcome, logs)),
            });
          } catch (error) {
            // SQLite ended the whole transaction itself (a full disk, an I/O error): nothing of
            // the batch is written, and none may be written alone in its place.
            if (!this.store.db.isTransaction) throw error;
            outcomes.push({ error });
          }
        }
      });
    } catch (error) {
      // The transaction failed as a whole: none of them is written.
      for (const item of batch) item.reject(error);
      return;
    }
    batch.forEach((item, i) => {
      const done = outcomes[i]!;
      if ("error" in done) item.reject(done.error);
      else item.resolve(done.changed);
    });
  }
}
