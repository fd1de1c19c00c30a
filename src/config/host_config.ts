import { parse as parseToml, TomlError } from "smol-toml";
import type { z } from "zod";
import type { LogLevel } from "../plugin/mod.ts";
import { applyEnvOverrides } from "./env_overrides.ts";
import { ConfigError, type ConfigIssue } from "./errors.ts";
import { flattenTable, isTable } from "./flatten.ts";
import { FOREIGN_KEYS, HOST_SECTIONS, type HostSection } from "./schema.ts";
import { parseStringList, stringOf } from "../plugin/mod.ts";

/** The host's configuration after parsing, overrides and validation. */
export interface HostConfig {
  /** The file it came from; undefined when the built-in defaults were used. */
  file?: string;
  server: {
    bindAddress: string;
    port: number;
    allowedOrigins: string[];
    /** Names the host answers to besides its bind address and loopback (DNS rebinding). */
    allowedHosts: string[];
    maxWebSocketsPerClient: number;
    maxConnectionsPerClient: number;
    /** Open connections in all, when the front is on. */
    maxConnections: number;
    /** bytes */
    bodyLimit: number;
    /** Deadline of one request to a plugin, ms. */
    requestTimeout: number;
    logLevel: LogLevel;
    /** A front that bounds slow request headers; `auto`: on unless bound to loopback. */
    slowClientGuard: "auto" | "on" | "off";
    headerTimeout: number;
    idleTimeout: number;
    /** How other hosts reach this one; empty: the address it listens on. */
    publicUrl: string;
  };
  plugin: {
    enabled: string[];
    paths: string[];
    /** Plugins whose 404 is retried with the full path (QNTX #277). */
    fullPathRetry: string[];
    /** Plugins that take new settings by a restart, not a second Initialize. */
    reconfigureRestart: string[];
    /** The plugin that parses Ax queries (`POST /api/ax/parse`). */
    axParser: string;
    /** The plugin that serves search; empty: the first to declare search_provider. */
    searchProvider: string;
    /** Each plugin's data folder is `<dataDir>/<name>`. */
    dataDir: string;
    /** Holds the plugins' sockets and the record of their processes (mode 0700). */
    runtimeDir: string;
    logDir: string;
    /** All timeouts in milliseconds. */
    startTimeout: number;
    initializeTimeout: number;
    shutdownTimeout: number;
    healthTimeout: number;
    healthInterval: number;
    callTimeout: number;
    /** Keys trusted to sign plugin archives (`ed25519:<base64>`). */
    trustedKeys: string[];
    /** Whether unsigned archives are refused at install. */
    requireSignatures: boolean;
    /** What the operator allows each plugin beyond its manifest. */
    grants: Record<
      string,
      {
        read: string[];
        write: string[];
        net: string[];
        env: string[];
        trusted: boolean;
        approved_manifest?: string;
        memory_mb?: number;
        program_env: string[];
      }
    >;
    /** How crashed plugins are restarted, in milliseconds (see BackoffPolicy). */
    restart: {
      delay: number;
      delayMax: number;
      maxCrashes: number;
      crashWindow: number;
      stableAfter: number;
    };
    keepalive: {
      enabled: boolean;
      pingIntervalSecs: number;
      pongTimeoutSecs: number;
      reconnectAttempts: number;
    };
  };
  /** `url`: PostgreSQL shared by several hosts; empty for the SQLite file alone. */
  database: { path: string; url: string };
  pulse: {
    workers: number;
    tickerIntervalSeconds: number;
    /** Milliseconds, as every duration here. */
    jobTimeout: number;
    maxRetries: number;
    retryDelay: number;
    retryDelayMax: number;
    /** What happens at start to jobs a crashed host left running. */
    recoverRunning: "requeue" | "fail";
    /** Milliseconds a running job stays its host's without a heartbeat (PostgreSQL). */
    lease: number;
  };
  auth: {
    enabled: boolean;
    /** The operator's token as configured (a value or `env:NAME`), when it is. */
    token?: string;
    tokenFile?: string;
    sessionMs: number;
    metricsPublic: boolean;
  };
  /** Each plugin's table with nested tables as dotted keys, overrides applied. */
  plugins: Record<string, Record<string, unknown>>;
  /** Things that did not stop the load but an operator should see. */
  warnings: string[];
}

/**
 * Parses and validates the text of an `am.toml`. `source` names the file in messages; `env`
 * supplies `QNTX_<SECTION>_<KEY>` overrides. Throws a {@link ConfigError} listing every
 * problem at once.
 */
export function parseHostConfig(
  text: string,
  source: string,
  env: Record<string, string> = {},
): HostConfig {
  let document: Record<string, unknown>;
  try {
    document = parseToml(text) as Record<string, unknown>;
  } catch (error) {
    const where = error instanceof TomlError ? `line ${error.line}, column ${error.column}` : "";
    const problem = error instanceof Error ? error.message.split("\n")[0]! : String(error);
    throw new ConfigError([{ source, key: where, problem: `not valid TOML: ${problem}` }]);
  }

  const issues: ConfigIssue[] = [];
  const warnings: string[] = [];
  const host: Record<string, unknown> = {};
  const plugins: Record<string, Record<string, unknown>> = {};
  for (const [key, value] of Object.entries(document)) {
    if (key in HOST_SECTIONS) {
      if (isTable(value)) host[key] = structuredClone(value);
      else issues.push({ source, key, problem: `expected a table ([${key}])` });
    } else if (isTable(value)) {
      plugins[key] = flattenTable(value);
    } else {
      warnings.push(`${source}: ${key}: a top-level key outside any [section] is ignored`);
    }
  }

  const enabled = parseStringList((host.plugin as Record<string, unknown> | undefined)?.enabled) ??
    [];
  const overrides = applyEnvOverrides(host, plugins, enabled, env);
  issues.push(...overrides.issues);
  warnings.push(...overrides.warnings);

  const sections: Partial<Record<HostSection, unknown>> = {};
  for (const [section, schema] of Object.entries(HOST_SECTIONS) as [HostSection, z.ZodType][]) {
    const raw = (host[section] ?? {}) as Record<string, unknown>;
    warnings.push(...unknownKeys(section, raw, source));
    const parsed = schema.safeParse(raw);
    if (parsed.success) {
      sections[section] = parsed.data;
      continue;
    }
    for (const issue of parsed.error.issues) {
      const path = [section, ...issue.path.map(String)];
      const key = path.join(".");
      const variable = overrides.origins.get(path.slice(0, keyDepth(section, path)).join("."));
      const value = valueAt(host, path);
      issues.push({
        source: variable ? `environment ${variable}` : source,
        key,
        problem: issue.message + (value === undefined ? "" : `, got ${describe(value)}`),
      });
    }
  }
  const { server, auth } = sections as Partial<HostSections>;
  if (server && auth && !auth.enabled && !isLoopbackAddress(server.bind_address)) {
    issues.push({
      source,
      key: "auth.enabled",
      problem: `false is accepted only when the host listens on loopback, not on ` +
        `${server.bind_address}; set [auth] enabled = true (and a token) or bind_address = ` +
        `"127.0.0.1"`,
    });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return assemble(sections as HostSections, plugins, warnings);
}

/** Depth of the setting a zod path points into (a list item's path is one deeper). */
function keyDepth(section: HostSection, path: string[]): number {
  return section === "plugin" && path[1] === "websocket" ? 4 : 2;
}

function unknownKeys(section: HostSection, raw: Record<string, unknown>, source: string): string[] {
  const schema = HOST_SECTIONS[section];
  const known = new Set([...Object.keys(schema.shape), ...FOREIGN_KEYS[section]]);
  const found = Object.keys(raw).filter((key) => !known.has(key));
  const websocket = section === "plugin" && isTable(raw.websocket) ? raw.websocket : undefined;
  if (websocket) {
    for (const key of Object.keys(websocket)) {
      if (key !== "keepalive") found.push(`websocket.${key}`);
    }
  }
  return found.map((key) => `${source}: ${section}.${key}: unknown setting, ignored`);
}

function valueAt(root: unknown, path: string[]): unknown {
  let value = root;
  for (const key of path) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function describe(value: unknown): string {
  const text = typeof value === "string" ? JSON.stringify(value) : stringOf(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

type HostSections = { [K in HostSection]: z.output<typeof HOST_SECTIONS[K]> };

/** Renames the validated snake_case settings to the camelCase the code uses. */
function assemble(
  { server, plugin, database, pulse, auth }: HostSections,
  plugins: Record<string, Record<string, unknown>>,
  warnings: string[],
): HostConfig {
  return {
    server: {
      bindAddress: server.bind_address,
      port: server.port,
      allowedOrigins: server.allowed_origins,
      allowedHosts: server.allowed_hosts,
      maxWebSocketsPerClient: server.max_websockets_per_client,
      maxConnectionsPerClient: server.max_connections_per_client,
      maxConnections: server.max_connections,
      bodyLimit: server.body_limit,
      requestTimeout: server.request_timeout,
      logLevel: server.log_level,
      slowClientGuard: server.slow_client_guard,
      headerTimeout: server.header_timeout,
      idleTimeout: server.idle_timeout,
      publicUrl: server.public_url,
    },
    plugin: {
      enabled: plugin.enabled,
      paths: plugin.paths,
      fullPathRetry: plugin.full_path_retry,
      reconfigureRestart: plugin.reconfigure_restart,
      axParser: plugin.ax_parser,
      searchProvider: plugin.search_provider,
      dataDir: plugin.data_dir,
      runtimeDir: plugin.runtime_dir,
      logDir: plugin.log_dir,
      startTimeout: plugin.start_timeout,
      initializeTimeout: plugin.initialize_timeout,
      shutdownTimeout: plugin.shutdown_timeout,
      healthTimeout: plugin.health_timeout,
      healthInterval: plugin.health_interval,
      callTimeout: plugin.call_timeout,
      trustedKeys: plugin.trusted_keys,
      requireSignatures: plugin.require_signatures,
      grants: plugin.grants,
      restart: {
        delay: plugin.restart.delay,
        delayMax: plugin.restart.delay_max,
        maxCrashes: plugin.restart.max_crashes,
        crashWindow: plugin.restart.crash_window,
        stableAfter: plugin.restart.stable_after,
      },
      keepalive: {
        enabled: plugin.websocket.keepalive.enabled,
        pingIntervalSecs: plugin.websocket.keepalive.ping_interval_secs,
        pongTimeoutSecs: plugin.websocket.keepalive.pong_timeout_secs,
        reconnectAttempts: plugin.websocket.keepalive.reconnect_attempts,
      },
    },
    database: { path: database.path, url: database.url },
    pulse: {
      workers: pulse.workers,
      tickerIntervalSeconds: pulse.ticker_interval_seconds,
      jobTimeout: pulse.job_timeout,
      maxRetries: pulse.max_retries,
      retryDelay: pulse.retry_delay,
      retryDelayMax: pulse.retry_delay_max,
      recoverRunning: pulse.recover_running,
      lease: pulse.lease,
    },
    auth: {
      enabled: auth.enabled,
      token: auth.token,
      tokenFile: auth.token_file,
      sessionMs: auth.session_expiry_hours * 3600 * 1000,
      metricsPublic: auth.metrics_public,
    },
    plugins,
    warnings,
  };
}

/** Whether the host's bind address is this machine alone. */
export function isLoopbackAddress(address: string): boolean {
  return address === "localhost" || address.startsWith("127.") || address === "::1" ||
    address === "[::1]";
}
