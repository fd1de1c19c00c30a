import type { ConfigSchema } from "./config.ts";
import type { HealthStatus } from "./health.ts";
import type { Metadata } from "./metadata.ts";
import type { ServiceRegistry } from "./services.ts";

/** Answers one HTTP request under `/api/<domain>`; `params` holds the path's named groups. */
export type HttpHandler = (
  request: Request,
  params: Record<string, string | undefined>,
) => Response | Promise<Response>;

/** Where a plugin mounts its HTTP routes; paths are relative to `/api/<domain>`. */
export interface HttpRouter {
  /** `method` is an HTTP method or `*`; `path` a URLPattern pathname such as `/items/:id`. */
  handle(method: string, path: string, handler: HttpHandler): void;
}

/** Serves one WebSocket connection under `/<domain>-ws`. */
export type WebSocketHandler = (socket: WebSocket, request: Request) => void;

/** The interface every domain implements, in process or behind gRPC. */
export interface DomainPlugin {
  metadata(): Metadata;
  /** Called once per process instance; `signal` aborts when the host's deadline passes. */
  initialize(services: ServiceRegistry, signal?: AbortSignal): Promise<void>;
  shutdown(signal?: AbortSignal): Promise<void>;
  registerHttp(router: HttpRouter): void;
  /** Sub-path of `/<domain>-ws` (`""` for the root) to handler. */
  registerWebSocket(): Map<string, WebSocketHandler>;
  health(signal?: AbortSignal): Promise<HealthStatus>;
}

/** A plugin that can stop work without stopping its process; HTTP answers 503 meanwhile. */
export interface PausablePlugin extends DomainPlugin {
  pause(signal?: AbortSignal): Promise<void>;
  resume(signal?: AbortSignal): Promise<void>;
}

/** A plugin that declares the schema of its configuration. */
export interface ConfigurablePlugin extends DomainPlugin {
  configSchema(): ConfigSchema;
}

/** Whether the plugin implements pause and resume. */
export function isPausablePlugin(plugin: DomainPlugin): plugin is PausablePlugin {
  const candidate = plugin as Partial<PausablePlugin>;
  return typeof candidate.pause === "function" && typeof candidate.resume === "function";
}

/** Whether the plugin declares a configuration schema. */
export function isConfigurablePlugin(plugin: DomainPlugin): plugin is ConfigurablePlugin {
  return typeof (plugin as Partial<ConfigurablePlugin>).configSchema === "function";
}
