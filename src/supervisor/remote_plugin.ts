import type {
  ConfigField,
  ConfigFieldType,
  ConfigSchema,
  DomainPlugin,
  HealthStatus,
  Metadata,
  ServiceRegistry,
  WebSocketHandler,
} from "../plugin/mod.ts";
import { CAPABILITIES, type domain } from "../protocol/mod.ts";

/** What the facade needs from its supervisor: the current process and the lifecycle calls. */
export interface PluginProcessControl {
  initialize(signal?: AbortSignal): Promise<void>;
  shutdown(): Promise<void>;
  health(signal?: AbortSignal): Promise<domain.HealthResponse>;
  call(rpc: "pause" | "resume", signal?: AbortSignal): Promise<void>;
}

/** The metadata a plugin process announced, as the contract types it. */
export function toMetadata(wire: domain.MetadataResponse): Metadata {
  return {
    name: wire.name,
    version: wire.version,
    qntxVersion: wire.qntxVersion,
    description: wire.description,
    author: wire.author,
    license: wire.license,
  };
}

const FIELD_TYPES = new Set(["string", "number", "boolean", "array"]);

/** A schema from the wire (values as strings) back into typed fields; unknown types read as string. */
export function toConfigSchema(wire: domain.ConfigSchemaResponse): ConfigSchema {
  const schema: ConfigSchema = {};
  for (const [key, field] of Object.entries(wire.fields)) {
    const type = (FIELD_TYPES.has(field.type) ? field.type : "string") as ConfigFieldType;
    const typed: ConfigField = { type, description: field.description, required: field.required };
    if (field.defaultValue !== "") typed.defaultValue = readDefault(type, field.defaultValue);
    if (field.minValue !== "" && Number.isFinite(Number(field.minValue))) {
      typed.minValue = Number(field.minValue);
    }
    if (field.maxValue !== "" && Number.isFinite(Number(field.maxValue))) {
      typed.maxValue = Number(field.maxValue);
    }
    if (field.pattern !== "") typed.pattern = field.pattern;
    if (field.secret) typed.secret = true;
    if (FIELD_TYPES.has(field.elementType) && field.elementType !== "array") {
      typed.elementType = field.elementType as Exclude<ConfigFieldType, "array">;
    }
    schema[key] = typed;
  }
  return schema;
}

function readDefault(type: ConfigFieldType, text: string): unknown {
  if (type === "string") return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * A plugin process as the registry sees it: a `DomainPlugin` whose calls go to whichever
 * process of the plugin is current. Pause and resume exist only when the plugin said it has
 * them. HTTP and WebSocket traffic does not go through here: the edge proxies it.
 */
export function remotePlugin(
  wire: domain.MetadataResponse,
  schema: ConfigSchema,
  control: PluginProcessControl,
): DomainPlugin {
  const metadata = toMetadata(wire);
  const plugin: DomainPlugin & { configSchema(): ConfigSchema } = {
    metadata: () => metadata,
    initialize: (_services: ServiceRegistry, signal?: AbortSignal) => control.initialize(signal),
    shutdown: () => control.shutdown(),
    registerHttp: () => {},
    registerWebSocket: () => new Map<string, WebSocketHandler>(),
    async health(signal?: AbortSignal): Promise<HealthStatus> {
      const answer = await control.health(signal);
      return {
        healthy: answer.healthy,
        paused: answer.paused,
        message: answer.message,
        details: answer.details,
      };
    },
    configSchema: () => schema,
  };
  if (wire.capabilities.includes(CAPABILITIES.pause)) {
    return Object.assign(plugin, {
      pause: (signal?: AbortSignal) => control.call("pause", signal),
      resume: (signal?: AbortSignal) => control.call("resume", signal),
    });
  }
  return plugin;
}
