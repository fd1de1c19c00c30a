/**
 * The `plugin` contract: what every domain implements and what the host gives it.
 * Types, guards and pure readings of configuration values; nothing here does I/O or imports
 * host internals, so both the host and the plugin SDK build on it.
 * @module
 */
export type {
  Attestation,
  AttestationCommand,
  AttestationFilter,
  AttestationStore,
} from "./attestation.ts";
export type {
  Config,
  ConfigField,
  ConfigFieldType,
  ConfigProvider,
  ConfigSchema,
} from "./config.ts";
export {
  type ConfigurablePlugin,
  type DomainPlugin,
  type HttpHandler,
  type HttpRouter,
  isConfigurablePlugin,
  isPausablePlugin,
  type PausablePlugin,
  type WebSocketHandler,
} from "./domain_plugin.ts";
export type { HealthStatus } from "./health.ts";
export { type Job, JOB_STATUSES, type JobStatus, type NewJob, type QueueService } from "./job.ts";
export type { LogFields, Logger, LogLevel } from "./logger.ts";
export type { Metadata } from "./metadata.ts";
export type { ServiceRegistry } from "./services.ts";
export { isPluginState, PLUGIN_STATES, type PluginState } from "./state.ts";
export { PluginConfig } from "./plugin_config.ts";
export { ENV_REFERENCE, envGrantProblem, envReference } from "./env_reference.ts";
export {
  parseBool,
  parseDuration,
  parseInteger,
  parseNumber,
  parseSize,
  parseStringList,
  stringOf,
} from "./values.ts";
export { PluginCallError, type PluginCallFailure } from "./call_error.ts";
