/** The five states a plugin can be in; the registry moves plugins between them. */
export const PLUGIN_STATES = ["loading", "running", "paused", "stopped", "failed"] as const;

/** Where a plugin is in its life: exactly one of {@link PLUGIN_STATES}. */
export type PluginState = typeof PLUGIN_STATES[number];

/** Whether a string names one of the five plugin states. */
export function isPluginState(value: string): value is PluginState {
  return (PLUGIN_STATES as readonly string[]).includes(value);
}
