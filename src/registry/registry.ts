import { withDeadline } from "../async/mod.ts";
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
  type RegistryDeadlines,
  type RegistryOptions,
} from "./entry.ts";
import { reasonOf, RegistryError } from "./errors.ts";
import { probeHealth } from "./health_probe.ts";
import { PluginTable } from "./plugin_table.ts";

/**
 * The seed's registry: the {@link PluginTable} plus the calls into in-process `DomainPlugin`s
 * (register, initialize, pause, resume, health, shutdown), each with a deadline, so a hung
 * plugin holds only itself. Plugins whose life a supervisor drives are only recorded in the
 * table; these calls leave them to it.
 */
export class Registry extends PluginTable {
  readonly #deadlines: RegistryDeadlines;

  constructor(hostVersion: string, logger: Logger, options: RegistryOptions = {}) {
    super(hostVersion, logger, options.now);
    this.#deadlines = { ...DEFAULT_DEADLINES, ...options.deadlines };
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
    this.checkName(name);
    const badVersion = versionProblem(name, metadata.version);
    if (badVersion) throw new RegistryError("invalid", badVersion);
    const incompatible = compatibilityProblem(name, metadata.qntxVersion, this.hostVersion);
    if (incompatible) throw new RegistryError(incompatible.kind, incompatible.message);
    const existing = this.entry(name);
    if (existing?.plugin || existing?.driven) {
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
    const entry = this.addEntry(name);
    entry.plugin = plugin;
    entry.metadata = metadata;
    this.announce(entry, null, `registered v${metadata.version}`);
  }

  /** Stops one in-process plugin within its deadline, as {@link shutdownAll} does for each. */
  shutdown(name: string): Promise<void> {
    return this.#shutdown(this.require(name));
  }

  /** The in-process plugin of that name; undefined for a supervised process. */
  get(name: string): DomainPlugin | undefined {
    return this.entry(name)?.plugin;
  }

  /** Every registered in-process plugin, in name order. */
  getAll(): Map<string, DomainPlugin> {
    const all = new Map<string, DomainPlugin>();
    for (const entry of this.sortedEntries()) if (entry.plugin) all.set(entry.name, entry.plugin);
    return all;
  }

  /** Initializes one `loading` plugin within its deadline: `running` on success, else `failed`. */
  initialize(name: string, services: ServiceRegistry): Promise<void> {
    const entry = this.require(name);
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
          this.move(entry, "failed", `initialize failed: ${reasonOf(error)}`);
        }
        throw error;
      }
      if (entry.plugin === plugin && entry.state === "loading") this.move(entry, "running");
    });
  }

  /**
   * Initializes every `loading` plugin in name order, each within its deadline. A failure marks
   * that plugin `failed` and the rest go on; the error names every plugin that failed.
   */
  async initializeAll(services: ServiceRegistry): Promise<void> {
    const failures: string[] = [];
    for (const entry of this.sortedEntries()) {
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
   * Stops every in-process plugin in reverse name order, each within its deadline, and marks
   * names still reserved `stopped`. Plugins already stopped or failed, and supervised ones, are
   * skipped; a plugin whose shutdown fails is still marked `stopped`, and the error names it
   * after the others have stopped.
   */
  async shutdownAll(): Promise<void> {
    const failures: string[] = [];
    for (const entry of this.sortedEntries().reverse()) {
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
   * Probes every running or paused in-process plugin concurrently, each within its deadline,
   * and keeps the answers as the snapshot the API serves. A supervised plugin's last recorded
   * answer is returned as it is; plugins in other states are reported unhealthy uncalled.
   */
  async healthCheckAll(): Promise<Map<string, HealthStatus>> {
    const entries = this.sortedEntries();
    const reports = await Promise.all(
      entries.map((entry) => probeHealth(entry, this.#deadlines.health, this.now)),
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
    const entry = this.require(name);
    const plugin = entry.plugin;
    if (!plugin || !isPausablePlugin(plugin)) {
      throw new RegistryError(
        "unsupported",
        entry.driven
          ? `plugin "${name}" runs as a process: ${action} it through its supervisor`
          : `plugin "${name}" cannot ${action}: it does not implement pause and resume`,
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
      this.move(entry, to);
    });
  }

  #shutdown(entry: Entry): Promise<void> {
    return entry.ops.run(async () => {
      if (entry.state === "stopped" || entry.state === "failed" || entry.driven) return;
      const plugin = entry.plugin;
      if (!plugin) {
        this.move(entry, "stopped", "host shutting down before the plugin loaded");
        return;
      }
      try {
        await withDeadline(
          `shutdown of plugin "${entry.name}"`,
          this.#deadlines.shutdown,
          (signal) => plugin.shutdown(signal),
        );
        this.move(entry, "stopped");
      } catch (error) {
        entry.lastError = `shutdown failed: ${reasonOf(error)}`;
        this.move(entry, "stopped", entry.lastError);
        throw error;
      }
    });
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
