/**
 * The plugin SDK: what a domain written in TypeScript imports, and nothing else of the host.
 * Describe the domain with {@link definePlugin} and hand it to {@link serve}.
 * @module
 */
export type {
  Attestation,
  AttestationCommand,
  AttestationFilter,
  AttestationStore,
  Config,
  ConfigField,
  ConfigFieldType,
  ConfigSchema,
  HealthStatus,
  Job,
  JobStatus,
  LogFields,
  Logger,
  Metadata,
  NewJob,
  QueueService,
} from "../plugin/mod.ts";
export { JOB_STATUSES } from "../plugin/mod.ts";
export type { CAPABILITIES, Capability, PluginAddress } from "../protocol/wire.ts";
export {
  definePlugin,
  type GlyphDeclaration,
  type JobContext,
  type JobHandler,
  type PluginContext,
  type PluginDefinition,
  RetryableError,
  type Route,
  type RouteHandler,
  type ScheduleDeclaration,
  type SocketHandler,
  type WatcherDeclaration,
} from "./definition.ts";
export { definitionProblems, PluginDefinitionError } from "./definition_check.ts";
export { type PluginService } from "./plugin_service.ts";
export { capabilitiesOf } from "./capabilities_of.ts";
export { serve, type ServeOptions, type ServingPlugin } from "./serve.ts";
export { type Listener, PluginSocket, type SocketTransport } from "./socket.ts";
export type { RemoteSchedules, ScheduledJob } from "./host_clients.ts";
export { HttpError, readJson, readText } from "./request_body.ts";
export type { PluginRouter, RouteMatch } from "./router.ts";
/** An `application/problem+json` answer (RFC 9457), as the host writes its own. */
export { problemJson as problem } from "../protocol/wire.ts";
