import { type ConfigSchema, type Logger, PluginCallError } from "../plugin/mod.ts";
import type { ClientDuplexStream } from "@grpc/grpc-js";
import type {
  ChannelSocket,
  ChannelSocketEvents,
  domain,
  StreamedResponse,
} from "../protocol/mod.ts";
import { nameProblem, type Registry, RegistryError } from "../registry/mod.ts";
import { discoverFolder, discoverPlugin } from "./discovery.ts";
import type { PluginConnection } from "./plugin_connection.ts";
import type { LogBuffer } from "./log_buffer.ts";
import { type ManifestView, readManifestView } from "./manifest_view.ts";
import { PluginSupervisor } from "./plugin_supervisor.ts";
import type { SupervisorContext } from "./supervisor_context.ts";
import type { Upgrade } from "./upgrade.ts";
import type { UnaryMethod } from "../h2c/mod.ts";
import { HANDLE_HTTP, PARSE_AX_QUERY } from "./plugin_methods.ts";

/**
 * Every plugin process of the host: finds enabled plugins in the search paths, starts them
 * side by side (their routes answer 503 while they load), and offers enable, disable and
 * restart while the host runs. A plugin that cannot be found or started fails alone.
 */
export class Supervisor {
  readonly #plugins = new Map<string, PluginSupervisor>();
  /** Enables and disables under way, by plugin (see {@link enable}). */
  readonly #enabling = new Map<string, Promise<void>>();
  readonly #disabling = new Map<string, Promise<void>>();
  readonly #handlerSets = new WeakMap<domain.InitializeResponse, ReadonlySet<string>>();
  /** The launch each WebSocket stream was opened on, for its close code. */
  readonly #streams = new WeakMap<object, PluginConnection>();
  readonly #registry: Registry;
  readonly #logger: Logger;

  constructor(
    readonly context: SupervisorContext,
    readonly searchPaths: readonly string[],
    readonly cwd: string,
  ) {
    this.#registry = context.registry;
    this.#logger = context.logger;
  }

  /** The supervisor of one plugin, once it was found. */
  get(name: string): PluginSupervisor | undefined {
    return this.#plugins.get(name);
  }

  /**
   * Reserves every name at once (so routes answer 503 rather than 404), then discovers and
   * starts the plugins concurrently. Resolves when each is running or has failed.
   */
  async startAll(names: readonly string[]): Promise<void> {
    await Promise.all(this.reserve(names).map((name) => this.enable(name)));
  }

  /** Reserves the names at once (state `loading`); returns those that could be reserved. */
  reserve(names: readonly string[]): string[] {
    return names.filter((name) => {
      try {
        if (this.#registry.getState(name) === undefined) this.#registry.preRegister(name);
        return true;
      } catch (error) {
        this.#logger.error(`plugin "${name}" cannot be loaded: ${(error as Error).message}`, {
          plugin: name,
        });
        return false;
      }
    });
  }

  /**
   * Starts a plugin that is not running (finding it again, so a new build on disk is used).
   * One process per plugin: a plugin already running, paused, starting or restarting is left
   * as it is, and calls while a start is under way share it. A disable under way finishes
   * first; otherwise the state leaves `stopped` or `failed` before the first await, so a
   * caller that saw it there just before knows no other start got in between. Throws a
   * `RegistryError` for a name no plugin can have.
   */
  enable(name: string): Promise<void> {
    const pending = this.#enabling.get(name);
    if (pending) return pending;
    const enabling = this.#enable(name).finally(() => this.#enabling.delete(name));
    this.#enabling.set(name, enabling);
    return enabling;
  }

  async #enable(name: string): Promise<void> {
    const disabling = this.#disabling.get(name);
    if (disabling) await disabling;
    const current = this.#plugins.get(name);
    if (current) return current.start();
    const problem = nameProblem(name);
    if (problem) {
      throw new RegistryError("invalid", `plugin "${name}" cannot be enabled: ${problem}`);
    }
    // Loading at once: the name answers 503 while the plugin is looked for.
    const state = this.#registry.getState(name);
    if (state === undefined) this.#registry.preRegister(name);
    else if (state === "stopped" || state === "failed") {
      this.#registry.markLoading(name, "starting");
    }
    const veto = this.context.vetoed?.(name);
    if (veto) {
      this.#logger.warn(`plugin "${name}" stays off: ${veto}`, { plugin: name });
      this.#registry.markStopped(name, veto);
      return;
    }
    const found = await discoverPlugin(name, this.searchPaths, this.cwd, this.context.hostEnv.HOME);
    // Disabled while it was looked for: it stays stopped.
    if (this.#registry.getState(name) !== "loading") return;
    if (!found.ok) {
      this.#logger.error(found.problem, { plugin: name });
      this.#registry.markFailed(name, found.problem);
      return;
    }
    const supervisor = new PluginSupervisor(found.plugin, this.context);
    this.#plugins.set(name, supervisor);
    await supervisor.start();
  }

  disable(name: string): Promise<void> {
    const disabling = this.#disable(name).finally(() => {
      if (this.#disabling.get(name) === disabling) this.#disabling.delete(name);
    });
    this.#disabling.set(name, disabling);
    return disabling;
  }

  async #disable(name: string): Promise<void> {
    const supervisor = this.#plugins.get(name);
    if (supervisor) await supervisor.disable();
    else if (this.#registry.getState(name) !== undefined) {
      this.#registry.markStopped(name, "disabled");
    }
  }

  /** Restarts plugin `name` from what is on disk now (found again; as before if not found). */
  async restart(name: string): Promise<void> {
    const supervisor = this.#plugins.get(name);
    if (!supervisor) return this.enable(name);
    const found = await this.#find(name);
    await supervisor.restart(found.ok ? found.plugin : undefined);
  }

  /**
   * Switches running plugin `name` to the version now on disk (found again in the search
   * paths), or to the one in folder `dir` (an installed version), without a gap: see
   * {@link PluginSupervisor.upgrade}.
   */
  async upgrade(name: string, dir?: string): Promise<Upgrade> {
    const plugin = this.#plugins.get(name);
    if (!plugin) {
      throw new RegistryError("conflict", `plugin "${name}" has no process to upgrade; enable it`);
    }
    const found = await this.#find(name, dir);
    if (!found.ok) {
      throw new RegistryError("failed", `upgrade of plugin "${name}" failed: ${found.problem}`);
    }
    return await plugin.upgrade(found.plugin);
  }

  #find(name: string, dir?: string) {
    return dir === undefined
      ? discoverPlugin(name, this.searchPaths, this.cwd, this.context.hostEnv.HOME)
      : discoverFolder(name, dir);
  }

  /** Pauses plugin `name` (an in-process one through the registry). */
  pause(name: string): Promise<void> {
    return this.#plugins.get(name)?.pause() ?? this.#registry.pause(name);
  }

  /** Resumes plugin `name` (an in-process one through the registry). */
  resume(name: string): Promise<void> {
    return this.#plugins.get(name)?.resume() ?? this.#registry.resume(name);
  }

  /** Probes every running or paused process's health at once; the answers go to the registry. */
  async probeAll(): Promise<void> {
    await Promise.all([...this.#plugins.values()].map((plugin) => plugin.probe()));
  }

  /** Forwards one HTTP request to plugin `name`'s process. */
  handleHttp(
    name: string,
    request: domain.HTTPRequest,
    deadlineMs: number,
    signal?: AbortSignal,
  ): Promise<domain.HTTPResponse> {
    return this.#unary(name, HANDLE_HTTP, request, deadlineMs, signal);
  }

  /** Runs one job on plugin `name`'s process within `deadlineMs`. */
  executeJob(
    name: string,
    request: domain.ExecuteJobRequest,
    deadlineMs: number,
    signal?: AbortSignal,
  ): Promise<domain.ExecuteJobResponse> {
    const connection = this.#connection(name);
    if (!connection) return Promise.reject(noProcess(name));
    return connection.executeJob(request, deadlineMs, signal);
  }

  /** QNTX's `ParseAxQuery` on plugin `name`: an Ax query's syntax tree as JSON. */
  parseAxQuery(
    name: string,
    query: string,
    deadlineMs: number,
  ): Promise<domain.ParseAxQueryResponse> {
    return this.#unary(name, PARSE_AX_QUERY, { query }, deadlineMs);
  }

  /** QNTX's provider roles served now (`search`), for operators. */
  providers(): { role: string; plugin: string }[] {
    return this.context.searchProviders?.roles?.() ?? [];
  }

  #unary<Req, Res>(
    name: string,
    method: UnaryMethod<Req, Res>,
    request: Req,
    deadlineMs: number,
    signal?: AbortSignal,
  ): Promise<Res> {
    const connection = this.#connection(name);
    if (!connection) return Promise.reject(noProcess(name));
    return connection.unary(method, request, deadlineMs, signal);
  }

  /** Job handlers of each plugin whose process runs, as its last Initialize declared them. */
  jobHandlers(): Map<string, ReadonlySet<string>> {
    const handlers = new Map<string, ReadonlySet<string>>();
    for (const plugin of this.#plugins.values()) {
      // A process being stopped takes no new job (each would be refused at once, and taken
      // again): they wait in the queue for the next process.
      if (plugin.connection?.stopping) continue;
      const declared = plugin.declared;
      if (!declared) continue;
      // Workers ask before every job: each Initialize's answer becomes a set once.
      let names = this.#handlerSets.get(declared);
      if (!names) this.#handlerSets.set(declared, names = new Set(declared.handlerNames));
      handlers.set(plugin.name, names);
    }
    return handlers;
  }

  /** Forwards one HTTP request over plugin `name`'s data channel; null when it has none. */
  streamHttp(
    name: string,
    head: domain.HTTPRequest,
    body: ReadableStream<Uint8Array> | null,
    deadlineMs: number,
    caller?: { readonly signal: AbortSignal },
  ): Promise<StreamedResponse> | null {
    return this.#connection(name)?.stream(head, body, deadlineMs, caller) ?? null;
  }

  /** Opens a WebSocket stream to plugin `name`'s process. */
  openWebSocket(
    name: string,
    metadata?: Record<string, string>,
  ): ClientDuplexStream<domain.WebSocketMessage, domain.WebSocketMessage> {
    const connection = this.#connection(name);
    if (!connection) throw noProcess(name);
    const stream = connection.openWebSocket(metadata);
    this.#streams.set(stream, connection);
    return stream;
  }

  /** Opens a WebSocket session over plugin `name`'s data channel; null when it has none. */
  openWebSocketChannel(
    name: string,
    connect: Record<string, string>,
    events: ChannelSocketEvents,
    maxMessageBytes: number,
  ): ChannelSocket | null {
    const connection = this.#connection(name);
    if (!connection) throw noProcess(name);
    const socket = connection.openChannelSocket(connect, events, maxMessageBytes);
    if (socket) this.#streams.set(socket, connection);
    return socket;
  }

  /** The current launch of plugin `name`: one lookup for every call the edge makes. */
  #connection(name: string): PluginConnection | undefined {
    return this.#plugins.get(name)?.connection;
  }

  /** Why a WebSocket stream of plugin `name` ended; `stream` is what opened it, if known. */
  closeCodeFor(name: string, stream?: object): 1001 | 1011 | 1012 {
    return this.#plugins.get(name)?.closeCode(stream && this.#streams.get(stream)) ?? 1001;
  }

  /** Sends plugin `name`'s current configuration to its process; false when none runs. */
  reconfigure(name: string): Promise<boolean> {
    return this.#plugins.get(name)?.reconfigure() ?? Promise.resolve(false);
  }

  /** The configuration schema plugin `name` declared, once a process of it has started. */
  schema(name: string): ConfigSchema | undefined {
    return this.#plugins.get(name)?.schema;
  }

  /** The log of plugin `name`'s processes (ring buffer with live subscribers). */
  logs(name: string): LogBuffer | undefined {
    return this.#plugins.get(name)?.logs;
  }

  /** The glyph types of every running plugin, their paths under `/api/<plugin>/`. */
  glyphs(): (Record<string, unknown> & { plugin: string })[] {
    const under = (plugin: string, path: string) =>
      path === "" ? "" : `/api/${plugin}/${path.replace(/^\//, "")}`;
    return [...this.#plugins.values()].flatMap((plugin) => {
      if (this.#registry.getState(plugin.name) !== "running") return [];
      return (plugin.connection?.glyphs ?? []).map((glyph) => ({
        plugin: plugin.name,
        symbol: glyph.symbol,
        title: glyph.title,
        label: glyph.label,
        contentPath: under(plugin.name, glyph.contentPath),
        cssPath: under(plugin.name, glyph.cssPath),
        modulePath: under(plugin.name, glyph.modulePath),
        defaultWidth: glyph.defaultWidth,
        defaultHeight: glyph.defaultHeight,
      }));
    });
  }

  /** Every plugin's declared HTTP routes, from its last Initialize. */
  routes(): { plugin: string; method: string; path: string; description: string }[] {
    return [...this.#plugins.values()].flatMap((plugin) =>
      (plugin.declared?.httpRoutes ?? []).map((route) => ({ plugin: plugin.name, ...route }))
    );
  }

  /** Process facts of plugin `name`: kind, pid, the accesses Deno denied it. */
  describe(name: string): Record<string, unknown> | undefined {
    const plugin = this.#plugins.get(name);
    if (!plugin) return undefined;
    const { found } = plugin;
    return {
      kind: found.kind,
      pid: plugin.pid ?? null,
      // What the sandbox allows: the manifest's request and the operator's grant.
      permissions: "manifest" in found ? found.manifest.permissions : null,
      grants: this.context.grants(name),
      denied: plugin.denied.entries(),
    };
  }

  /**
   * What plugin `name`'s manifest on disk asks now and what of it the operator granted;
   * undefined when the plugin was not found or has no manifest (a QNTX executable). Throws a
   * `ManifestError` for a manifest that cannot be read.
   */
  manifest(name: string): Promise<ManifestView | undefined> {
    const plugin = this.#plugins.get(name);
    if (!plugin) return Promise.resolve(undefined);
    return readManifestView(
      plugin.found,
      this.context.grants(name),
      // As a launch weighs it (launch.ts): the host's own address is never approved.
      this.context.hostAddress?.() ?? { hostname: "127.0.0.1", port: 8877 },
    );
  }

  /** Stops every plugin process, as the host stops, and closes their log files. */
  async stopAll(): Promise<void> {
    const plugins = [...this.#plugins.values()];
    await Promise.all(plugins.map((plugin) => plugin.disable("host shutting down")));
    await Promise.all(plugins.map((plugin) => plugin.dispose()));
  }
}

function noProcess(name: string): PluginCallError {
  return new PluginCallError("unreachable", `plugin "${name}" has no running process`);
}
