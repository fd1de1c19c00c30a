import { resolve } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import { type HostConfig, HostConfigProvider, LiveConfig, validateConfig } from "../config/mod.ts";
import { browserGuard, createApp, randomId } from "../http/mod.ts";
import { frontMetrics, type HttpFront } from "../front/mod.ts";
import { operatorCredentials } from "./operator_token.ts";
import type { Logger } from "../plugin/mod.ts";
import { newRegistry, type Registry } from "../registry/mod.ts";
import { localAttestationStore } from "../ats/mod.ts";
import { builtinHandlers, localQueue, startScheduleTicker, WorkerPool } from "../jobs/mod.ts";
import type { BackoffPolicy, Supervisor } from "../supervisor/mod.ts";
import { startHealthTicker } from "./health_ticker.ts";
import { startClusterHousekeeping } from "./cluster_housekeeping.ts";
import { watchConfig } from "./config_watcher.ts";
import { jobTarget } from "./job_target.ts";
import { jobAdmission } from "./job_admission.ts";
import { hostPresence } from "./host_presence.ts";
import { clusterSecret, type HostRecord } from "../store/mod.ts";
import { listen, type Listening } from "./listen.ts";
import { manifestApprovals } from "./manifest_approval.ts";
import { pluginInstalls } from "./plugin_installs.ts";
import { superviseProcesses } from "./supervision.ts";
import { openStores } from "./stores.ts";
import { applyConfigChanges } from "./config_changes.ts";
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
  /**
   * Where the SDK's bundles for plugin starts are kept (default `<runtime_dir>/sdk-bundle`):
   * the tests' and the bench's hosts share one, built once.
   */
  sdkBundles?: string;
  /** How restarts back off (default {@link DEFAULT_BACKOFF}). */
  backoff?: BackoffPolicy;
  /** Follow hand edits of the configuration file (default true). */
  watchConfig?: boolean;
}

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
  const stores = openStores(dbPath, config.pulse.recoverRunning, logger, config.database.url);
  const { db, events, records, jobs, schedules, watchers, auditLog, apiTokens } = stores;
  const registry = newRegistry(version, logger.named("registry"), {
    deadlines: {
      initialize: config.plugin.initializeTimeout,
      shutdown: config.plugin.shutdownTimeout,
      health: config.plugin.healthTimeout,
      call: config.plugin.callTimeout,
    },
  });
  registry.onStateChange((change) => events.append(change));
  const services = new HostServices({
    db,
    logger,
    registry,
    configs: new HostConfigProvider(config, logger.named("config")),
    atsStore: localAttestationStore(records, { plugin: "host", version }),
    queue: localQueue(jobs, "host"),
  });

  const cwd = options.cwd ?? Deno.cwd();
  // What hosts sharing PostgreSQL present to each other to relay the operator's plugin actions.
  const relay: { secret?: string } = {};
  stores.pool?.then((sql) => clusterSecret(sql, randomId())).then(
    (secret) => relay.secret = secret,
    (error) => logger.warn("the cluster's relay secret could not be read", { error }),
  );
  const credentials = config.auth.enabled
    ? operatorCredentials(config, dbPath, cwd, logger, apiTokens, auditLog, () => relay.secret)
    : undefined;
  if (!credentials) {
    logger.warn(
      "[auth] enabled = false: anyone who can reach this machine's loopback interface may use " +
        "the API and the console",
    );
  }
  const hostEnv = Deno.env.toObject();
  const live = new LiveConfig(config, hostEnv, resolve(cwd, "am.toml"));
  // Filled once the server listens: where, and the guard in front of it, if any.
  const front: { guard?: HttpFront; url?: URL } = {};
  const hostAddress = () => ({
    hostname: front.url?.hostname ?? config.server.bindAddress,
    port: front.url ? Number(front.url.port) : config.server.port,
  });
  const supervisor = superviseProcesses({
    config,
    live,
    hostEnv,
    cwd,
    logger,
    registry,
    services,
    attestations: records,
    jobs,
    schedules,
    watchers,
    hostAddress,
    denoConfig: options.denoConfig,
    sdkBundles: options.sdkBundles,
    backoff: options.backoff,
  });

  const hostHandlers = builtinHandlers(jobs);
  const workers = new WorkerPool(jobs, jobTarget(hostHandlers, supervisor, registry), {
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
    leaseMs: config.pulse.lease,
    logger: logger.named("pulse"),
  });
  // A plugin that comes up may have jobs waiting.
  registry.onStateChange((change) => {
    if (change.to === "running") workers.wake();
  });

  // Known once the host listens (its URL is part of its row among the hosts).
  const hosts: { list?: () => Promise<HostRecord[]> } = {};
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
    axParser: {
      // Live: naming another parser in am.toml applies to the next request.
      plugin: () => live.current.plugin.axParser,
      parse: (plugin, query, deadlineMs) => supervisor.parseAxQuery(plugin, query, deadlineMs),
    },
    attestations: records,
    hosts: {
      list: () => hosts.list?.() ?? Promise.resolve([]),
      self: stores.hostId,
      relayToken: () => relay.secret,
    },
    pulse: {
      jobs,
      schedules,
      workers,
      watchers,
      admit: jobAdmission(hostHandlers, supervisor, registry, async () => {
        const others = (await hosts.list?.() ?? []).filter((host) => host.id !== stores.hostId);
        return new Set(others.flatMap((host) => host.plugins.map((plugin) => plugin.name)));
      }),
    },
    configs: pluginConfigAdmin(live, supervisor, registry, logger.named("config")),
    approvals: manifestApprovals(live, supervisor, registry, logger.named("config")),
    installs: pluginInstalls({
      live,
      supervisor,
      registry,
      logger: logger.named("install"),
      cwd,
      home: hostEnv.HOME,
      hostVersion: version,
      hostAddress,
    }),
    console: true,
    frontMetrics: () => frontMetrics(front.guard?.stats),
    // Live: a hand edit of the list applies to the next request.
    fullPathRetry: (name) => live.current.plugin.fullPathRetry.includes(name),
    credentials,
    metricsPublic: config.auth.metricsPublic,
    maxWebSocketsPerClient: config.server.maxWebSocketsPerClient,
    audit: auditLog,
    tokens: apiTokens,
    guard: browserGuard(
      config.server.bindAddress,
      // The name other hosts use for this one is a name it answers to.
      config.server.publicUrl
        ? [...config.server.allowedHosts, new URL(config.server.publicUrl).hostname]
        : config.server.allowedHosts,
      config.server.allowedOrigins,
    ),
  });
  let listening: Listening;
  try {
    listening = listen(config.server, handler, logger.named("front"));
  } catch (error) {
    db.close();
    stores.close().catch(() => {});
    throw error;
  }
  front.guard = listening.guard;
  front.url = listening.url;
  const { url } = listening;
  const advertised = config.server.publicUrl ? new URL(config.server.publicUrl) : url;
  if (stores.pool && !config.server.publicUrl && /^(0\.0\.0\.0|\[::\])$/.test(url.hostname)) {
    logger.warn(
      `this host listens on ${url.hostname}, which other hosts sharing the database cannot ` +
        "dial: set [server] public_url to the address they reach it at",
    );
  }
  const presence = hostPresence(
    stores.pool,
    { id: stores.hostId, url: advertised, version, startedAt },
    registry,
    logger,
  );
  hosts.list = presence.list;
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
  const stopHousekeeping = stores.sharedJobs
    ? startClusterHousekeeping(stores.sharedJobs, logger.named("pulse"))
    : () => Promise.resolve();
  const stopTicker = startScheduleTicker(
    schedules,
    config.pulse.tickerIntervalSeconds * 1000,
    logger.named("pulse"),
  );
  const apply = applyConfigChanges(supervisor, logger);
  const stopWatching = options.watchConfig === false ? () => Promise.resolve() : watchConfig(
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
      await presence.stop();
      await stopHousekeeping();
      await stopTicker();
      // An edit being applied lands before the plugins stop, not on plugins stopping.
      await stopWatching();
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
      await stores.close();
      logger.info("host stopped");
    })();

  return { url, registry, services, supervisor, pluginsStarted, db, config: live, shutdown };
}
