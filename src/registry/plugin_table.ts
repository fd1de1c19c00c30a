import { SerialQueue } from "../async/mod.ts";
import type { HealthStatus, Logger, Metadata, PluginState } from "../plugin/mod.ts";
import { compatibilityProblem, versionProblem } from "./compatibility.ts";
import { type Entry, type PluginSnapshot, type PluginTraits, snapshotOf } from "./entry.ts";
import { RegistryError } from "./errors.ts";
import type { StateChange, StateChangeListener } from "./events.ts";
import { transition } from "./lifecycle.ts";
import { nameProblem } from "./names.ts";

/**
 * The table of plugins and their states, and the bus their changes go out on. Every move goes
 * through the lifecycle table and is published as a {@link StateChange}; each plugin has a
 * serial queue so its lifecycle operations never interleave. The table never calls a plugin:
 * whoever drives a plugin's life (the {@link Registry} for in-process plugins, a supervisor for
 * processes) records each real move here.
 */
export class PluginTable {
  readonly #entries = new Map<string, Entry>();
  readonly #listeners = new Set<StateChangeListener>();
  protected readonly now: () => number;

  constructor(
    readonly hostVersion: string,
    readonly logger: Logger,
    now: () => number = Date.now,
  ) {
    this.now = now;
  }

  /** Reserves `name` in state `loading`, so its routes answer 503 while it loads. */
  preRegister(name: string): void {
    this.checkName(name);
    if (this.#entries.has(name)) {
      throw new RegistryError("conflict", `plugin "${name}" is already registered`);
    }
    this.announce(this.addEntry(name), null, "pre-registered while it loads");
  }

  /**
   * Records what a plugin driven from outside (a process) announced: its metadata and what it
   * can do. The name must be reserved (see {@link preRegister}) and not held by an in-process
   * plugin; the version must be valid and satisfy the host. A new version is logged.
   */
  describe(name: string, metadata: Metadata, traits: PluginTraits): void {
    const entry = this.require(name);
    if (entry.plugin) {
      throw new RegistryError("conflict", `plugin "${name}" is already registered in process`);
    }
    if (metadata.name !== name) {
      throw new RegistryError("invalid", `plugin "${name}" announced the name "${metadata.name}"`);
    }
    const badVersion = versionProblem(name, metadata.version);
    if (badVersion) throw new RegistryError("invalid", badVersion);
    const incompatible = compatibilityProblem(name, metadata.qntxVersion, this.hostVersion);
    if (incompatible) throw new RegistryError(incompatible.kind, incompatible.message);
    const before = entry.metadata?.version;
    entry.metadata = { ...metadata };
    entry.driven = { ...traits };
    if (before !== metadata.version) {
      this.logger.info(`plugin "${name}" v${metadata.version} registered`, {
        plugin: name,
        state: entry.state,
        ...(before ? { previousVersion: before } : {}),
      });
    }
  }

  /** Marks a loaded (or paused) plugin `running`. */
  markReady(name: string): void {
    const entry = this.require(name);
    if (!entry.plugin && !entry.driven) {
      throw new RegistryError(
        "conflict",
        `plugin "${name}" cannot be marked ready: it was pre-registered but never registered`,
      );
    }
    this.move(entry, "running");
  }

  /**
   * Records that an upgrade switched a running plugin to a new process and version (described
   * just before): a move from running to running in its history, naming both versions.
   */
  recordUpgrade(name: string, from: string, to: string): void {
    const entry = this.require(name);
    if (entry.state !== "running") {
      throw new RegistryError(
        "conflict",
        `plugin "${name}" cannot be recorded as upgraded: it is ${entry.state}, not running`,
      );
    }
    entry.since = this.now();
    this.announce(entry, "running", `upgraded from v${from} to v${to}`);
  }

  /** Keeps an error of a plugin that goes on (a route or a job that threw) as its last error. */
  noteError(name: string, reason: string): void {
    const entry = this.#entries.get(name);
    if (entry) entry.lastError = reason;
  }

  /** Marks a running plugin `paused`. */
  markPaused(name: string): void {
    this.move(this.require(name), "paused");
  }

  /** Marks a plugin `failed` with the reason an operator will see. */
  markFailed(name: string, reason: string): void {
    const entry = this.require(name);
    if (entry.state === "failed") {
      entry.lastError = reason;
      return;
    }
    this.move(entry, "failed", reason);
  }

  /**
   * Marks a plugin `loading` again as it restarts (after a crash, or asked); its routes answer
   * 503 until it is initialized. With `failure`, the reason is also kept as its last error.
   */
  markLoading(name: string, reason: string, failure = false): void {
    const entry = this.require(name);
    if (failure) entry.lastError = reason;
    if (entry.state !== "loading") this.move(entry, "loading", reason);
  }

  /** Marks a plugin `stopped`; `reason`, when given, is logged with the move. */
  markStopped(name: string, reason?: string): void {
    const entry = this.require(name);
    if (entry.state !== "stopped") this.move(entry, "stopped", reason);
  }

  /**
   * Keeps a health answer obtained by whoever drives the plugin, as the snapshot the API
   * serves; a paused plugin reads as paused whatever it said.
   */
  recordHealth(name: string, status: HealthStatus, startedAt: number): void {
    const entry = this.require(name);
    const finished = this.now();
    entry.health = {
      ...status,
      paused: status.paused || entry.state === "paused",
      checkedAt: finished,
      durationMs: finished - startedAt,
    };
  }

  /** Runs `work` after the plugin's earlier lifecycle operations, before its later ones. */
  serially<T>(name: string, work: () => Promise<T>): Promise<T> {
    return this.require(name).ops.run(work);
  }

  /** Names of plugins that have announced themselves, sorted; reserved names are left out. */
  list(): string[] {
    return this.sortedEntries().filter((entry) => entry.plugin || entry.driven).map((entry) =>
      entry.name
    );
  }

  /** Every name that has a state, loading ones included, sorted. */
  listEnabled(): string[] {
    return this.sortedEntries().map((entry) => entry.name);
  }

  getState(name: string): PluginState | undefined {
    return this.#entries.get(name)?.state;
  }

  getAllStates(): Map<string, PluginState> {
    return new Map(this.sortedEntries().map((entry) => [entry.name, entry.state]));
  }

  /** Whether the plugin can take requests: `running`, and nothing else. */
  isReady(name: string): boolean {
    return this.getState(name) === "running";
  }

  /** Whether the plugin said it can pause and resume. */
  isPausable(name: string): boolean {
    return this.snapshot(name)?.pausable ?? false;
  }

  /** What the table knows of a plugin, without calling it. */
  snapshot(name: string): PluginSnapshot | undefined {
    const entry = this.#entries.get(name);
    return entry && snapshotOf(entry);
  }

  /** Snapshots of every plugin, in name order. */
  snapshots(): PluginSnapshot[] {
    return this.sortedEntries().map((entry) => snapshotOf(entry));
  }

  /** Follows every state change; returns the function that stops following. */
  onStateChange(listener: StateChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  protected checkName(name: string): void {
    const problem = nameProblem(name);
    if (problem) throw new RegistryError("invalid", `plugin name "${name}" refused: ${problem}`);
  }

  protected entry(name: string): Entry | undefined {
    return this.#entries.get(name);
  }

  protected require(name: string): Entry {
    const entry = this.#entries.get(name);
    if (!entry) throw new RegistryError("not_found", `plugin "${name}" is not registered`);
    return entry;
  }

  protected addEntry(name: string): Entry {
    const entry: Entry = { name, state: "loading", since: this.now(), ops: new SerialQueue() };
    this.#entries.set(name, entry);
    return entry;
  }

  protected sortedEntries(): Entry[] {
    return [...this.#entries.values()].sort((a, b) => a.name < b.name ? -1 : 1);
  }

  protected move(entry: Entry, to: PluginState, reason?: string): void {
    const from = entry.state;
    entry.state = transition(entry.name, from, to);
    entry.since = this.now();
    if (to === "failed" && reason !== undefined) entry.lastError = reason;
    this.announce(entry, from, reason);
  }

  protected announce(entry: Entry, from: PluginState | null, reason: string | undefined): void {
    const change: StateChange = { plugin: entry.name, from, to: entry.state, at: entry.since };
    if (reason !== undefined) change.reason = reason;
    if (entry.metadata) change.version = entry.metadata.version;
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
