import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type HostConfig, type LiveConfig, validateConfig } from "../config/mod.ts";
import type { AttestationRecords } from "../ats/mod.ts";
import type { JobQueue, ScheduleBook, WatcherRegistry } from "../jobs/mod.ts";
import type { Logger } from "../plugin/mod.ts";
import type { Registry } from "../registry/mod.ts";
import { SearchRouter, startServiceServer } from "../services/mod.ts";
import {
  type BackoffPolicy,
  DEFAULT_BACKOFF,
  findConfinementTools,
  LogFile,
  NO_GRANTS,
  ProcessLedger,
  SdkBundler,
  Supervisor,
  TokenRegistry,
} from "../supervisor/mod.ts";
import type { HostServices } from "./services.ts";

const HOST_DENO_CONFIG = fileURLToPath(new URL("../../deno.json", import.meta.url));

/** What the host's process supervision is built from. */
export interface SupervisionParts {
  config: HostConfig;
  live: LiveConfig;
  hostEnv: Record<string, string>;
  cwd: string;
  logger: Logger;
  registry: Registry;
  services: HostServices;
  attestations: AttestationRecords;
  jobs: JobQueue;
  schedules: ScheduleBook;
  watchers: WatcherRegistry;
  /** Where the host listens, once it does (a launch never grants it to a plugin). */
  hostAddress: () => { hostname: string; port: number };
  denoConfig?: string;
  /** Where the SDK's bundles are kept (default `<runtime_dir>/sdk-bundle`; see sdk_bundle.ts). */
  sdkBundles?: string;
  backoff?: BackoffPolicy;
}

/**
 * The host's step that runs plugin processes: its runtime folder (0700), the processes a
 * crashed host left (killed), the sandbox's tools, and a {@link Supervisor} wired to the
 * registry, the services (one server per launch), the live configuration and its grants.
 */
export function superviseProcesses(parts: SupervisionParts): Supervisor {
  const { config, live, hostEnv, cwd, logger, registry, services, hostAddress } = parts;
  const { attestations, jobs, schedules } = parts;
  // Problems of QNTX's per-plugin files, each told once.
  const told = new Set<string>();
  const runtimeDir = resolve(cwd, config.plugin.runtimeDir);
  Deno.mkdirSync(runtimeDir, { recursive: true, mode: 0o700 });
  Deno.chmodSync(runtimeDir, 0o700);
  const ledger = new ProcessLedger(runtimeDir);
  for (const leftover of ledger.reapLeftovers()) {
    logger.warn(
      `killed plugin "${leftover.plugin}" (pid ${leftover.pid}) left by a host that crashed`,
      {
        plugin: leftover.plugin,
        pid: leftover.pid,
      },
    );
  }
  const logDir = resolve(cwd, config.plugin.logDir);
  const tokens = new TokenRegistry();
  const tools = findConfinementTools(hostEnv);
  // QNTX's search role: served to every plugin, passed to the one that declares it.
  const searchProviders = new SearchRouter(logger.named("search"), {
    chosen: () => live.current.plugin.searchProvider,
    state: (plugin) => registry.getState(plugin),
  });
  if (!tools.bwrap) {
    logger.warn(
      "bubblewrap is not installed: executables run only when trusted, and SDK plugins have " +
        "Deno's permissions alone (which do not cover module imports); install the Debian " +
        "package bubblewrap",
    );
  }
  const denoConfig = parts.denoConfig ?? HOST_DENO_CONFIG;
  const execPath = Deno.execPath();
  // Asked at the first TypeScript plugin's launch: kept from an earlier run, or built then.
  const bundler = new SdkBundler({
    execPath,
    denoConfig,
    dir: parts.sdkBundles ?? join(runtimeDir, "sdk-bundle"),
    logger: logger.named("supervisor"),
    env: hostEnv,
  });
  return new Supervisor(
    {
      registry,
      services,
      logger: logger.named("supervisor"),
      tokens,
      ledger,
      timeouts: {
        start: config.plugin.startTimeout,
        initialize: config.plugin.initializeTimeout,
        call: config.plugin.callTimeout,
        health: config.plugin.healthTimeout,
        drain: config.plugin.shutdownTimeout,
        grace: 2000,
        healthMisses: 3,
      },
      backoff: parts.backoff ?? {
        ...DEFAULT_BACKOFF,
        initialMs: config.plugin.restart.delay,
        maxMs: config.plugin.restart.delayMax,
        maxCrashes: config.plugin.restart.maxCrashes,
        windowMs: config.plugin.restart.crashWindow,
        stableMs: config.plugin.restart.stableAfter,
      },
      execPath,
      tools,
      denoConfig,
      sdkBundle: () => bundler.current(),
      runtimeDir,
      dataDir: resolve(cwd, config.plugin.dataDir),
      hostEnv,
      // The host's services, on a socket of each launch's own (see launch_folder.ts).
      serveServices: (where, owners, onRefused) =>
        startServiceServer(where, {
          store: attestations,
          jobs,
          schedules,
          tokens: owners,
          logger: logger.named("services"),
          onRefused,
          searchProviders,
        }),
      searchProviders,
      pluginConfig: (name) => {
        const file = live.pluginFile(name);
        for (const problem of file?.problems ?? []) {
          if (told.has(problem)) continue;
          told.add(problem);
          logger.warn(`plugin "${name}": ${problem}`, { plugin: name });
        }
        return live.pluginValues(name);
      },
      restartToReconfigure: (name) => live.current.plugin.reconfigureRestart.includes(name),
      vetoed: (name) => {
        const file = live.pluginFile(name);
        return file?.enabled === false ? `${file.path} says enabled = false` : undefined;
      },
      hostAddress,
      // Live: an approval from the API (or a hand edit) reaches the plugin's next start.
      grants: (name) => live.current.plugin.grants[name] ?? NO_GRANTS,
      logFile: (name) => new LogFile(resolve(logDir, `${name}.log`)),
      configProblems: (name, schema) => {
        // What a granted env: value resolves to is checked too; its problems never quote it.
        const granted = live.current.plugin.grants[name]?.env ?? [];
        const resolve = (variable: string) =>
          granted.includes(variable) ? hostEnv[variable] : undefined;
        const errors = validateConfig(schema, live.pluginValues(name), resolve);
        const problems: string[] = [];
        for (const [key, problem] of Object.entries(errors)) {
          // A key the plugin does not declare may be meant for another version: a warning.
          // `args` is the host's (a QNTX program's extra arguments), whatever the schema says.
          if (key === "args" && problem.startsWith("unknown setting")) continue;
          if (problem.startsWith("unknown setting")) {
            logger.warn(`plugin "${name}" setting "${key}": ${problem}`, { plugin: name });
          } else problems.push(`${key}: ${problem}`);
        }
        return problems;
      },
      initialized: (name, declared) => {
        schedules.sync(name, declared.schedules, declared.handlerNames).then((report) => {
          for (const refused of report.refused) {
            logger.warn(`plugin "${name}" declared a schedule the host refused: ${refused}`, {
              plugin: name,
            });
          }
        }, (error) => {
          logger.error(`plugin "${name}"'s schedules could not be saved`, {
            plugin: name,
            error,
          });
        });
        const watching = parts.watchers.sync(
          name,
          declared.watchers,
          new Set(declared.handlerNames),
        );
        for (const refused of watching) {
          logger.warn(`plugin "${name}" declared a watcher the host refused: ${refused}`, {
            plugin: name,
          });
        }
      },
    },
    config.plugin.paths,
    cwd,
  );
}
