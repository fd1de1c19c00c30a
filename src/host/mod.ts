/** The host's composition root: wiring config, store, registry and HTTP together. @module */
export { type Host, type HostOptions, startHost } from "./host.ts";
export { HostServices, type HostServicesDeps } from "./services.ts";
export { HOST_VERSION } from "./version.ts";
export { CredentialMissing } from "./operator_token.ts";
export { HOST_PERMISSIONS } from "./permissions.ts";
export { type CheckResult, denoCheck, followPluginFiles } from "./plugin_watch.ts";
