import type { Logger } from "../plugin/mod.ts";

/**
 * Probes every plugin's health on a timer, one round at a time (a slow round delays the next
 * instead of piling up), so the API serves a fresh snapshot without ever probing per request.
 * Returns the function that stops it, which resolves once a round under way has ended (its
 * probes' deadlines must not outlive the host).
 */
export function startHealthTicker(
  probeAll: () => Promise<unknown>,
  intervalMs: number,
  logger: Logger,
): () => Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  let current: Promise<void> = Promise.resolve();
  const round = () => {
    current = (async () => {
      try {
        await probeAll();
      } catch (error) {
        logger.error("health round failed", { error });
      }
      if (!stopped) timer = setTimeout(round, intervalMs);
    })();
  };
  timer = setTimeout(round, intervalMs);
  return () => {
    stopped = true;
    clearTimeout(timer);
    return current;
  };
}
