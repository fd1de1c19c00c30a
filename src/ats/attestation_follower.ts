import { sleep } from "../async/mod.ts";
import type { Attestation } from "../plugin/mod.ts";
import type { PostgresAttestations } from "./postgres_attestations.ts";

/**
 * Follows the attestations every host writes to PostgreSQL, after `from` (a `seq`; the store's
 * `head()` taken before this host wrote any) on:
 * each batch, in `seq` order and never skipping a row committed late, goes to `onBatch`. It
 * reads again at once after a full page, else every `pollMs`; an outage is told once. Returns
 * the function that stops it.
 */
export function followAttestations(
  store: PostgresAttestations,
  from: number,
  onBatch: (attestations: readonly Attestation[]) => void,
  options: { pollMs: number; onError(error: unknown): void },
): () => Promise<void> {
  const stopped = new AbortController();
  const page = 500;
  const running = (async () => {
    let cursor = from;
    let failing = false;
    while (!stopped.signal.aborted) {
      try {
        const { attestations, next } = await store.since(cursor, page);
        cursor = next;
        failing = false;
        if (attestations.length > 0) onBatch(attestations);
        if (attestations.length === page) continue;
      } catch (error) {
        // Said once per outage, not every poll.
        if (!failing) options.onError(error);
        failing = true;
      }
      await sleep(options.pollMs, stopped.signal);
    }
  })();
  return async () => {
    stopped.abort();
    await running;
  };
}
