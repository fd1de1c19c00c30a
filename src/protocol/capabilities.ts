/**
 * What a plugin can say it implements, in `MetadataResponse.capabilities` (field 100), beyond
 * QNTX's contract. A plugin that lists none (a QNTX plugin) is treated as having only the
 * required RPCs; optional ones are probed and an UNIMPLEMENTED answer is not an error.
 */
export const CAPABILITIES = {
  pause: "pause",
  configSchema: "config_schema",
  jobs: "jobs",
  websocket: "websocket",
  http: "http",
  /** HTTP over this host's data channel (a second Unix socket, `--data-socket`). */
  dataChannel: "data_channel",
  /** WebSockets over the data channel too (WS_* frames), instead of `HandleWebSocket`. */
  websocketChannel: "websocket_channel",
  /** `ExecuteJob` over the data channel too (CALL and REPLY frames), instead of gRPC. */
  jobChannel: "job_channel",
  /**
   * A second `Initialize` (`reconfigure = true`) is applied. Without it (every QNTX plugin: the
   * Go SDK runs Initialize once and answers later calls unchanged), new settings take a restart.
   */
  reconfigure: "reconfigure",
} as const;

/** The wire name of one capability: one of the values of {@link CAPABILITIES}. */
export type Capability = typeof CAPABILITIES[keyof typeof CAPABILITIES];

/** Version of this host's protocol extensions (`MetadataResponse.protocol_version`). */
export const PROTOCOL_VERSION = 1;
