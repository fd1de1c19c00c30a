import { type HealthStatus, type Logger, PluginConfig } from "../plugin/mod.ts";
import {
  CallStatus,
  type Capability,
  channelMethodById,
  domain,
  problemJson,
  PROTOCOL_VERSION,
} from "../protocol/wire.ts";
import type { PluginContext, PluginDefinition } from "./definition.ts";
import { capabilitiesOf } from "./capabilities_of.ts";
import { CallFailure, type UnaryRpcs } from "./unary_rpcs.ts";
import { RemoteAttestationStore, RemoteQueue, RemoteSchedules } from "./host_clients.ts";
import { executeJob } from "./jobs.ts";
import { HttpError } from "./request_body.ts";
import { PluginRouter } from "./router.ts";
import { pathnameOf } from "./path_pattern.ts";
import { describeThrown } from "./thrown.ts";
import { permissionDenial } from "./permission_denial.ts";

const problem = (status: number, detail: string) => problemJson(status, detail);

/**
 * The plugin side of `DomainPluginService` for one definition: the state of the process
 * (configuration, host clients, paused) and a handler per RPC. Handlers never throw into
 * grpc-js: a plugin bug becomes an answer (500, `success=false`) or a gRPC status.
 *
 * The SDK's internal type: `serve` makes it, and tests read it through
 * `ServingPlugin.service`; plugin code does not use it.
 */
export class PluginService {
  /** The definition's routes. */
  readonly router: PluginRouter;
  readonly #shutdown = new AbortController();
  #config: PluginConfig;
  #ats = new RemoteAttestationStore("", "");
  #queue = new RemoteQueue("", "");
  #schedules = new RemoteSchedules("", "");
  #initialized = false;
  #paused = false;

  /** Capabilities of this process beyond the definition's (the data channel, when served). */
  readonly extraCapabilities: Capability[] = [];
  /** The plugin's writable folder, from the host's arguments. */
  dataDir?: string;

  /** The service for `definition`; `onShutdown` is called when the host calls Shutdown. */
  constructor(
    readonly definition: PluginDefinition,
    readonly logger: Logger,
    readonly onShutdown: () => void,
  ) {
    this.router = new PluginRouter(definition.routes ?? []);
    this.#config = new PluginConfig(definition.metadata.name, {}, logger);
  }

  #context?: { dataDir: string | undefined; context: PluginContext };

  /** What the plugin's code gets now: the latest configuration and host clients. */
  get context(): PluginContext {
    // Made once (per data folder): its getters read the latest values on every use.
    if (this.#context?.dataDir !== this.dataDir || !this.#context) {
      this.#context = { dataDir: this.dataDir, context: this.#makeContext() };
    }
    return this.#context.context;
  }

  #makeContext(): PluginContext {
    // Live: a context kept by a long-lived WebSocket handler or a timer reads the settings and
    // host clients of the latest Initialize, not those a reconfigure has closed.
    const current = {
      config: () => this.#config,
      ats: () => this.#ats,
      queue: () => this.#queue,
      schedules: () => this.#schedules,
    };
    return {
      metadata: this.definition.metadata,
      get config() {
        return current.config();
      },
      logger: this.logger,
      get ats() {
        return current.ats();
      },
      get queue() {
        return current.queue();
      },
      get schedules() {
        return current.schedules();
      },
      signal: this.#shutdown.signal,
      ...(this.dataDir ? { dataDir: this.dataDir } : {}),
    };
  }

  /**
   * The context of one request: the values in force when it came, as plain fields (made for
   * every request, so no getters to run and no spread).
   */
  #requestContext(
    params: Record<string, string | undefined>,
  ): PluginContext & { params: Record<string, string | undefined> } {
    const context = {
      metadata: this.definition.metadata,
      config: this.#config,
      logger: this.logger,
      ats: this.#ats,
      queue: this.#queue,
      schedules: this.#schedules,
      signal: this.#shutdown.signal,
      params,
    };
    return this.dataDir ? { ...context, dataDir: this.dataDir } : context;
  }

  /** Whether the operator has paused the plugin. */
  get paused(): boolean {
    return this.#paused;
  }

  /** Stops host clients and aborts the context's signal; runs the plugin's shutdown hook. */
  async stop(): Promise<void> {
    if (this.#shutdown.signal.aborted) return;
    this.#shutdown.abort(new Error("the plugin is shutting down"));
    try {
      await this.definition.shutdown?.(this.context);
    } catch (error) {
      this.logger.error("shutdown hook failed", { error });
    }
    this.#ats.close();
    this.#queue.close();
    this.#schedules.close();
  }

  /**
   * The unary RPCs, whichever transport carries them (the data channel or gRPC): a refusal
   * throws a {@link CallFailure} with its gRPC status. Internal: its types are the wire's.
   * @internal
   */
  readonly rpcs: UnaryRpcs = {
    metadata: () => ({
      ...this.definition.metadata,
      capabilities: [...capabilitiesOf(this.definition), ...this.extraCapabilities],
      protocolVersion: PROTOCOL_VERSION,
    }),
    initialize: (request) => this.#initialize(request),
    shutdown: async () => {
      await this.stop();
      this.onShutdown();
      return {};
    },
    health: () => this.#health(),
    configSchema: () => ({ fields: toWireSchema(this.definition) }),
    registerGlyphs: () => ({ glyphs: wireGlyphs(this.definition) }),
    // The host cancels a job at its deadline or when an operator cancels it.
    executeJob: (request, cancelled) => this.#runJob(request, cancelled),
    pause: () => this.#pausable("pause"),
    resume: () => this.#pausable("resume"),
  };

  /**
   * Answers one call on the data channel: `method` is the CALL's first byte, `request` the
   * rest; resolves with the answer's protobuf bytes.
   */
  async answerCall(method: number, request: Uint8Array, signal: AbortSignal): Promise<Uint8Array> {
    const found = channelMethodById(method);
    if (!found) throw new CallFailure(CallStatus.UNIMPLEMENTED, `no call method ${method}`);
    const [name, codec] = found;
    let decoded: unknown;
    try {
      decoded = codec.request.decode(request);
    } catch (error) {
      throw new CallFailure(
        CallStatus.INVALID_ARGUMENT,
        `a bad ${name} request: ${(error as Error).message}`,
      );
    }
    const rpc = this.rpcs[name] as (request: unknown, signal: AbortSignal) => unknown;
    return codec.response.encode(await rpc(decoded, signal)).finish();
  }

  async #pausable(action: "pause" | "resume"): Promise<domain.Empty> {
    const { definition } = this;
    const hook = definition[action];
    if (!hook || !definition.pause || !definition.resume) {
      throw new CallFailure(
        CallStatus.UNIMPLEMENTED,
        `plugin "${definition.metadata.name}" cannot ${action}`,
      );
    }
    await hook.call(definition, this.context);
    this.#paused = action === "pause";
    this.logger.info(action === "pause" ? "paused" : "resumed");
    return {};
  }

  /** One job, asked over gRPC or the data channel; `cancelled` aborts when the host cancels. */
  #runJob(
    request: domain.ExecuteJobRequest,
    cancelled: AbortSignal,
  ): Promise<domain.ExecuteJobResponse> {
    const queue = this.#queue;
    return executeJob(
      request,
      this.definition.jobs ?? {},
      this.context,
      cancelled,
      (jobId, progress) => queue.reportProgress(jobId, progress),
    );
  }

  async #initialize(request: domain.InitializeRequest): Promise<domain.InitializeResponse> {
    const reconfigure = this.#initialized;
    const { name } = this.definition.metadata;
    // A setting the operator left out takes the default the plugin's schema declares.
    const defaults = Object.fromEntries(
      Object.entries(this.definition.configSchema ?? {}).filter(([, field]) =>
        field.defaultValue !== undefined
      ).map(([key, field]) => [key, field.defaultValue]),
    );
    this.#config = new PluginConfig(name, { ...defaults, ...request.config }, this.logger);
    this.#ats.close();
    this.#queue.close();
    this.#ats = new RemoteAttestationStore(request.atsStoreEndpoint, request.authToken);
    this.#queue = new RemoteQueue(request.queueEndpoint, request.authToken);
    this.#schedules.close();
    this.#schedules = new RemoteSchedules(request.scheduleEndpoint, request.authToken);
    try {
      await this.definition.initialize?.(this.context, { reconfigure });
    } catch (error) {
      // The stack goes to the plugin's log; the host gets where it broke, in one line.
      this.logger.error(
        `${reconfigure ? "reconfigure" : "initialize"} failed: ${describeThrown(error)}`,
        { error },
      );
      throw new Error(describeThrown(error, undefined, name));
    }
    this.#initialized = true;
    this.logger.info(reconfigure ? "reconfigured" : "initialized");
    return domain.InitializeResponse.fromPartial({
      handlerNames: Object.keys(this.definition.jobs ?? {}),
      schedules: (this.definition.schedules ?? []).map((schedule) => ({
        handlerName: schedule.handler,
        intervalSeconds: schedule.intervalSeconds,
        enabledByDefault: schedule.enabledByDefault ?? true,
        description: schedule.description ?? "",
        atsCode: "",
      })),
      httpRoutes: (this.definition.routes ?? []).map((route) => ({
        method: route.method.toUpperCase(),
        path: route.path,
        description: route.description ?? "",
      })),
      watchers: (this.definition.watchers ?? []).map((watcher) => ({
        id: watcher.id,
        handlerName: watcher.handler,
        subjects: watcher.subjects ?? [],
        predicates: watcher.predicates ?? [],
        contexts: watcher.contexts ?? [],
        actors: watcher.actors ?? [],
        maxFiresPerSecond: watcher.maxFiresPerSecond ?? 10,
      })),
    });
  }

  /**
   * Answers one web request as the plugin would over any transport: 503 while paused, the
   * first matching route, else `fetch`, else 404/405; a handler that throws an
   * {@link HttpError} gets its status, any other throw is a 500.
   */
  async respond(request: Request): Promise<Response> {
    const { name } = this.definition.metadata;
    if (this.#paused) return problem(503, `plugin "${name}" is paused`);
    const url = { pathname: pathnameOf(request.url) };
    const found = this.router.match(request.method, url.pathname);
    try {
      if (found.kind === "found") {
        return await found.handler(request, this.#requestContext(found.params));
      }
      if (this.definition.fetch) {
        return await this.definition.fetch(request, this.#requestContext({}));
      }
      if (found.kind === "wrong-method") {
        const response = problem(405, `${url.pathname} does not accept ${request.method}`);
        response.headers.set("allow", found.allow.join(", "));
        return response;
      }
      return problem(404, `plugin "${name}" has no route for ${url.pathname}`);
    } catch (error) {
      if (error instanceof HttpError) return problem(error.status, error.message);
      const denied = permissionDenial(error, name);
      if (denied) {
        this.logger.error(`${request.method} ${url.pathname}: ${denied.detail}`, {
          permission: denied.permission,
          value: denied.value,
        });
        return problemJson(500, denied.detail, {
          permission: denied.permission,
          value: denied.value,
          grant: denied.grant,
        });
      }
      this.logger.error(`${request.method} ${url.pathname} failed: ${describeThrown(error)}`, {
        error,
      });
      return problem(
        500,
        `plugin "${name}" failed to handle ${request.method} ${url.pathname}: ` +
          describeThrown(error),
      );
    }
  }

  async #health(): Promise<domain.HealthResponse> {
    let status: Partial<HealthStatus> = {};
    try {
      status = (await this.definition.health?.(this.context)) ?? {};
    } catch (error) {
      status = { healthy: false, message: `health check failed: ${(error as Error).message}` };
    }
    const details: Record<string, string> = {};
    for (const [key, value] of Object.entries(status.details ?? {})) {
      details[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
    return {
      healthy: status.healthy ?? true,
      message: status.message ?? (this.#paused ? "paused" : "ok"),
      details,
      paused: this.#paused,
    };
  }
}

function toWireSchema(definition: PluginDefinition): Record<string, domain.ConfigFieldSchema> {
  const fields: Record<string, domain.ConfigFieldSchema> = {};
  for (const [key, field] of Object.entries(definition.configSchema ?? {})) {
    const text = (value: unknown) =>
      value === undefined ? "" : typeof value === "string" ? value : JSON.stringify(value);
    fields[key] = {
      type: field.type,
      description: field.description,
      defaultValue: text(field.defaultValue),
      required: field.required ?? false,
      minValue: text(field.minValue),
      maxValue: text(field.maxValue),
      pattern: field.pattern ?? "",
      secret: field.secret ?? false,
      elementType: field.elementType ?? "",
    };
  }
  return fields;
}

function wireGlyphs(definition: PluginDefinition): domain.GlyphDef[] {
  return (definition.glyphs ?? []).map((glyph) => ({
    symbol: glyph.symbol,
    title: glyph.title,
    label: glyph.label ?? "",
    contentPath: glyph.contentPath ?? "",
    cssPath: glyph.cssPath ?? "",
    defaultWidth: glyph.defaultWidth ?? 0,
    defaultHeight: glyph.defaultHeight ?? 0,
    modulePath: glyph.modulePath ?? "",
  }));
}
