import { RegistryError } from "../registry/mod.ts";
import type { PluginConnection } from "./plugin_connection.ts";
import type { SupervisorContext } from "./supervisor_context.ts";

/**
 * Pauses a running plugin's process, or resumes a paused one, in the plugin's serial queue; its
 * state changes only if the process's own pause or resume succeeds. A plugin that cannot pause,
 * or is in another state, is refused saying which.
 */
export function pauseOrResume(
  name: string,
  action: "pause" | "resume",
  context: SupervisorContext,
  current: () => PluginConnection,
): Promise<void> {
  const { registry, timeouts } = context;
  if (!registry.isPausable(name)) {
    throw new RegistryError(
      "unsupported",
      `plugin "${name}" cannot ${action}: it does not implement pause and resume`,
    );
  }
  const [from, to] = action === "pause" ? ["running", "paused"] : ["paused", "running"];
  return registry.serially(name, async () => {
    const state = registry.getState(name);
    if (state !== from) {
      throw new RegistryError(
        "conflict",
        `cannot ${action} plugin "${name}": it is ${state}; only a ${from} plugin can be ${action}d`,
      );
    }
    await current().lifecycleCall(`${action} of plugin "${name}"`, action, {}, timeouts.call);
    if (to === "paused") registry.markPaused(name);
    else registry.markReady(name);
  });
}
