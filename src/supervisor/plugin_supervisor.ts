import type { ConfigSchema, DomainPlugin } from "../plugin/mod.ts";
import type { ClientDuplexStream } from "@grpc/grpc-js";
import type { ChannelSocket, ChannelSocketEvents, domain, UnaryMethod } from "../protocol/mod.ts";
import { reasonOf, RegistryError } from "../registry/mod.ts";
import { CrashHistory } from "./backoff.ts";
import type { FoundPlugin } from "./discovery.ts";
import type { StreamedResponse } from "./data_client.ts";
import {
  checkHostSocket,
  EXIT_GRACE_MS,
  exitWithin,
  forwardStream,
  forwardUnary,
  type Instance,
  instanceCall,
  openChannelSocket,
  openStream,
  PermanentFailure,
  releaseInstance,
  terminateInstance,
} from "./instance.ts";
import { launchInstance } from "./launch.ts";
import { LogBuffer } from "./log_buffer.ts";
import type { LogFile } from "./log_file.ts";
import { DeniedLog } from "./permission_audit.ts";
import { describeExit, type ExitStatus, StartError } from "./plugin_process.ts";
import { remotePlugin } from "./remote_plugin.ts";
import type { SupervisorContext } from "./supervisor_context.ts";
import { toWireConfig } from "./wire_config.ts";

const STDERR_IN_REASON = 5;
const AUDIT_POLL_MS = 1000;

/**
 * Keeps one plugin alive: launches its process in the sandbox, checks who answers, registers
 * it, initializes it, watches its exit (a crash is seen at once) and its health (a hang is
 * seen within a few probes), restarts it with backoff, and gives up into `failed` with the
 * reason when it crash-loops. Each launch is an {@link Instance}; everything tied to a process
 * hangs off it and goes with it.
 */
export class PluginSupervisor {
  readonly logs = new LogBuffer();
  /** Accesses Deno denied this plugin across its launches. */
  readonly denied: DeniedLog;
  /** The last read of an ended process's audit, which dispose waits for. */
  #lastAudit: Promise<void> = Promise.resolve();
  #instance?: Instance;
  #generation = 0;
  #wanted = false;
  #restartTimer?: ReturnType<typeof setTimeout>;
  #facade?: DomainPlugin;
  /** Known once a process has started and answered ConfigSchema. */
  #schema?: ConfigSchema;
  #healthMisses = 0;
  /** The last process's launch folder being released; the next launch waits for it. */
  #released: Promise<void> = Promise.resolve();
  readonly #crashes: CrashHistory;
  readonly #logFile?: LogFile;
  readonly #unsubscribeFile?: () => void;

  constructor(readonly found: FoundPlugin, readonly context: SupervisorContext) {
    this.#crashes = new CrashHistory(context.backoff);
    this.denied = new DeniedLog(found.name, context.logger);
    this.#logFile = context.logFile?.(found.name);
    if (this.#logFile) {
      const file = this.#logFile;
      this.#unsubscribeFile = this.logs.subscribe((line) => file.write(line));
    }
  }

  /** The configuration schema of the last process that started; undefined before. */
  get schema(): ConfigSchema | undefined {
    return this.#schema;
  }

  get name(): string {
    return this.found.name;
  }

  /** The current process's pid, if one runs. */
  get pid(): number | undefined {
    return this.#instance?.process.pid;
  }

  /** The socket on which the host serves its services to the current process. */
  get hostSocket(): string | undefined {
    return this.#instance?.services && this.#instance.folder.hostSocket;
  }

  /** What the current process declared in Initialize. */
  get declared(): domain.InitializeResponse | undefined {
    return this.#instance?.declared;
  }

  /** The gRPC client of the current process, for the HTTP and WebSocket edge. */
  get client(): domain.DomainPluginServiceClient | undefined {
    return this.#instance?.client;
  }

  /** Calls a unary RPC of the current process for a client (`HandleHTTP`, `ExecuteJob`). */
  unary<Req, Res>(
    method: (client: domain.DomainPluginServiceClient) => UnaryMethod<Req, Res>,
    request: Req,
    deadlineMs: number,
    signal?: AbortSignal,
  ): Promise<Res> {
    return forwardUnary(this.#instance, this.name, method, request, deadlineMs, signal);
  }

  /** Forwards one HTTP request over the data channel, or null when the process has none. */
  streamHttp(
    head: domain.HTTPRequest,
    body: ReadableStream<Uint8Array> | null,
    deadlineMs: number,
    signal?: AbortSignal,
  ): Promise<StreamedResponse> | null {
    return forwardStream(this.#instance, this.name, head, body, deadlineMs, signal);
  }

  /** Opens a `HandleWebSocket` stream to the current process; it is cut when the process stops. */
  openWebSocket(): ClientDuplexStream<domain.WebSocketMessage, domain.WebSocketMessage> {
    return openStream(this.#instance, this.name);
  }

  /** Opens a WebSocket session over the data channel, or null when the process has none. */
  openWebSocketChannel(
    connect: Record<string, string>,
    events: ChannelSocketEvents,
    maxMessageBytes: number,
  ): ChannelSocket | null {
    return openChannelSocket(this.#instance, this.name, connect, events, maxMessageBytes);
  }

  /** How to tell WebSocket clients why their plugin stream ended (see the relay). */
  closeCode(): 1001 | 1011 | 1012 {
    if (!this.#wanted) return 1001;
    return this.#instance && !this.#instance.stopping ? 1011 : 1012;
  }

  /**
   * Starts the plugin; resolves once it is running or has failed (see the registry state).
   * One already wanted (running, paused, starting or restarting) is left as it is.
   */
  start(): Promise<void> {
    if (this.#wanted) return Promise.resolve();
    this.#wanted = true;
    const { registry } = this.context;
    if (registry.getState(this.name) === undefined) registry.preRegister(this.name);
    else registry.markLoading(this.name, "starting");
    return this.#bringUp();
  }

  /** Stops the plugin (drain, Shutdown, SIGTERM, SIGKILL), leaving it `stopped`. */
  async disable(): Promise<void> {
    this.#wanted = false;
    clearTimeout(this.#restartTimer);
    const { registry } = this.context;
    if (this.#facade && registry.getState(this.name) !== "failed") {
      await registry.shutdown(this.name).catch(() => {});
    } else {
      await this.#stopInstance();
    }
    await this.#released;
    if (registry.getState(this.name) !== "stopped") registry.markStopped(this.name, "disabled");
  }

  /** Replaces the process with a new one; the crash count starts over. */
  async restart(): Promise<void> {
    this.#wanted = true;
    clearTimeout(this.#restartTimer);
    this.#crashes.reset();
    this.context.registry.markLoading(this.name, "restart requested");
    await this.#stopInstance();
    await this.#bringUp();
  }

  /** Re-sends the configuration to the running process; false when none runs (it gets it at start). */
  async reconfigure(): Promise<boolean> {
    const state = this.context.registry.getState(this.name);
    if (!this.#instance || this.#instance.stopping || (state !== "running" && state !== "paused")) {
      return false;
    }
    await this.#initialize();
    return true;
  }

  /** Releases what the supervisor holds (audit reads, its log file); the plugin must be stopped. */
  async dispose(): Promise<void> {
    await this.#lastAudit;
    await this.#released;
    this.#unsubscribeFile?.();
    this.#logFile?.close();
  }

  async #bringUp(): Promise<void> {
    const generation = ++this.#generation;
    let instance: Instance;
    try {
      await this.#released;
      instance = await launchInstance(
        this.found,
        this.context,
        generation,
        this.logs,
        (access) => this.denied.add(access),
      );
      this.#schema = instance.schema;
    } catch (error) {
      return this.#failed(error, undefined);
    }
    if (generation !== this.#generation || !this.#wanted) {
      instance.stopping = true;
      await terminateInstance(instance, this.context.timeouts, this.context.logger, this.name);
      await releaseInstance(instance, this.context);
      return;
    }
    this.#instance = instance;
    this.#healthMisses = 0;
    instance.audit?.start(AUDIT_POLL_MS);
    instance.process.exited.then((exit) => this.#exited(instance, exit));
    const { registry, services } = this.context;
    try {
      if (!this.#facade) {
        const facade = remotePlugin(instance.metadata, instance.schema, this.#control());
        try {
          registry.register(facade);
        } catch (error) {
          throw new PermanentFailure(reasonOf(error));
        }
        this.#facade = facade;
      }
      // A process that died during an earlier Initialize can leave the plugin failed while its
      // restart is already under way: the new process starts from loading again.
      if (registry.getState(this.name) !== "loading") registry.markLoading(this.name, "restarting");
      await registry.initialize(this.name, services);
    } catch (error) {
      instance.killedBecause = reasonOf(error);
      await this.#failed(error, instance);
    }
  }

  #control() {
    return {
      initialize: (signal?: AbortSignal) => this.#initialize(signal),
      shutdown: () => this.#stopInstance(),
      health: async (signal?: AbortSignal) => {
        const instance = this.#current();
        checkHostSocket(instance, this.name, this.denied, this.context.logger);
        try {
          const answer = await instanceCall(
            instance,
            instance.client.health,
            {},
            this.context.timeouts.call,
            signal,
          );
          this.#healthMisses = 0;
          return answer;
        } catch (error) {
          this.#missedHealth(instance);
          throw error;
        }
      },
      call: async (rpc: "pause" | "resume", signal?: AbortSignal) => {
        const instance = this.#current();
        await instanceCall(instance, instance.client[rpc], {}, this.context.timeouts.call, signal);
      },
    };
  }

  async #initialize(signal?: AbortSignal): Promise<void> {
    const instance = this.#current();
    const { context } = this;
    const problems = context.configProblems?.(this.name, instance.schema) ?? [];
    if (problems.length > 0) {
      throw new PermanentFailure(`its configuration is invalid: ${problems.join("; ")}`);
    }
    checkHostSocket(instance, this.name, this.denied, this.context.logger);
    const endpoint = instance.services?.target ?? "";
    const request: domain.InitializeRequest = {
      atsStoreEndpoint: endpoint,
      queueEndpoint: endpoint,
      authToken: instance.token,
      config: toWireConfig(this.name, context),
      scheduleEndpoint: endpoint,
      reconfigure: instance.declared !== undefined,
    };
    try {
      instance.declared = await instanceCall(
        instance,
        instance.client.initialize,
        request,
        context.timeouts.initialize,
        signal,
      );
    } catch (error) {
      // A broken call from a process that is exiting: the exit is the better reason.
      const exit = await exitWithin(instance, EXIT_GRACE_MS);
      throw exit
        ? new Error(`exited unexpectedly (${describeExit(exit)}) during Initialize`)
        : error;
    }
    context.initialized?.(this.name, instance.declared);
  }

  #missedHealth(instance: Instance): void {
    if (instance !== this.#instance || instance.stopping) return;
    this.#healthMisses++;
    if (this.#healthMisses < this.context.timeouts.healthMisses) return;
    instance.killedBecause = `hung: no answer to ${this.#healthMisses} health checks in a row`;
    this.context.logger.error(`plugin "${this.name}" is ${instance.killedBecause}; killing it`, {
      plugin: this.name,
      pid: instance.process.pid,
    });
    instance.process.signal("SIGKILL");
  }

  #current(): Instance {
    const instance = this.#instance;
    if (!instance || instance.stopping) {
      throw new RegistryError("conflict", `plugin "${this.name}" has no running process`);
    }
    return instance;
  }

  /** Polls the current process's permission audit now (tests and reports want it fresh). */
  async checkAudit(): Promise<void> {
    await this.#instance?.audit?.poll();
  }

  /** A process ended. Expected when stopping; otherwise a crash: restart or give up. */
  #exited(instance: Instance, exit: ExitStatus): void {
    const { context } = this;
    if (instance.audit) this.#lastAudit = instance.audit.stop();
    this.#released = releaseInstance(instance, context);
    if (instance !== this.#instance) return;
    this.#instance = undefined;
    if (instance.permanent && this.#wanted) return this.#giveUp(instance.killedBecause!);
    if (instance.stopping || !this.#wanted) return;
    const cause = instance.killedBecause ?? `exited unexpectedly (${describeExit(exit)})`;
    this.#scheduleRestart(cause, instance.process.startedAt);
  }

  /** A launch or an initialize failed; a running process, if any, is stopped first. */
  async #failed(error: unknown, instance: Instance | undefined): Promise<void> {
    const reason = reasonOf(error);
    if (instance) {
      // The process may have died first; its exit was then already taken as the crash.
      if (this.#instance !== instance) return;
      instance.stopping = true;
      this.#instance = undefined;
      await terminateInstance(instance, this.context.timeouts, this.context.logger, this.name);
    }
    if (!this.#wanted) return;
    if (error instanceof PermanentFailure) {
      this.#giveUp(reason);
      return;
    }
    const startedAt = instance?.process.startedAt ?? Date.now();
    this.#scheduleRestart(reason, startedAt, error instanceof StartError ? [] : undefined);
  }

  #scheduleRestart(
    cause: string,
    startedAt: number,
    stderr = this.logs.lastStderr(STDERR_IN_REASON),
  ): void {
    const reason = cause + (stderr.length > 0 ? `; last stderr: ${stderr.join(" | ")}` : "");
    const delay = this.#crashes.record(Date.now(), startedAt);
    if (delay === undefined) return this.#giveUp(this.#crashes.loopReason(reason));
    this.context.logger.warn(`plugin "${this.name}" ${cause}; restarting in ${delay} ms`, {
      plugin: this.name,
    });
    this.context.registry.markLoading(this.name, `${reason}; restarting in ${delay} ms`, true);
    clearTimeout(this.#restartTimer);
    this.#restartTimer = setTimeout(() => {
      if (this.#wanted) this.#bringUp();
    }, delay);
  }

  #giveUp(reason: string): void {
    this.#wanted = false;
    const { registry } = this.context;
    if (registry.getState(this.name) === "stopped") registry.markLoading(this.name, "starting");
    registry.markFailed(this.name, reason);
  }

  async #stopInstance(): Promise<void> {
    const instance = this.#instance;
    if (!instance) return;
    instance.stopping = true;
    await terminateInstance(instance, this.context.timeouts, this.context.logger, this.name);
  }
}
