import { basename, dirname, resolve } from "node:path";
import { SerialQueue } from "../async/mod.ts";
import {
  type ConfigChange,
  ConfigError,
  type FieldErrors,
  formatIssue,
  type LiveConfig,
} from "../config/mod.ts";
import type { Logger } from "../plugin/mod.ts";

const SETTLE_MS = 250;

/**
 * Watches the configuration file for hand edits while the host runs. A change (after editors
 * have finished writing: they often replace the file) is read and validated; a valid one is
 * handed to `apply`, an invalid one is logged with every problem and the running
 * configuration stays. Returns the function that stops watching; it resolves once an edit being
 * applied has been (so a host that stops never has an edit land on plugins it is stopping).
 */
export function watchConfig(
  live: LiveConfig,
  check: (plugin: string, values: Record<string, unknown>) => FieldErrors,
  apply: (change: ConfigChange) => Promise<void>,
  logger: Logger,
): () => Promise<void> {
  const path = resolve(live.path);
  const watcher = Deno.watchFs(dirname(path), { recursive: false });
  const queue = new SerialQueue();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  const reload = () =>
    queue.run(async () => {
      let change: ConfigChange;
      try {
        change = await live.reload(check);
      } catch (error) {
        const problems = error instanceof ConfigError
          ? error.issues.map(formatIssue)
          : [(error as Error).message];
        logger.error(
          `${live.path} was edited but is not valid; the host keeps the configuration it runs with`,
          { file: live.path, problems },
        );
        return;
      }
      const any = change.enabled.length + change.disabled.length + change.reconfigured.length +
        change.grants.length + change.hostSections.length;
      if (any === 0) return;
      logger.info(`${live.path} changed`, { file: live.path, ...change });
      await apply(change).catch((error) =>
        logger.error("applying the edited configuration failed", { error })
      );
    });
  (async () => {
    for await (const event of watcher) {
      if (!event.paths.some((changed) => basename(changed) === basename(path))) continue;
      // An event read after the stop starts nothing (no timer outlives the host).
      if (closed) break;
      clearTimeout(timer);
      timer = setTimeout(reload, SETTLE_MS);
    }
  })().catch((error) => logger.warn("watching the configuration file stopped", { error }));
  return async () => {
    closed = true;
    clearTimeout(timer);
    watcher.close();
    await queue.run(() => Promise.resolve());
  };
}
