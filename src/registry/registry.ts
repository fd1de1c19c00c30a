import { SerialQueue, withDeadline } from "../async/mod.ts";
import {
  type DomainPlugin,
  type HealthStatus,
  isPausablePlugin,
  type Logger,
  type Metadata,
  type PausablePlugin,
  type PluginState,
  type ServiceRegistry,
} from "../plugin/mod.ts";
import { compatibilityProblem, versionProblem } from "./compatibility.ts";
import {
  DEFAULT_DEADLINES,
  type Entry,
  type PluginSnapshot,
  type RegistryDeadlines,
  type RegistryOptions,
  snapshotOf,
} from "./entry.ts";
import { reasonOf, RegistryError } from "./errors.ts";
import type { StateChange, StateChangeListener } from "./events.ts";
import { probeHealth } from "./health_probe.ts";
import { transition } from "./lifecycle.ts";
import { nameProblem } from "./names.ts";

/**
 * The host's table of domain plugins and their states. Every move between states goes through
 * the lifecycle table and is published as a {@link StateChange}; every call into a plugin has a
 * deadline, so a hung plugin holds only itself.
 */
export class Registry {
  readonly #entries = new Map<string, Entry>();
  readonly #listeners = new Set<StateChangeListener>();
  readonly #deadlines: RegistryDeadlines;
  readonly #now: () => number;

  constructor(
    readonly hostVersion: string,
    readonly logger: Logger,
    options: RegistryOptions = {},
  ) {
    this.#deadlines = { ...DEFAULT_DEADLINES, ...options.deadlines };
    this.#now = options.now ?? Date.now;
  }

  /**
   * Adds a plugin in state `loading`. Refused when the name is malformed, reserved or taken
   * (the first plugin stays), or when the host's version does not satisfy the plugin's
   * `qntxVersion`. A name reserved by {@link preRegister} is filled in and stays `loading`.
   */
  register(plugin: DomainPlugin): void {
    let metadata: Metadata;
    try {
      metadata = plugin.metadata();
    } catch (error) {
      throw new RegistryError("invalid", `plugin metadata could not be read: ${reasonOf(error)}`, {
        cause: error,
      });
    }
    const name = metadata.name;
    this.#checkName(name);
    const badVersion = versionProblem(name, metadata.version);
    if (badVersion) throw new RegistryError("invalid", badVersion);
    const incompatible = compatibilityProblem(name, metadata.qntxVersion, this.hostVersion);
    if (incompatible) throw new RegistryError(incompatible.kind, incompatible.message);
    const existing = this.#entries.get(name);
    if (existing?.plugin) {
      throw new RegistryError(
        "conflict",
        `plugin "${name}" is already registered (version ${existing.metadata?.version}); ` +
          `the second registration (version ${metadata.version}) was refused`,
      );
    }
    if (existing) {
      existing.plugin = plugin;
      existing.metadata = metadata;
      this.logger.info(`plugin "${name}" v${metadata.version} registered`, {
        plugin: name,
        state: existing.state,
      });
      return;
    }
    const entry = this.#addEntry(name);
    entry.plugin = plugin;
    entry.metadata = metadata;
    this.#announce(entry, null, `registered v${metadata.version}`);
  }

  /** Reserves `name` in state `loading`, so its routes answer 503 while it loads. */
  preRegister(name: string): void {
    this.#checkName(name);
    if (this.#entries.has(name)) {
      throw new RegistryError("conflict", `plugin "${name}" is already registered`);
    }
    this.#announce(this.#addEntry(name), null, "pre-registered while it loads");
  }

  /** Marks a loaded plugin `running`. */
  markReady(name: string): void {
    const entry = this.#require(name);
    if (!entry.plugin) {
      throw new RegistryError(
        "conflict",
        `plugin "${name}" cannot be marked ready: it was pre-registered but never registered`,
      );
    }
    this.#move(entry, "running");
  }

  /** Marks a plugin `failed` with the reason an operator will see. */
  markFailed(name: string, reason: string): void {
    const entry = this.#require(name);
    if (entry.state === "failed") {
      entry.lastError = reason;
      return;
    }
    this.#move(entry, "failed", reason);
  }

  /**
   * Marks a plugin `loading` again as it restarts (after a crash, or asked); its routes answer
   * 503 until it is initialized. With `failure`, the reason is also kept as its last error.
   */
  markLoading(name: string, reason: string, failure = false): void {
    const entry = this.#require(name);
    if (failure) entry.lastError = reason;
    if (entry.state !== "loading") this.#move(entry, "loading", reason);
  }

  /** Marks a plugin that never finished loading `stopped` (disabled before it came up). */
  markStopped(name: string, reason: string): void {
    const entry = this.#require(name);
    if (entry.state !== "stopped") this.#move(entry, "stopped", reason);
  }

  /** Stops one plugin within its deadline, as {@link shutdownAll} does for each. */
  shutdown(name: string): Promise<void> {
    return this.#shutdown(this.#require(name));
  }

  get(name: string): DomainPlugin | undefined {
    return this.#entries.get(name)?.plugin;
  }

  /** Every registered plugin, in name order. */
  getAll(): Map<string, DomainPlugin> {
    const all = new Map<string, DomainPlugin>();
    for (const name of this.list()) all.set(name, this.#entries.get(name)!.plugin!);
    return all;
  }

  /** Names of registered plugins, sorted; pre-registered names still loading are left out. */
  list(): string[] {
    return this.#sortedEntries().filter((entry) => entry.plugin).map((entry) => entry.name);
  }

  /** Every name that has a state, loading ones included, sorted. */
  listEnabled(): string[] {
    return this.#sortedEntries().map((entry) => entry.name);
  }

  getState(name: string): PluginState | undefined {
    return this.#entries.get(name)?.state;
  }

  getAllStates(): Map<string, PluginState> {
    return new Map(this.#sortedEntries().map((entry) => [entry.name, entry.state]));
  }

  /** Whether the plugin can take requests: `running`, and nothing else. */
  isReady(name: string): boolean {
    return this.getState(name) === "running";
  }

  isPausable(name: string): boolean {
    const plugin = this.get(name);
    return plugin !== undefined && isPausablePlugin(plugin);
  }

  /** What the registry knows of a plugin, without calling it. */
  snapshot(name: string): PluginSnapshot | undefined {
    const entry = this.#entries.get(name);
    return entry && snapshotOf(entry);
  }

  /** Snapshots of every plugin, in name order. */
  snapshots(): PluginSnapshot[] {
    return this.#sortedEntries().map((entry) => snapshotOf(entry));
  }

  /** Follows every state change; returns the function that stops following. */
  onStateChange(listener: StateChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Initializes one `loading` plugin within its deadline: `running` on success, else `failed`. */
  initialize(name: string, services: ServiceRegistry): Promise<void> {
    const entry = this.#require(name);
    return entry.ops.run(async () => {
      const plugin = entry.plugin;
      if (!plugin || entry.state !== "loading") {
        throw new RegistryError(
          "conflict",
          `cannot initialize plugin "${name}": it is ${entry.state}` +
            (plugin ? "; only a loading plugin is initialized" : " and was never registered"),
        );
      }
      try {
        await withDeadline(
          `initialize of plugin "${name}"`,
          this.#deadlines.initialize,
          (signal) => plugin.initialize(services, signal),
        );
      } catch (error) {
        if (entry.plugin === plugin && entry.state === "loading") {
          this.#move(entry, "failed", `initialize failed: ${reasonOf(error)}`);
        }
        throw error;
      }
      if (entry.plugin === plugin && entry.state === "loading") this.#move(entry, "running");
    });
  }

  /**
   * Initializes every `loading` plugin in name order, each within its deadline. A failure marks
   * that plugin `failed` and the rest go on; the error names every plugin that failed.
   */
  async initializeAll(services: ServiceRegistry): Promise<void> {
    const failures: string[] = [];
    for (const entry of this.#sortedEntries()) {
      if (!entry.plugin || entry.state !== "loading") continue;
      try {
        await this.initialize(entry.name, services);
      } catch (error) {
        failures.push(`"${entry.name}" (${reasonOf(error)})`);
      }
    }
    if (failures.length > 0) {
      throw new Error(
        `${failures.length} plugin${failures.length === 1 ? "" : "s"} failed to initialize: ` +
          failures.join("; "),
      );
    }
  }

  /**
   * Stops every plugin in reverse name order, each within its deadline. Plugins already
   * stopped or failed are skipped; a plugin whose shutdown fails is still marked `stopped`,
   * and the error names it after the others have stopped.
   */
  async shutdownAll(): Promise<void> {
    const failures: string[] = [];
    for (const entry of this.#sortedEntries().reverse()) {
      try {
        await this.#shutdown(entry);
      } catch (error) {
        failures.push(`"${entry.name}" (${reasonOf(error)})`);
      }
    }
    if (failures.length > 0) {
      throw new Error(`shutdown failed for ${failures.join("; ")}; they were marked stopped`);
    }
  }

  /**
   * Probes every running or paused plugin concurrently, each within its deadline, and keeps
   * the answers as the snapshot the API serves. Plugins in other states are reported unhealthy
   * without being called.
   */
  async healthCheckAll(): Promise<Map<string, HealthStatus>> {
    const entries = this.#sortedEntries();
    const reports = await Promise.all(
      entries.map((entry) => probeHealth(entry, this.#deadlines.health, this.#now)),
    );
    return new Map(entries.map((entry, i) => [entry.name, reports[i]!]));
  }

  /** Pauses a running plugin; its state changes only if the plugin's own pause succeeds. */
  pause(name: string): Promise<void> {
    return this.#pauseOrResume(name, "pause");
  }

  /** Resumes a paused plugin; its state changes only if the plugin's own resume succeeds. */
  resume(name: string): Promise<void> {
    return this.#pauseOrResume(name, "resume");
  }

  async #pauseOrResume(name: string, action: "pause" | "resume"): Promise<void> {
    const entry = this.#require(name);
    const plugin = entry.plugin;
    if (!plugin || !isPausablePlugin(plugin)) {
      throw new RegistryError(
        "unsupported",
        `plugin "${name}" cannot ${action}: it does not implement pause and resume`,
      );
    }
    const [from, to]: [PluginState, PluginState] = action === "pause"
      ? ["running", "paused"]
      : ["paused", "running"];
    await entry.ops.run(async () => {
      if (entry.state !== from || entry.plugin !== plugin) {
        throw new RegistryError(
          "conflict",
          `cannot ${action} plugin "${name}": it is ${entry.state}; ` +
            `only a ${from} plugin can be ${action}d`,
        );
      }
      await withDeadline(
        `${action} of plugin "${name}"`,
        this.#deadlines.call,
        (signal) => (plugin as PausablePlugin)[action](signal),
      );
      this.#move(entry, to);
    });
  }

  #shutdown(entry: Entry): Promise<void> {
    return entry.ops.run(async () => {
      if (entry.state === "stopped" || entry.state === "failed") return;
      const plugin = entry.plugin;
      if (!plugin) {
        this.#move(entry, "stopped", "host shutting down before the plugin loaded");
        return;
      }
      try {
        await withDeadline(
          `shutdown of plugin "${entry.name}"`,
          this.#deadlines.shutdown,
          (signal) => plugin.shutdown(signal),
        );
        this.#move(entry, "stopped");
      } catch (error) {
        entry.lastError = `shutdown failed: ${reasonOf(error)}`;
        this.#move(entry, "stopped", entry.lastError);
        throw error;
      }
    });
  }

  #checkName(name: string): void {
    const problem = nameProblem(name);
    if (problem) throw new RegistryError("invalid", `plugin name "${name}" refused: ${problem}`);
  }

  #require(name: string): Entry {
    const entry = this.#entries.get(name);
    if (!entry) throw new RegistryError("not_found", `plugin "${name}" is not registered`);
    return entry;
  }

  #addEntry(name: string): Entry {
    const entry: Entry = { name, state: "loading", since: this.#now(), ops: new SerialQueue() };
    this.#entries.set(name, entry);
    return entry;
  }

  #sortedEntries(): Entry[] {
    return [...this.#entries.values()].sort((a, b) => a.name < b.name ? -1 : 1);
  }

  #move(entry: Entry, to: PluginState, reason?: string): void {
    const from = entry.state;
    entry.state = transition(entry.name, from, to);
    entry.since = this.#now();
    if (to === "failed" && reason !== undefined) entry.lastError = reason;
    this.#announce(entry, from, reason);
  }

  #announce(entry: Entry, from: PluginState | null, reason: string | undefined): void {
    const change: StateChange = { plugin: entry.name, from, to: entry.state, at: entry.since };
    if (reason !== undefined) change.reason = reason;
    const fields = { plugin: entry.name, from, to: entry.state, reason };
    const text = `plugin "${entry.name}" ${from ?? "new"} → ${entry.state}` +
      (reason ? `: ${reason}` : "");
    if (entry.state === "failed") this.logger.error(text, fields);
    else this.logger.info(text, fields);
    for (const listener of this.#listeners) {
      try {
        listener(change);
      } catch (error) {
        this.logger.error("a state-change listener threw; the change stands", {
          plugin: entry.name,
          error,
        });
      }
    }
  }
}

/** A registry for a host of version `hostVersion` (`dev` skips compatibility checks). */
export function newRegistry(
  hostVersion: string,
  logger: Logger,
  options?: RegistryOptions,
): Registry {
  return new Registry(hostVersion, logger, options);
}
