import type { PluginState } from "../plugin/mod.ts";

/**
 * Every legal move between plugin states. Anything not listed is a bug in the caller:
 * `transition` refuses it.
 */
export const TRANSITIONS: Readonly<Record<PluginState, readonly PluginState[]>> = {
  // started or restarting: initialize succeeds, fails, or the operator stops it first
  loading: ["running", "failed", "stopped"],
  // working: paused by the operator, stopped, crashed, or restarting
  running: ["paused", "stopped", "failed", "loading"],
  paused: ["running", "stopped", "failed", "loading"],
  // stopped or failed plugins only come back through a new load
  stopped: ["loading"],
  failed: ["loading", "stopped"],
};

/** Whether a plugin may move from `from` to `to`. */
export function canTransition(from: PluginState, to: PluginState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Checks a move and returns the new state; throws naming the plugin and both states. */
export function transition(plugin: string, from: PluginState, to: PluginState): PluginState {
  if (!canTransition(from, to)) {
    throw new RangeError(
      `plugin "${plugin}" cannot move from ${from} to ${to} ` +
        `(from ${from} it can move to ${TRANSITIONS[from].join(", ")})`,
    );
  }
  return to;
}
