/**
 * Runs tasks one after another, in the order they were submitted; a failed task does not stop
 * the ones behind it. Used to keep lifecycle operations on one plugin from interleaving.
 */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(task);
    this.#tail = result.catch(() => {});
    return result;
  }
}
