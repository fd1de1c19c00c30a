import type { ConfigSchema } from "../plugin/mod.ts";
import { CAPABILITIES, type domain } from "../protocol/mod.ts";
import { reasonOf, RegistryError } from "../registry/mod.ts";
import { CrashHistory } from "./backoff.ts";
import type { FoundPlugin } from "./discovery.ts";
import { PermanentFailure, type PluginConnection } from "./plugin_connection.ts";
import { launchInstance } from "./launch.ts";
import { LogBuffer, loggedError, STDERR_IN_REASON } from "./log_buffer.ts";
import type { LogFile } from "./log_file.ts";
import { AUDIT_POLL_MS, DeniedLog } from "./permission_audit.ts";
import { probeCurrent } from "./process_health.ts";
import { adoptDeclarations, initializeInstance, wireConfigText } from "./initialize_instance.ts";
import type { LaunchSlot } from "./launch_folder.ts";
import { describeExit, type ExitStatus, StartError } from "./plugin_process.ts";
import type { SupervisorContext } from "./supervisor_context.ts";
import { pauseOrResume } from "./pause_resume.ts";
import { prepareUpgrade, upgradable, type Upgrade } from "./upgrade.ts";
import { toMetadata, toTraits } from "./wire_metadata.ts";

/**
 * Owns one plugin's life: launches its process in the sandbox, checks who answers, describes
 * it to the registry, initializes, pauses, resumes and probes it (one deadline per call),
 * watches its exit (a crash is seen at once) and its health (a hang is seen within a few
 * probes), restarts it with backoff, gives up into `failed` with the reason when it
 * crash-loops, upgrades it in place, and stops it. The registry only records each real move;
 * lifecycle operations go through its per-plugin serial queue so they never interleave. Each
 * launch is an {@link PluginConnection}; everything tied to a process hangs off it and goes with
 * it.
 */
export class PluginSupervisor {
  readonly logs = new LogBuffer();
  /** Accesses Deno denied this plugin across its launches. */
  readonly denied: DeniedLog;
  /** The last read of an ended process's audit, which dispose waits for. */
  #lastAudit: Promise<void> = Promise.resolve();
  #instance?: PluginConnection;
  /** The launch slot of the current (or last) process; an upgrade starts in the other. */
  #slot: LaunchSlot = 0;
  /** Processes an upgrade replaced (their WebSocket clients are told to come back: 1012). */
  readonly #replaced = new WeakSet<PluginConnection>();
  #found: FoundPlugin;
  #generation = 0;
  #wanted = false;
  #restartTimer?: ReturnType<typeof setTimeout>;
  /** The launch under way, if any: a stop waits for it, or its process would outlive the host. */
  #bringing: Promise<void> = Promise.resolve();
  /** Known once a process has started and answered ConfigSchema. */
  #schema?: ConfigSchema;
  /** Launch folders of ended processes being released; the next launch waits for them. */
  #released: Promise<void> = Promise.resolve();
  readonly #crashes: CrashHistory;
  readonly #logFile?: LogFile;
  readonly #unsubscribeFile?: () => void;

  constructor(found: FoundPlugin, readonly context: SupervisorContext) {
    this.#found = found;
    this.#crashes = new CrashHistory(context.backoff);
    this.denied = new DeniedLog(found.name, context.logger);
    const file = this.#logFile = context.logFile?.(found.name);
    this.#unsubscribeFile = this.logs.subscribe((line) => {
      file?.write(line);
      // What the plugin logs as an error (a route, a job that threw) is its last error.
      const error = loggedError(line);
      if (error) context.registry.noteError(found.name, error);
    });
  }

  /** The configuration schema of the last process that started; undefined before. */
  get schema(): ConfigSchema | undefined {
    return this.#schema;
  }

  get name(): string {
    return this.#found.name;
  }

  /** How the plugin was found on disk: at its first start, or by its last upgrade. */
  get found(): FoundPlugin {
    return this.#found;
  }

  /** The current process's pid, if one runs. */
  get pid(): number | undefined {
    return this.#instance?.process.pid;
  }

  /** The socket on which the host serves its services to the current process. */
  get hostSocket(): string | undefined {
    return this.#instance?.services?.socket;
  }

  /** What the current process declared in Initialize. */
  get declared(): domain.InitializeResponse | undefined {
    return this.#instance?.declared;
  }

  /** The current launch, for the edge's calls (undefined between processes). */
  get connection(): PluginConnection | undefined {
    return this.#instance;
  }

  /** How to tell WebSocket clients why their stream (of launch `from`, if known) ended. */
  closeCode(from?: PluginConnection): 1001 | 1011 | 1012 {
    if (!this.#wanted) return 1001;
    // Sessions of a process an upgrade replaced: its clients reconnect to the new version.
    if (from && this.#replaced.has(from)) return 1012;
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
  async disable(reason = "disabled"): Promise<void> {
    this.#wanted = false;
    clearTimeout(this.#restartTimer);
    const { registry } = this.context;
    // A launch under way sees it is no longer wanted once its process is up, and stops it.
    await this.#bringing;
    await registry.serially(this.name, () => this.#stopInstance());
    await this.#released;
    registry.markStopped(this.name, reason);
  }

  /** Pauses a running plugin; its state changes only if the process's own pause succeeds. */
  pause(): Promise<void> {
    return pauseOrResume(this.name, "pause", this.context, () => this.#current());
  }

  /** Resumes a paused plugin; its state changes only if the process's own resume succeeds. */
  resume(): Promise<void> {
    return pauseOrResume(this.name, "resume", this.context, () => this.#current());
  }

  /** Probes the current process's health and records the answer (see process_health.ts). */
  probe(): Promise<void> {
    return probeCurrent(this.name, () => this.#instance, this.denied, this.context);
  }

  /** Replaces the process with a new one (of `found`, when found again); crashes start over. */
  async restart(found?: FoundPlugin): Promise<void> {
    if (found) this.#found = found;
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
    // A plugin that does not say it applies a second Initialize (QNTX's Go SDK answers it
    // unchanged), or one listed in [plugin] reconfigure_restart, gets new settings by a restart.
    const applies = this.#instance.offers(CAPABILITIES.reconfigure);
    if (!applies || this.context.restartToReconfigure?.(this.name)) {
      await this.restart();
      const after = this.context.registry.snapshot(this.name);
      if (after?.state !== "running") {
        throw new Error(`its restart with them left it ${after?.state}: ${after?.lastError}`);
      }
      // A paused plugin stays paused: a new setting is not a resume.
      if (state === "paused") await this.pause();
      return true;
    }
    await this.#initialize();
    return true;
  }

  /**
   * Starts `found` (the version now on disk) beside the running process, in the other launch
   * slot. Once it is initialized and answers healthy, new requests, WebSockets and jobs go to it
   * at once (each call picks the current process as it starts), and the old process finishes
   * what it has within the drain time (its WebSockets then get 1012) and stops. When the new one
   * fails at any step it is stopped, the old one keeps serving, and the error says why.
   */
  upgrade(found: FoundPlugin): Promise<Upgrade> {
    const { registry, timeouts, logger } = this.context;
    return registry.serially(this.name, async () => {
      const old = upgradable(this.name, registry.getState(this.name), this.#instance);
      const from = old.metadata.version;
      const slot: LaunchSlot = this.#slot === 0 ? 1 : 0;
      // The other slot's last process (one an earlier upgrade retired) must be gone from it.
      await this.#released;
      const next = await prepareUpgrade({
        found,
        context: this.context,
        generation: ++this.#generation,
        slot,
        logs: this.logs,
        denied: this.denied,
        from,
        serving: () => this.#instance === old && !old.stopping && this.#wanted,
      });
      // The switch: from here every new call takes the new process.
      this.#instance = next;
      this.#slot = slot;
      this.#found = found;
      this.#schema = next.schema;
      this.#crashes.reset();
      next.process.exited.then((exit) => this.#exited(next, exit));
      const switched = Date.now();
      this.#replaced.add(old);
      try {
        registry.describe(this.name, toMetadata(next.metadata), toTraits(next.metadata));
        adoptDeclarations(next, this.context);
        registry.recordUpgrade(this.name, from, next.metadata.version);
        // Settings changed while it came up reach it now, as they reached the old process.
        if (next.configSent !== wireConfigText(this.name, this.context)) await this.#initialize();
      } finally {
        // Whatever happened after the switch, the old process is not left running.
        await old.terminate(timeouts, logger);
      }
      return {
        plugin: this.name,
        from,
        to: next.metadata.version,
        retiredMs: Date.now() - switched,
      };
    });
  }

  /** Releases what the supervisor holds (audit reads, its log file); the plugin must be stopped. */
  async dispose(): Promise<void> {
    await this.#lastAudit;
    await this.#released;
    this.#unsubscribeFile?.();
    this.#logFile?.close();
  }

  /** Launches and initializes a process; a stop waits for one under way (see disable). */
  #bringUp(): Promise<void> {
    const bringing = this.#launchAndInitialize();
    this.#bringing = bringing.catch(() => {});
    return bringing;
  }

  async #launchAndInitialize(): Promise<void> {
    const generation = ++this.#generation;
    let instance: PluginConnection;
    try {
      await this.#released;
      instance = await launchInstance(
        this.#found,
        this.context,
        generation,
        this.logs,
        (access) => this.denied.add(access),
        this.#slot,
      );
      this.#schema = instance.schema;
    } catch (error) {
      return this.#failed(error, undefined);
    }
    if (generation !== this.#generation || !this.#wanted) {
      await instance.terminate(this.context.timeouts, this.context.logger);
      await instance.release(this.context);
      return;
    }
    this.#instance = instance;
    instance.audit?.start(AUDIT_POLL_MS);
    instance.process.exited.then((exit) => this.#exited(instance, exit));
    const { registry } = this.context;
    try {
      try {
        registry.describe(this.name, toMetadata(instance.metadata), toTraits(instance.metadata));
      } catch (error) {
        throw new PermanentFailure(reasonOf(error));
      }
      // A process that died during an earlier Initialize can leave the plugin failed while its
      // restart is already under way: the new process starts from loading again.
      if (registry.getState(this.name) !== "loading") registry.markLoading(this.name, "restarting");
      await registry.serially(this.name, () => this.#bringIn(instance));
    } catch (error) {
      instance.killedBecause = reasonOf(error);
      await this.#failed(error, instance);
    }
  }

  /** Initializes a new launch: `running` on success, `failed` with the reason otherwise. */
  async #bringIn(instance: PluginConnection): Promise<void> {
    const { registry } = this.context;
    const state = registry.getState(this.name);
    if (state !== "loading" || instance !== this.#instance) {
      throw new RegistryError(
        "conflict",
        `cannot initialize plugin "${this.name}": it is ${state}; only a loading plugin is initialized`,
      );
    }
    const current = () => instance === this.#instance && registry.getState(this.name) === "loading";
    try {
      await this.#initialize();
    } catch (error) {
      if (current()) registry.markFailed(this.name, `initialize failed: ${reasonOf(error)}`);
      throw error;
    }
    if (current()) registry.markReady(this.name);
  }

  async #initialize(): Promise<void> {
    const instance = this.#current();
    await initializeInstance(instance, this.denied, this.context);
    adoptDeclarations(instance, this.context);
  }

  #current(): PluginConnection {
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
  #exited(instance: PluginConnection, exit: ExitStatus): void {
    const { context } = this;
    if (instance.audit) this.#lastAudit = instance.audit.stop();
    this.#released = Promise.all([this.#released, instance.release(context)]).then(() => {});
    if (instance !== this.#instance) return;
    this.#instance = undefined;
    if (instance.permanent && this.#wanted) return this.#giveUp(instance.killedBecause!);
    if (instance.stopping || !this.#wanted) return;
    const cause = instance.killedBecause ?? `exited unexpectedly (${describeExit(exit)})`;
    this.#scheduleRestart(cause, instance.process.startedAt);
  }

  /** A launch or an initialize failed; a running process, if any, is stopped first. */
  async #failed(error: unknown, instance: PluginConnection | undefined): Promise<void> {
    const reason = reasonOf(error);
    if (instance) {
      // The process may have died first; its exit was then already taken as the crash.
      if (this.#instance !== instance) return;
      this.#instance = undefined;
      await instance.terminate(this.context.timeouts, this.context.logger);
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
    const { registry, logger } = this.context;
    // Stopped meanwhile (the host is shutting down): the reason is still worth a line.
    if (registry.getState(this.name) === "stopped") {
      logger.warn(`plugin "${this.name}" stopped; its last process had failed: ${reason}`, {
        plugin: this.name,
      });
    } else registry.markFailed(this.name, reason);
  }

  async #stopInstance(): Promise<void> {
    const instance = this.#instance;
    if (!instance) return;
    await instance.terminate(this.context.timeouts, this.context.logger);
  }
}
