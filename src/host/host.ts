import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { DatabaseSync } from "node:sqlite";
import {
  type ConfigChange,
  type HostConfig,
  HostConfigProvider,
  LiveConfig,
  validateConfig,
} from "../config/mod.ts";
import { browserGuard, createApp, type SlowClientGuard } from "../http/mod.ts";
import { operatorCredentials } from "./operator_token.ts";
import type { Logger } from "../plugin/mod.ts";
import { newRegistry, reasonOf, type Registry } from "../registry/mod.ts";
import { AttestationStore, localAttestationStore } from "../ats/mod.ts";
import {
  builtinHandlers,
  JobStore,
  localQueue,
  ScheduleStore,
  startScheduleTicker,
  WorkerPool,
} from "../jobs/mod.ts";
import { startServiceServer } from "../services/mod.ts";
import { ApiTokenStore, AuditLog, openDatabase, PluginEventLog } from "../store/mod.ts";
import {
  type BackoffPolicy,
  DEFAULT_BACKOFF,
  findConfinementTools,
  LogFile,
  NO_GRANTS,
  ProcessLedger,
  Supervisor,
  TokenRegistry,
} from "../supervisor/mod.ts";
import { startHealthTicker } from "./health_ticker.ts";
import { watchConfig } from "./config_watcher.ts";
import { jobTarget } from "./job_target.ts";
import { listen, type Listening } from "./listen.ts";
import { manifestApprovals } from "./manifest_approval.ts";
import { pluginConfigAdmin } from "./plugin_config_admin.ts";
import { HostServices } from "./services.ts";

export interface HostOptions {
  logger: Logger;
  version: string;
  /** Overrides `config.database.path` (tests use `:memory:`). */
  databasePath?: string;
  /** The folder relative paths of the configuration start from (default: the working folder). */
  cwd?: string;
  /** The `deno.json` TypeScript plugins resolve their imports with (default: the host's). */
  denoConfig?: string;
  /** How restarts back off (default {@link DEFAULT_BACKOFF}). */
  backoff?: BackoffPolicy;
  /** Follow hand edits of the configuration file (default true). */
  watchConfig?: boolean;
}

const HOST_DENO_CONFIG = fileURLToPath(new URL("../../deno.json", import.meta.url));

/** A running host. */
export interface Host {
  /** Where it listens, e.g. `http://127.0.0.1:8877/`. */
  url: URL;
  registry: Registry;
  services: HostServices;
  supervisor: Supervisor;
  /** Resolves when every enabled plugin has been started (or has failed). */
  pluginsStarted: Promise<void>;
  db: DatabaseSync;
  /** The configuration in force, and the file it is written to. */
  config: LiveConfig;
  /** Stops plugins (reverse order, with deadlines), then the server, then the database. */
  shutdown(): Promise<void>;
}

/**
 * Starts the host: the database, the registry, the HTTP server and the health timer. Routes
 * answer as soon as this returns; plugins load in the background (and come later).
 */
export function startHost(config: HostConfig, options: HostOptions): Host {
  const { logger, version } = options;
  const startedAt = Date.now();
  const dbPath = options.databasePath ?? config.database.path;
  const db = openDatabase({ path: dbPath });
  const events = new PluginEventLog(db);
  const registry = newRegistry(version, logger.named("registry"), {
    deadlines: {
      initialize: config.plugin.initializeTimeout,
      shutdown: config.plugin.shutdownTimeout,
      health: config.plugin.healthTimeout,
      call: config.plugin.callTimeout,
    },
  });
  registry.onStateChange((change) => events.append(change));
  const attestations = new AttestationStore(db);
  const jobs = new JobStore(db);
  const schedules = new ScheduleStore(db, jobs);
  const recovered = jobs.recover(config.pulse.recoverRunning);
  if (recovered.length > 0) {
    logger.warn(
      `${recovered.length} jobs were running when the host stopped: ${
        config.pulse.recoverRunning === "requeue" ? "queued again" : "marked failed"
      }`,
      { jobs: recovered.slice(0, 20) },
    );
  }
  const services = new HostServices({
    db,
    logger,
    registry,
    configs: new HostConfigProvider(config, logger.named("config")),
    atsStore: localAttestationStore(attestations, { plugin: "host", version }),
    queue: localQueue(jobs, "host"),
  });

  const cwd = options.cwd ?? Deno.cwd();
  const auditLog = new AuditLog(db);
  const apiTokens = new ApiTokenStore(db);
  const credentials = config.auth.enabled
    ? operatorCredentials(config, dbPath, cwd, logger, apiTokens, auditLog)
    : undefined;
  if (!credentials) {
    logger.warn(
      "[auth] enabled = false: anyone who can reach this machine's loopback interface may use " +
        "the API and the console",
    );
  }
  const hostEnv = Deno.env.toObject();
  const live = new LiveConfig(config, hostEnv, resolve(cwd, "am.toml"));
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
  if (!tools.bwrap) {
    logger.warn(
      "bubblewrap is not installed: executables run only when trusted, and SDK plugins have " +
        "Deno's permissions alone (which do not cover module imports); install the Debian " +
        "package bubblewrap",
    );
  }
  // Filled once the server listens: where, and the guard in front of it, if any.
  const front: { guard?: SlowClientGuard; url?: URL } = {};
  const supervisor = new Supervisor(
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
      backoff: options.backoff ?? {
        ...DEFAULT_BACKOFF,
        initialMs: config.plugin.restart.delay,
        maxMs: config.plugin.restart.delayMax,
        maxCrashes: config.plugin.restart.maxCrashes,
        windowMs: config.plugin.restart.crashWindow,
        stableMs: config.plugin.restart.stableAfter,
      },
      execPath: Deno.execPath(),
      tools,
      denoConfig: options.denoConfig ?? HOST_DENO_CONFIG,
      runtimeDir,
      dataDir: resolve(cwd, config.plugin.dataDir),
      hostEnv,
      // The host's services, on a socket of each launch's own (see launch_folder.ts).
      serveServices: (socket, owners, onRefused) =>
        startServiceServer(socket, {
          store: attestations,
          jobs,
          schedules,
          tokens: owners,
          logger: logger.named("services"),
          onRefused,
        }),
      pluginConfig: (name) => live.pluginValues(name),
      hostAddress: () => ({
        hostname: front.url?.hostname ?? config.server.bindAddress,
        port: front.url ? Number(front.url.port) : config.server.port,
      }),
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
          if (problem.startsWith("unknown setting")) {
            logger.warn(`plugin "${name}" setting "${key}": ${problem}`, { plugin: name });
          } else problems.push(`${key}: ${problem}`);
        }
        return problems;
      },
      initialized: (name, declared) => {
        const report = schedules.sync(name, declared.schedules, declared.handlerNames);
        for (const refused of report.refused) {
          logger.warn(`plugin "${name}" declared a schedule the host refused: ${refused}`, {
            plugin: name,
          });
        }
      },
    },
    config.plugin.paths,
    cwd,
  );

  const workers = new WorkerPool(jobs, jobTarget(builtinHandlers(jobs), supervisor, registry), {
    workers: config.pulse.workers,
    defaultTimeoutSecs: Math.ceil(config.pulse.jobTimeout / 1000),
    maxRetries: config.pulse.maxRetries,
    backoff: {
      initialMs: config.pulse.retryDelay,
      maxMs: config.pulse.retryDelayMax,
      factor: 2,
      jitter: 0.2,
    },
    pollMs: 500,
    logger: logger.named("pulse"),
  });
  // A plugin that comes up may have jobs waiting.
  registry.onStateChange((change) => {
    if (change.to === "running") workers.wake();
  });

  const handler = createApp({
    registry,
    logger: logger.named("http"),
    version,
    startedAt,
    events,
    lifecycle: supervisor,
    gateway: supervisor,
    bodyLimit: config.server.bodyLimit,
    requestTimeoutMs: config.server.requestTimeout,
    allowedOrigins: config.server.allowedOrigins,
    keepalive: config.plugin.keepalive,
    insights: supervisor,
    attestations,
    pulse: { jobs, schedules, workers },
    configs: pluginConfigAdmin(live, supervisor, registry, logger.named("config")),
    approvals: manifestApprovals(live, supervisor, registry, logger.named("config")),
    console: true,
    clientOf: (remote) => front.guard?.clientOf(remote),
    frontStats: () => front.guard?.stats,
    credentials,
    metricsPublic: config.auth.metricsPublic,
    maxWebSocketsPerClient: config.server.maxWebSocketsPerClient,
    audit: auditLog,
    tokens: apiTokens,
    guard: browserGuard(
      config.server.bindAddress,
      config.server.allowedHosts,
      config.server.allowedOrigins,
    ),
  });
  let listening: Listening;
  try {
    listening = listen(config.server, handler, logger.named("guard"));
  } catch (error) {
    db.close();
    throw error;
  }
  front.guard = listening.guard;
  front.url = listening.url;
  const { url } = listening;
  logger.info(`listening on ${url}`, {
    url: url.href,
    config: config.file ?? "built-in defaults",
    database: dbPath,
    version,
    slowClientGuard: front.guard ? "on" : "off",
  });
  if (credentials) {
    // Works once, within 15 minutes; the token itself is never logged.
    logger.info(
      `sign in to the console: ${new URL(`/login?once=${credentials.issueOnce()}`, url)}`,
    );
  }
  workers.start();
  const stopTicker = startScheduleTicker(
    schedules,
    config.pulse.tickerIntervalSeconds * 1000,
    logger.named("pulse"),
  );
  const apply = async (change: ConfigChange) => {
    for (const name of change.disabled) await supervisor.disable(name);
    for (const name of supervisor.reserve(change.enabled)) await supervisor.enable(name);
    for (const name of change.reconfigured) {
      await supervisor.reconfigure(name).catch((error) =>
        logger.error(`plugin "${name}" did not take its edited configuration`, {
          plugin: name,
          cause: reasonOf(error),
        })
      );
    }
    for (const name of change.grants) {
      logger.info(
        `the grants of plugin "${name}" changed; they apply from its next start ` +
          `(POST /api/plugins/${name}/restart)`,
        { plugin: name },
      );
    }
    for (const section of change.hostSections) {
      logger.warn(`changes to [${section}] take effect when the host restarts`, { section });
    }
  };
  const stopWatching = options.watchConfig === false ? () => {} : watchConfig(
    live,
    (name, values) => validateConfig(supervisor.schema(name) ?? {}, values),
    apply,
    logger.named("config"),
  );
  // Processes are probed by their supervisors, in-process plugins by the registry.
  const stopHealth = startHealthTicker(
    () => Promise.all([supervisor.probeAll(), registry.healthCheckAll()]),
    config.plugin.healthInterval,
    logger.named("health"),
  );
  // Routes answer (503 while loading) before any plugin is up: start-up never waits on plugins.
  const reserved = supervisor.reserve(config.plugin.enabled);
  const pluginsStarted = supervisor.startAll(reserved).catch(
    (error) => {
      logger.error("starting plugins failed", { error });
    },
  );

  let stopping: Promise<void> | undefined;
  const shutdown = () =>
    stopping ??= (async () => {
      const healthRound = stopHealth();
      stopTicker();
      stopWatching();
      // Jobs under way finish while their plugins still run, or go back to the queue.
      await workers.stop(config.plugin.shutdownTimeout);
      // Processes by their supervisors, then in-process plugins and names still reserved.
      await supervisor.stopAll();
      try {
        await registry.shutdownAll();
      } catch (error) {
        logger.warn("some plugins did not shut down cleanly", { error });
      }
      // A round under way ends within its probes' deadlines (the processes are gone by now).
      await healthRound;
      await listening.shutdown();
      db.close();
      logger.info("host stopped");
    })();

  return { url, registry, services, supervisor, pluginsStarted, db, config: live, shutdown };
}
