/**
 * The open streams of one data-channel connection, by id. Streams come and go tens of
 * thousands of times a second, so this is a plain dictionary object rather than a `Map`:
 * V8 keeps a `Map`'s old hash tables, with their entries, linked to the tables that replace
 * them, and once one of those tables has reached the old generation the chain holds every
 * stream it saw (requests, bodies, promises) through each young-generation GC until the next
 * full one. A dictionary's replaced table holds nothing for longer than one GC.
 */
export class StreamTable<T> {
  #entries: Record<number, T> = Object.create(null);
  #size = 0;

  get size(): number {
    return this.#size;
  }

  get(id: number): T | undefined {
    return this.#entries[id];
  }

  has(id: number): boolean {
    return this.#entries[id] !== undefined;
  }

  set(id: number, value: T): void {
    if (this.#entries[id] === undefined) this.#size++;
    this.#entries[id] = value;
  }

  delete(id: number): boolean {
    if (this.#entries[id] === undefined) return false;
    delete this.#entries[id];
    this.#size--;
    return true;
  }

  /** Every entry with its id; safe to delete entries while iterating. */
  entries(): [number, T][] {
    const all: [number, T][] = [];
    const entries = this.#entries as Record<string, T>;
    for (const key in entries) all.push([Number(key), entries[key]!]);
    return all;
  }

  clear(): void {
    this.#entries = Object.create(null);
    this.#size = 0;
  }
}
