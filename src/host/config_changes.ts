import type { ConfigChange } from "../config/mod.ts";
import type { Logger } from "../plugin/mod.ts";
import { reasonOf } from "../registry/mod.ts";
import type { Supervisor } from "../supervisor/mod.ts";

/**
 * The host's step that carries out an edit of the configuration file: plugins disabled,
 * enabled or given their new settings; grants and host sections logged with when they apply.
 */
export function applyConfigChanges(
  supervisor: Supervisor,
  logger: Logger,
): (change: ConfigChange) => Promise<void> {
  return async (change) => {
    for (const name of change.disabled) await supervisor.disable(name);
    for (const name of supervisor.reserve(change.enabled)) await supervisor.enable(name);
    for (const name of change.reconfigured) {
      await supervisor.reconfigure(name).catch((error) =>
        logger.error(`plugin "${name}" did not take its edited configuration`, {
          plugin: name,
          cause: reasonOf(error),
        })
      );
    }
    for (const name of change.grants) {
      logger.info(
        `the grants of plugin "${name}" changed; they apply from its next start ` +
          `(POST /api/plugins/${name}/restart)`,
        { plugin: name },
      );
    }
    for (const section of change.hostSections) {
      logger.warn(`changes to [${section}] take effect when the host restarts`, { section });
    }
  };
}
