/** The host's configuration (`am.toml`, environment overrides) and each plugin's `Config`. @module */
export { ConfigError, type ConfigIssue, formatIssue } from "./errors.ts";
export { flattenTable } from "./flatten.ts";
export { type HostConfig, isLoopbackAddress, parseHostConfig } from "./host_config.ts";
export {
  configFlag,
  type ConfigLocation,
  loadHostConfig,
  type LoadOptions,
  locateConfig,
} from "./load.ts";
export { HostConfigProvider } from "./provider.ts";
export {
  type ConfigChange,
  type GrantKey,
  LiveConfig,
  MASK,
  maskSecrets,
  type UpdateResult,
  writeAtomically,
} from "./live_config.ts";
export { type FieldErrors, validateConfig } from "./schema_validation.ts";
export { setTableValues } from "./toml_edit.ts";
export { type PluginFile, pluginFilePath, readPluginFile } from "./plugin_file.ts";
