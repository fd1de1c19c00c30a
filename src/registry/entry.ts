import type { SerialQueue } from "../async/mod.ts";
import {
  type DomainPlugin,
  type HealthStatus,
  isConfigurablePlugin,
  isPausablePlugin,
  type Metadata,
  type PluginState,
} from "../plugin/mod.ts";

/** How long the registry waits for each plugin call, in milliseconds. */
export interface RegistryDeadlines {
  initialize: number;
  shutdown: number;
  health: number;
  /** pause, resume and other short calls */
  call: number;
}

export const DEFAULT_DEADLINES: Readonly<RegistryDeadlines> = {
  initialize: 30_000,
  shutdown: 10_000,
  health: 5_000,
  call: 10_000,
};

export interface RegistryOptions {
  deadlines?: Partial<RegistryDeadlines>;
  /** Clock in Unix milliseconds, for tests. */
  now?: () => number;
}

/** The last health probe of a plugin, as served to the API without probing again. */
export interface HealthReport extends HealthStatus {
  /** Unix milliseconds. */
  checkedAt: number;
  durationMs: number;
}

/** What the registry knows of one plugin, at one moment. */
export interface PluginSnapshot {
  name: string;
  /** Absent while a pre-registered plugin is still loading. */
  metadata?: Metadata;
  state: PluginState;
  /** Unix milliseconds when the plugin entered its state. */
  since: number;
  lastError?: string;
  health?: HealthReport;
  pausable: boolean;
  configurable: boolean;
}

/** What a plugin driven from outside the registry (a process) can do, as it declared. */
export interface PluginTraits {
  pausable: boolean;
  configurable: boolean;
}

export interface Entry {
  name: string;
  /** An in-process plugin, which the registry calls itself. */
  plugin?: DomainPlugin;
  /** A plugin whose life a supervisor drives: the registry records it and never calls it. */
  driven?: PluginTraits;
  metadata?: Metadata;
  state: PluginState;
  since: number;
  lastError?: string;
  health?: HealthReport;
  /** Lifecycle calls on one plugin never interleave; reads never wait for them. */
  ops: SerialQueue;
}

/** What the registry knows of a plugin, as a copy callers may keep. */
export function snapshotOf(entry: Entry): PluginSnapshot {
  const snapshot: PluginSnapshot = {
    name: entry.name,
    state: entry.state,
    since: entry.since,
    pausable: entry.driven?.pausable ??
      (entry.plugin !== undefined && isPausablePlugin(entry.plugin)),
    configurable: entry.driven?.configurable ??
      (entry.plugin !== undefined && isConfigurablePlugin(entry.plugin)),
  };
  if (entry.metadata) snapshot.metadata = { ...entry.metadata };
  if (entry.lastError !== undefined) snapshot.lastError = entry.lastError;
  if (entry.health) snapshot.health = entry.health;
  return snapshot;
}
