/**
 * Runs `work` now and hands its answer over as a promise (a throw becomes a rejection): a
 * synchronous engine behind an async port.
 */
export function promised<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(error);
  }
}
