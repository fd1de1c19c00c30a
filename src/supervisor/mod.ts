/** Plugins as supervised, sandboxed processes: discovery, launch, restarts, logs. @module */
export { type BackoffPolicy, CrashHistory, DEFAULT_BACKOFF } from "./backoff.ts";
export { type ConfinementTools, findConfinementTools } from "./confine.ts";
export { DataClient } from "./data_client.ts";
export { freePort } from "./free_port.ts";
export { glyphProblem } from "./glyphs.ts";
export { providerProblem } from "./provider_roles.ts";
export { stripAnsi } from "./start_failure.ts";
export {
  discoverFolder,
  discoverPlugin,
  type Discovery,
  executableNames,
  type FoundPlugin,
  searchPath,
} from "./discovery.ts";
export { type LaunchCommand, launchCommand, type LaunchContext } from "./launch_command.ts";
export { type LaunchFolder, launchPaths, type LaunchSlot } from "./launch_folder.ts";
export { LogBuffer, type LogSubscriber, parseLogLine, type PluginLogLine } from "./log_buffer.ts";
export { LogFile } from "./log_file.ts";
export {
  type Manifest,
  MANIFEST_FILE,
  ManifestError,
  parseManifest,
  type PermissionRequest,
  sha256Hex,
} from "./manifest.ts";
export { askMessage, type HostAddress, pendingAsks } from "./permission_request.ts";
export { describeManifest, type ManifestView, readManifestView } from "./manifest_view.ts";
export { ProcessLedger, type ProcessRecord, processStartTicks } from "./orphans.ts";
export { SDK_SOURCE_FOLDERS, type SdkBundle, SdkBundler } from "./sdk_bundle.ts";
export { describeExit, type ExitStatus, PluginProcess, StartError } from "./plugin_process.ts";
export { PluginSupervisor } from "./plugin_supervisor.ts";
export { type SupervisionTimeouts, type SupervisorContext } from "./supervisor_context.ts";
export {
  type Grants,
  GRPC_ENV,
  NO_GRANTS,
  sandboxEnv,
  sandboxFlags,
  type SandboxPaths,
} from "./sandbox.ts";
export { Supervisor } from "./supervisor.ts";
export { type Upgrade } from "./upgrade.ts";
export { type TokenOwner, TokenRegistry } from "./tokens.ts";
export { toWireConfig } from "./wire_config.ts";
