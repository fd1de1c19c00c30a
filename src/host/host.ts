import type { DatabaseSync } from "node:sqlite";
import { type HostConfig, HostConfigProvider } from "../config/mod.ts";
import { createApp } from "../http/mod.ts";
import type { Logger } from "../plugin/mod.ts";
import { newRegistry, reasonOf, type Registry } from "../registry/mod.ts";
import { openDatabase, PluginEventLog } from "../store/mod.ts";
import { startHealthTicker } from "./health_ticker.ts";
import { HostServices } from "./services.ts";

export interface HostOptions {
  logger: Logger;
  version: string;
  /** Overrides `config.database.path` (tests use `:memory:`). */
  databasePath?: string;
}

/** A running host. */
export interface Host {
  /** Where it listens, e.g. `http://127.0.0.1:8877/`. */
  url: URL;
  registry: Registry;
  services: HostServices;
  db: DatabaseSync;
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
  const services = new HostServices({
    db,
    logger,
    registry,
    configs: new HostConfigProvider(config, logger.named("config")),
  });

  const handler = createApp({ registry, logger: logger.named("http"), version, startedAt, events });
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({
      hostname: config.server.bindAddress,
      port: config.server.port,
      onListen: () => {},
      handler,
    });
  } catch (error) {
    db.close();
    throw new Error(
      `cannot listen on ${config.server.bindAddress}:${config.server.port}: ${reasonOf(error)}`,
      { cause: error },
    );
  }
  const { hostname, port } = server.addr;
  const url = new URL(`http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}/`);
  logger.info(`listening on ${url}`, {
    url: url.href,
    config: config.file ?? "built-in defaults",
    database: dbPath,
    version,
  });
  const stopHealth = startHealthTicker(
    registry,
    config.plugin.healthInterval,
    logger.named("health"),
  );

  let stopping: Promise<void> | undefined;
  const shutdown = () =>
    stopping ??= (async () => {
      stopHealth();
      try {
        await registry.shutdownAll();
      } catch (error) {
        logger.warn("some plugins did not shut down cleanly", { error });
      }
      await server.shutdown();
      db.close();
      logger.info("host stopped");
    })();

  return { url, registry, services, db, shutdown };
}
