/**
 * Calls that arrive while a batch is being written wait and go out together in the next one
 * (group commit): under load one statement serves many callers; a caller alone waits for
 * nothing but the end of its turn. At most `max` items go in one batch. A batch that fails
 * fails each of its callers with the same error.
 */
export class Coalescer<T, R> {
  #pending: { item: T; resolve(result: R): void; reject(error: unknown): void }[] = [];
  #writing = false;

  constructor(readonly write: (items: T[]) => Promise<R[]>, readonly max = 500) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#pending.push({ item, resolve, reject });
      if (this.#writing) return;
      this.#writing = true;
      // Calls made in the same turn join the first batch.
      queueMicrotask(() => this.#drain());
    });
  }

  async #drain(): Promise<void> {
    try {
      while (this.#pending.length > 0) {
        const batch = this.#pending.splice(0, this.max);
        try {
          const results = await this.write(batch.map((waiting) => waiting.item));
          batch.forEach((waiting, i) => waiting.resolve(results[i]!));
        } catch (error) {
          for (const waiting of batch) waiting.reject(error);
        }
      }
    } finally {
      this.#writing = false;
    }
  }
}
