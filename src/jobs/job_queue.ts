import { promised } from "../async/mod.ts";
import { transaction } from "../store/mod.ts";
import { FinishBatch } from "./finish_batch.ts";
import type { Job, JobStatus } from "../plugin/mod.ts";
import type { JobFilter, JobLogEntry, JobOutcome, JobRequest, StoredJob } from "./job_record.ts";
import type { JobStore } from "./job_store.ts";

/**
 * The Pulse queue as every part of the host uses it, whatever keeps it: the SQLite file of one
 * host ({@link sqliteQueue}) or PostgreSQL shared by several (`PostgresJobs`). Moves of a running
 * job (`finish`, `retry`, `release`) are fenced: they change nothing, and answer false, once the
 * job is no longer this host's to move (cancelled, or its lease ran out and it went elsewhere).
 */
export interface JobQueue {
  /** Unix ms. */
  clock(): number;
  /** Calls `listener` whenever a job may have become runnable; returns the unsubscribe. */
  onRunnable(listener: () => void): () => void;
  /** Calls `listener` with jobs cancelled anywhere that may be running here; the unsubscribe. */
  onCancelled(listener: (ids: readonly string[]) => void): () => void;
  enqueue(job: JobRequest, source: string): Promise<StoredJob>;
  get(id: string): Promise<StoredJob | undefined>;
  logs(id: string): Promise<JobLogEntry[]>;
  list(filter?: JobFilter): Promise<StoredJob[]>;
  counts(): Promise<Record<JobStatus, number>>;
  update(job: Job, caller: string): Promise<StoredJob>;
  reportProgress(
    id: string,
    progress: { current: number; total: number },
    caller: string,
  ): Promise<boolean>;
  /**
   * Claims up to `count` of the oldest runnable jobs of `plugins` (`""`: the host's handlers)
   * for this host, until `leaseMs` from now. Never hands a job out twice.
   */
  take(plugins: readonly string[], count: number, leaseMs: number): Promise<StoredJob[]>;
  /** Extends this host's leases on `ids`; returns the ids it still holds. */
  heartbeat(ids: readonly string[], leaseMs: number): Promise<string[]>;
  finish(id: string, outcome: JobOutcome, logs?: readonly JobLogEntry[]): Promise<boolean>;
  retry(
    id: string,
    error: string,
    runAfter: number,
    logs?: readonly JobLogEntry[],
  ): Promise<boolean>;
  /** Puts a job this host holds back in the queue untouched (it never reached its handler). */
  release(id: string): Promise<boolean>;
  appendLogs(id: string, entries: readonly JobLogEntry[]): Promise<void>;
  /** Cancels a job and its unfinished descendants; the ids cancelled. */
  cancel(id: string, reason?: string): Promise<string[]>;
  pause(id: string): Promise<StoredJob>;
  resume(id: string): Promise<StoredJob>;
  /** Deletes finished jobs that ended before `before` (Unix s); how many. */
  prune(before: number): Promise<number>;
}

/**
 * The queue of one host, on its SQLite file. Its answers are ready at once; leases mean nothing
 * here (no other host could take a job over), so a heartbeat keeps what is still running.
 */
export function sqliteQueue(store: JobStore): JobQueue {
  const now = promised;
  const cancelled = new Set<(ids: readonly string[]) => void>();
  const finishes = new FinishBatch(store);
  return {
    clock: () => store.clock(),
    onRunnable: (listener) => store.onRunnable(listener),
    onCancelled: (listener) => {
      cancelled.add(listener);
      return () => cancelled.delete(listener);
    },
    enqueue: (job, source) => now(() => store.enqueue(job, source)),
    get: (id) => now(() => store.get(id)),
    logs: (id) => now(() => store.logs(id)),
    list: (filter) => now(() => store.list(filter)),
    counts: () => now(() => store.counts()),
    update: (job, caller) => now(() => store.update(job, caller)),
    reportProgress: (id, progress, caller) => now(() => store.reportProgress(id, progress, caller)),
    // Jobs taken together are one commit (each take alone writes its row and indexes again).
    take: (plugins, count) =>
      now(() =>
        transaction(store.db, () => {
          const taken: StoredJob[] = [];
          for (let job; taken.length < count && (job = store.take(plugins));) taken.push(job);
          return taken;
        })
      ),
    heartbeat: (ids) => now(() => ids.filter((id) => store.get(id)?.status === "running")),
    finish: (id, outcome, logs) => finishes.finish(id, outcome, logs),
    // Moves of a job asked for after a finish come after it, as they did when finishes were
    // written at once.
    retry: (id, error, runAfter, logs) =>
      now(() => {
        finishes.flush();
        return store.retry(id, error, runAfter, logs);
      }),
    release: (id) =>
      now(() => {
        finishes.flush();
        return store.release(id);
      }),
    appendLogs: (id, entries) => now(() => store.appendLogs(id, entries)),
    cancel: (id, reason) =>
      now(() => {
        finishes.flush();
        const ids = store.cancel(id, reason);
        for (const listener of cancelled) listener(ids);
        return ids;
      }),
    pause: (id) => now(() => store.pause(id)),
    resume: (id) => now(() => store.resume(id)),
    prune: (before) => now(() => store.prune(before)),
  };
}
