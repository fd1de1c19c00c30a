import type { PostgresPool } from "../store/mod.ts";
import { JOBS_CHANNEL } from "./postgres_job_rows.ts";

type Listeners = {
  runnable: Set<() => void>;
  cancel: Set<(ids: readonly string[]) => void>;
};

/**
 * What other hosts say of the queue (`LISTEN qntx_jobs`): a job became runnable, jobs were
 * cancelled. Hints only: a host that misses one still polls, and learns of a cancel at its next
 * heartbeat. The connection is opened with the first listener; the driver reconnects it.
 */
export class JobHints {
  readonly #listeners: Listeners = { runnable: new Set(), cancel: new Set() };
  #listening?: Promise<{ unlisten(): Promise<void> } | undefined>;

  listen<K extends keyof Listeners>(
    sql: PostgresPool,
    kind: K,
    listener: Listeners[K] extends Set<infer L> ? L : never,
  ): () => void {
    (this.#listeners[kind] as Set<typeof listener>).add(listener);
    this.#listening ??= sql.listen(JOBS_CHANNEL, (payload) => this.#heard(payload)).catch(
      // Polling carries on without hints (the pool's own end also lands here).
      () => undefined,
    );
    return () => (this.#listeners[kind] as Set<typeof listener>).delete(listener);
  }

  #heard(payload: string): void {
    const colon = payload.indexOf(":");
    const kind = payload.slice(0, colon);
    const rest = payload.slice(colon + 1);
    if (kind === "runnable") { for (const wake of this.#listeners.runnable) wake(); }
    if (kind === "cancel") {
      const ids = rest.split(",").filter(Boolean);
      for (const told of this.#listeners.cancel) told(ids);
    }
  }

  async close(): Promise<void> {
    const listening = await this.#listening;
    this.#listening = undefined;
    await listening?.unlisten().catch(() => {});
  }
}
