import { z } from "zod";
import { type HostTable, nameProblem } from "../registry/mod.ts";
import {
  parseBool,
  parseDuration,
  parseInteger,
  parseSize,
  parseStringList,
} from "../plugin/mod.ts";

/**
 * The host's own sections of `am.toml`, validated with zod. Every leaf accepts its TOML type
 * and the string an environment variable gives, so overrides go through the same checks.
 */

function integer(min: number, max: number) {
  return z.unknown().transform((value, ctx) => {
    const n = parseInteger(value);
    if (n === undefined || n < min || n > max) {
      ctx.addIssue({ code: "custom", message: `expected an integer from ${min} to ${max}` });
      return z.NEVER;
    }
    return n;
  });
}

function bool() {
  return z.unknown().transform((value, ctx) => {
    const b = parseBool(value);
    if (b === undefined) {
      ctx.addIssue({ code: "custom", message: "expected true or false (or yes/no, on/off, 1/0)" });
      return z.NEVER;
    }
    return b;
  });
}

function text() {
  return z.unknown().transform((value, ctx) => {
    if (typeof value !== "string" || value.trim() === "") {
      ctx.addIssue({ code: "custom", message: "expected a non-empty string" });
      return z.NEVER;
    }
    return value.trim();
  });
}

function oneOf<const T extends string>(choices: readonly T[]) {
  return z.unknown().transform((value, ctx) => {
    const word = typeof value === "string" ? value.trim().toLowerCase() : undefined;
    if (!choices.includes(word as T)) {
      ctx.addIssue({ code: "custom", message: `expected one of ${choices.join(", ")}` });
      return z.NEVER;
    }
    return word as T;
  });
}

/** A list of strings; `check` names what is wrong with one item, if anything. */
function stringList(check: (item: string) => string | undefined = () => undefined) {
  return z.unknown().transform((value, ctx) => {
    const items = parseStringList(value);
    if (items === undefined) {
      ctx.addIssue({ code: "custom", message: "expected a list of strings" });
      return z.NEVER;
    }
    items.forEach((item, index) => {
      const problem = check(item) ??
        (items.indexOf(item) !== index ? `"${item}" is listed twice` : undefined);
      if (problem) ctx.addIssue({ code: "custom", message: problem, path: [index] });
    });
    return items;
  });
}

function duration(minMs: number, maxMs: number) {
  return z.unknown().transform((value, ctx) => {
    const ms = parseDuration(value);
    if (ms === undefined || ms < minMs || ms > maxMs) {
      ctx.addIssue({
        code: "custom",
        message: `expected a duration from ${minMs} ms to ${maxMs / 1000} s with its unit, ` +
          `such as "500ms", "5s" or "2m"`,
      });
      return z.NEVER;
    }
    return ms;
  });
}

function size(min: number, max: number) {
  return z.unknown().transform((value, ctx) => {
    const bytes = parseSize(value);
    if (bytes === undefined || bytes < min || bytes > max) {
      ctx.addIssue({
        code: "custom",
        message: `expected a size from ${min} bytes to ${max / 1024 ** 3} GiB, as bytes or ` +
          `with a unit such as "512KiB" or "16MiB"`,
      });
      return z.NEVER;
    }
    return bytes;
  });
}

function origin(item: string): string | undefined {
  if (item === "*") return undefined;
  try {
    // `http://host:*` is any port of that host.
    const url = new URL(item.endsWith(":*") ? item.slice(0, -2) : item);
    if (url.origin === "null" && !item.includes("://")) return `"${item}" is not an origin`;
    return undefined;
  } catch {
    return `"${item}" is not an origin such as "http://localhost:8877"`;
  }
}

function hostOnly(item: string): string | undefined {
  return /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(item)
    ? undefined
    : `"${item}" is not a host name (no scheme, port or path)`;
}

function pluginName(item: string): string | undefined {
  const problem = nameProblem(item);
  return problem && `"${item}" cannot be a plugin name: ${problem}`;
}

const SECOND = 1000;
const HOUR = 3600 * SECOND;
const GIB = 1024 ** 3;

export const serverSchema = z.object({
  bind_address: text().default("127.0.0.1"),
  port: integer(0, 65535).default(8877),
  allowed_origins: stringList(origin).default([]),
  /** Open WebSockets one client address may hold (429 beyond). */
  max_websockets_per_client: integer(1, 1_000_000).default(256),
  /** Open connections one client address may hold (429 beyond); enforced by the front. */
  max_connections_per_client: integer(1, 1_000_000).default(512),
  /**
   * Open connections in all (a WebSocket holds three descriptors: keep it well below the
   * process's limit, `ulimit -n`): at it, the front closes the connection idle longest, or
   * answers the new one 503 when none is idle; enforced by the front.
   */
  max_connections: integer(1, 1_000_000).default(10_000),
  /** Names the host answers to besides its bind address, localhost and loopback addresses. */
  allowed_hosts: stringList(hostOnly).default([]),
  body_limit: size(1, 4 * GIB).default(16 * 1024 ** 2),
  request_timeout: duration(100, HOUR).default(30 * SECOND),
  log_level: oneOf(["debug", "info", "warn", "error"] as const).default("info"),
  slow_client_guard: oneOf(["auto", "on", "off"] as const).default("on"),
  header_timeout: duration(100, HOUR).default(10 * SECOND),
  idle_timeout: duration(SECOND, 24 * HOUR).default(120 * SECOND),
  /**
   * How other hosts sharing the database reach this one (`http://qntx-2.internal:8877`), when
   * not the address it listens on (a wildcard bind, a proxy in front). Also answered as a Host.
   */
  public_url: z.string().default("").check((ctx) => {
    if (ctx.value === "") return;
    let url: URL | undefined;
    try {
      url = new URL(ctx.value);
    } catch {
      // Said below.
    }
    if (!url || !["http:", "https:"].includes(url.protocol) || url.pathname !== "/") {
      ctx.issues.push({
        code: "custom",
        message: "must be an http(s) URL with no path, such as http://qntx-2.internal:8877",
        input: ctx.value,
      });
    }
  }),
});

function absolutePath(item: string): string | undefined {
  return item.startsWith("/") ? undefined : `"${item}" must be an absolute path`;
}

function hostName(item: string): string | undefined {
  return /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/.test(item)
    ? undefined
    : `"${item}" is not a host name with an optional :port`;
}

function envName(item: string): string | undefined {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(item)
    ? undefined
    : `"${item}" is not an environment variable name`;
}

/** What the operator allows one plugin beyond its manifest (`[plugin.grants.<name>]`). */
export const grantSchema = z.object({
  read: stringList(absolutePath).default([]),
  write: stringList(absolutePath).default([]),
  net: stringList(hostName).default([]),
  env: stringList(envName).default([]),
  trusted: bool().default(false),
  /**
   * The SHA-256 (hex) of the plugin's manifest the operator approved: what that manifest asks
   * (hosts, variables, write entries, memory) is granted while the manifest stays the same.
   */
  approved_manifest: text().pipe(
    z.string().regex(/^[0-9a-f]{64}$/, {
      message: "must be the SHA-256 of the manifest, 64 lowercase hex digits",
    }),
  ).optional(),
  /** The V8 heap a plugin may have in MiB, when it needs more than the default. */
  memory_mb: integer(16, 65536).optional(),
  /**
   * The host's variables a QNTX program inherits besides HOME (QNTX's programs look up tools on
   * PATH: a shell, `meilisearch`); an empty list narrows it to HOME and `env` alone.
   */
  program_env: stringList(envName).default(["PATH", "SHELL", "TERM"]),
});

/** An Ed25519 public key as `deno task plugin keygen` prints it. */
function signingKey(item: string): string | undefined {
  return /^ed25519:[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/.test(item)
    ? undefined
    : `"${item.slice(0, 24)}" is not an Ed25519 public key (ed25519: and 32 bytes in base64)`;
}

export const pluginSchema = z.object({
  enabled: stringList(pluginName).default([]),
  /**
   * Plugins whose 404 is tried again with the full path `/api/<name>/…`, as QNTX's host does
   * (QNTX #277; pty-glyph relies on it). Off unless listed.
   */
  full_path_retry: stringList(pluginName).default([]),
  /**
   * Plugins that take new settings by a restart rather than a second Initialize, though they list
   * the `reconfigure` capability (one without it is always restarted for new settings).
   */
  reconfigure_restart: stringList(pluginName).default([]),
  /** The plugin that parses Ax queries (QNTX's `ParseAxQuery`), for `POST /api/ax/parse`. */
  ax_parser: text().check((ctx) => {
    const problem = pluginName(ctx.value);
    if (problem) ctx.issues.push({ code: "custom", message: problem, input: ctx.value });
  }).default("kern"),
  /**
   * The plugin that serves QNTX's search role (it declares search_provider): it receives every
   * plugin's indexed documents and queries. Empty: the first plugin to declare it, no other.
   */
  search_provider: z.string().check((ctx) => {
    const problem = ctx.value === "" ? undefined : pluginName(ctx.value);
    if (problem) ctx.issues.push({ code: "custom", message: problem, input: ctx.value });
  }).default(""),
  /** Searched in order; `~/` is the home folder. QNTX's own defaults follow the host's. */
  paths: stringList().default(["plugins", "~/.qntx/plugins", "qntx-plugins"]),
  data_dir: text().default("data/plugins"),
  runtime_dir: text().default("data/run"),
  log_dir: text().default("data/logs"),
  start_timeout: duration(100, HOUR).default(10 * SECOND),
  initialize_timeout: duration(100, HOUR).default(30 * SECOND),
  shutdown_timeout: duration(100, HOUR).default(10 * SECOND),
  health_timeout: duration(100, HOUR).default(5 * SECOND),
  health_interval: duration(100, HOUR).default(15 * SECOND),
  call_timeout: duration(100, HOUR).default(10 * SECOND),
  restart: z.object({
    delay: duration(10, HOUR).default(100),
    delay_max: duration(10, 24 * HOUR).default(30 * SECOND),
    max_crashes: integer(1, 1000).default(5),
    crash_window: duration(SECOND, 24 * HOUR).default(60 * SECOND),
    stable_after: duration(SECOND, 24 * HOUR).default(30 * SECOND),
  }).prefault({}),
  grants: z.record(z.string(), grantSchema).default({}),
  /** Keys whose signatures on plugin archives are trusted (`deno task plugin keygen`). */
  trusted_keys: stringList(signingKey).default([]),
  /** Refuse to install archives without a signature by a trusted key. */
  require_signatures: bool().default(false),
  websocket: z.object({
    keepalive: z.object({
      enabled: bool().default(true),
      ping_interval_secs: integer(1, 3600).default(30),
      pong_timeout_secs: integer(1, 3600).default(60),
      reconnect_attempts: integer(0, 100).default(3),
    }).prefault({}),
  }).prefault({}),
});

export const databaseSchema = z.object({
  path: text().default("data/qntx.db"),
  /**
   * PostgreSQL shared by several hosts (`postgres://user:password@host:5432/db`; a socket folder
   * as `?host=/path`); empty: everything in the SQLite file at `path`. Also QNTX_DATABASE_URL.
   */
  url: z.string().default("").check((ctx) => {
    if (ctx.value !== "" && !/^postgres(ql)?:\/\//.test(ctx.value)) {
      ctx.issues.push({
        code: "custom",
        message: "must be a postgres:// URL such as postgres://qntx@db.internal:5432/qntx",
        input: ctx.value,
      });
    }
  }),
});

export const pulseSchema = z.object({
  workers: integer(1, 64).default(4),
  ticker_interval_seconds: integer(1, 3600).default(1),
  job_timeout: duration(SECOND, 7 * 24 * HOUR).default(5 * 60 * SECOND),
  max_retries: integer(0, 100).default(3),
  retry_delay: duration(10, HOUR).default(1 * SECOND),
  retry_delay_max: duration(10, 24 * HOUR).default(5 * 60 * SECOND),
  recover_running: oneOf(["requeue", "fail"] as const).default("requeue"),
  /**
   * With PostgreSQL: how long a job stays its host's without a heartbeat; after that another
   * host runs it (a host that died mid-job is replaced within this and a second).
   */
  lease: duration(SECOND, HOUR).default(15 * SECOND),
});

/** Who may use the operator's API and console (`[auth]`). */
export const authSchema = z.object({
  /** Off only on loopback, by the operator's choice (the host warns). */
  enabled: bool().default(true),
  /** The operator's token, or `env:NAME`; else the token file (made at first start). */
  token: text().optional(),
  /** Where the generated operator token is kept (default: `auth_token` beside the database). */
  token_file: text().optional(),
  /** How long a console session lasts (QNTX's key: `[auth] session_expiry_hours`). */
  session_expiry_hours: integer(1, 24 * 366).default(12),
  /** Serve `/metrics` without a credential (for a scraper on a trusted network). */
  metrics_public: bool().default(false),
});

/**
 * The host's sections; every other table of the file belongs to the plugin of that name. Each
 * must be one of the registry's `HOST_TABLES`, which no plugin may be named after.
 */
export const HOST_SECTIONS = {
  server: serverSchema,
  plugin: pluginSchema,
  database: databaseSchema,
  pulse: pulseSchema,
  auth: authSchema,
} as const satisfies { readonly [table in HostTable]?: z.ZodType };

export type HostSection = keyof typeof HOST_SECTIONS;

/**
 * Keys QNTX's own host reads that this host has no use for: accepted silently so a QNTX
 * `am.toml` loads unchanged. Any other unknown key is reported as a warning.
 */
export const FOREIGN_KEYS: Readonly<Record<HostSection, readonly string[]>> = {
  server: ["frontend_port", "log_theme"],
  plugin: [],
  database: ["bounded_storage"],
  pulse: [
    "http_max_requests_per_minute",
    "http_delay_between_requests_ms",
    "http_domain_limits",
    "daily_budget_usd",
    "weekly_budget_usd",
    "monthly_budget_usd",
    "cost_per_score_usd",
    "pause_on_budget_exceeded",
  ],
  auth: [],
};

/** Dotted leaf keys of a host section, for matching environment variables and unknown keys. */
export function leafKeys(schema: z.ZodType, prefix = ""): string[] {
  if (!(schema instanceof z.ZodObject)) return [prefix];
  return Object.entries(schema.shape as Record<string, z.ZodType>).flatMap(([key, inner]) =>
    leafKeys(unwrap(inner), prefix === "" ? key : `${prefix}.${key}`)
  );
}

function unwrap(schema: z.ZodType): z.ZodType {
  return schema instanceof z.ZodPrefault || schema instanceof z.ZodDefault
    ? unwrap(schema.def.innerType as z.ZodType)
    : schema;
}
