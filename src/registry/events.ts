import type { PluginState } from "../plugin/mod.ts";

/** One move of one plugin between states; `from` is null when the plugin first appears. */
export interface StateChange {
  plugin: string;
  from: PluginState | null;
  to: PluginState;
  /** Why, when the move was not asked for (a failure) or the caller said. */
  reason?: string;
  /** The plugin's version after the move, once its process said it. */
  version?: string;
  /** Unix milliseconds. */
  at: number;
}

export type StateChangeListener = (change: StateChange) => void;
