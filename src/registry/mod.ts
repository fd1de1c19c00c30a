/** The registry of domain plugins: names, versions, states and lifecycle calls. @module */
export {
  type CompatibilityProblem,
  compatibilityProblem,
  DEV_VERSION,
  versionProblem,
} from "./compatibility.ts";
export { get, list, register, setDefaultRegistry } from "./default_registry.ts";
export { reasonOf, RegistryError, type RegistryErrorCode } from "./errors.ts";
export type { StateChange, StateChangeListener } from "./events.ts";
export { canTransition, transition, TRANSITIONS } from "./lifecycle.ts";
export { HOST_TABLES, type HostTable, nameProblem, RESERVED_NAMES } from "./names.ts";
export {
  DEFAULT_DEADLINES,
  type HealthReport,
  type PluginSnapshot,
  type PluginTraits,
  type RegistryDeadlines,
  type RegistryOptions,
} from "./entry.ts";
export { PluginTable } from "./plugin_table.ts";
export { newRegistry, Registry } from "./registry.ts";
