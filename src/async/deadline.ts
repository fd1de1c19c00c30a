/** Thrown when an operation does not finish before the deadline the host set for it. */
export class DeadlineError extends Error {
  override name = "DeadlineError";
  constructor(readonly what: string, readonly ms: number) {
    super(`${what} timed out after ${ms} ms`);
  }
}

/**
 * Runs `operation` with a deadline. The operation gets a signal that aborts when the deadline
 * passes (or `parent` aborts); the returned promise settles by then whether or not the
 * operation honours the signal, so a hung callee can never hold its caller.
 */
export async function withDeadline<T>(
  what: string,
  ms: number,
  operation: (signal: AbortSignal) => Promise<T>,
  parent?: AbortSignal,
): Promise<T> {
  const controller = new AbortController();
  let expire: (reason: unknown) => void = () => {};
  const expired = new Promise<never>((_, reject) => {
    expire = (reason) => {
      controller.abort(reason);
      reject(reason);
    };
  });
  const timer = setTimeout(() => expire(new DeadlineError(what, ms)), ms);
  const onParentAbort = () => expire(parent?.reason);
  if (parent?.aborted) onParentAbort();
  parent?.addEventListener("abort", onParentAbort, { once: true });
  // A callee that ignores the signal may still settle later; its late failure is not ours.
  const running = Promise.resolve().then(() => operation(controller.signal));
  running.catch(() => {});
  try {
    return await Promise.race([running, expired]);
  } finally {
    clearTimeout(timer);
    parent?.removeEventListener("abort", onParentAbort);
  }
}
