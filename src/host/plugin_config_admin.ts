import { type LiveConfig, maskSecrets } from "../config/mod.ts";
import { HttpError, type PluginConfigAdmin, type PluginConfigView } from "../http/mod.ts";
import type { Logger } from "../plugin/mod.ts";
import { reasonOf, type Registry } from "../registry/mod.ts";
import type { Supervisor } from "../supervisor/mod.ts";

/**
 * The configuration API over the live configuration and the supervisor: values with secrets
 * masked, the schema the plugin declared, and changes that are validated, written, then sent
 * to the running process (Initialize with `reconfigure`), which keeps its pid.
 */
export function pluginConfigAdmin(
  live: LiveConfig,
  supervisor: Supervisor,
  registry: Registry,
  logger: Logger,
): PluginConfigAdmin {
  const view = (name: string): PluginConfigView | undefined => {
    if (registry.getState(name) === undefined && !(name in live.current.plugins)) return undefined;
    const schema = supervisor.schema(name) ?? {};
    return {
      plugin: name,
      file: live.path,
      values: maskSecrets(live.pluginValues(name), schema),
      schema,
      schemaKnown: supervisor.schema(name) !== undefined,
    };
  };
  return {
    view,
    async update(name, changes, dryRun) {
      const result = await live.updatePlugin(name, changes, supervisor.schema(name) ?? {}, dryRun);
      if (!result.ok) return result;
      let reinitialized = false;
      if (result.written) {
        logger.info(
          `configuration of plugin "${name}" changed: ${Object.keys(changes).join(", ")}`,
          {
            plugin: name,
            file: live.path,
          },
        );
        try {
          reinitialized = await supervisor.reconfigure(name);
        } catch (error) {
          const state = registry.getState(name);
          throw new HttpError(
            502,
            `plugin "${name}" (${state}) did not take its new configuration: ${reasonOf(error)}; ` +
              `the file has the new values, which its next start uses`,
          );
        }
      }
      return { ok: true, view: view(name)!, written: result.written, reinitialized };
    },
  };
}
