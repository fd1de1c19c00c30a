import { isAbsolute, join, normalize } from "node:path";
import type { PermissionRequest } from "./manifest.ts";

/** What the operator allows a plugin on top of its manifest (`[plugin.grants.<name>]`). */
export interface Grants {
  /** Absolute paths it may read (a repository to ingest, a data set). */
  read: string[];
  write: string[];
  net: string[];
  env: string[];
  /** Lets the plugin have `run`, `ffi`, `sys` or `all`, which leave the sandbox. */
  trusted: boolean;
  /** The SHA-256 of the manifest whose requests the operator approved. */
  approved_manifest?: string;
  /** A larger V8 heap than the default, in MiB. */
  memory_mb?: number;
  /** The host's variables a QNTX program inherits besides HOME (default PATH, SHELL, TERM). */
  program_env?: string[];
}

export const NO_GRANTS: Grants = { read: [], write: [], net: [], env: [], trusted: false };

/** What a QNTX program inherits of the host's environment when its grant says nothing. */
export const PROGRAM_ENV = ["PATH", "SHELL", "TERM"];

/** Where a launch lives on disk. */
export interface SandboxPaths {
  pluginDir: string;
  dataDir: string;
  /** The Unix socket the plugin serves on. */
  socket: string;
  /** The Unix socket of its data channel (HTTP beside gRPC), when the host offers one. */
  dataSocket?: string;
  /** The host's service sockets the plugin calls back. */
  hostSockets: string[];
  /**
   * Source folders of the SDK it may read (its own code, nothing else of the host): a module
   * the SDK loads on first use (the host services' clients) is read when it is needed, not at
   * start, and Deno asks read access for it then.
   */
  modules?: string[];
}

/** Environment variables grpc-js reads when it loads; it fails without them. */
export const GRPC_ENV = [
  "GRPC_NODE_VERBOSITY",
  "GRPC_VERBOSITY",
  "GRPC_NODE_TRACE",
  "GRPC_TRACE",
  "GRPC_SSL_CIPHER_SUITES",
  "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH",
  "GRPC_NODE_USE_ALTERNATIVE_RESOLVER",
  "GRPC_NODE_DEBUG_SEND_ERROR_DETAILS",
  "GRPC_EXPERIMENTAL_ENABLE_OUTLIER_DETECTION",
];

/** Everything a sandboxed plugin may touch, by permission. */
export interface Granted {
  read: string[];
  write: string[];
  net: string[];
  env: string[];
  run: string[];
  ffi: string[];
  sys: string[];
  all: boolean;
}

/** The Deno flags of a sandboxed plugin and what they grant, or the reasons it may not start. */
export type SandboxResult = { ok: true; flags: string[]; granted: Granted } | {
  ok: false;
  refused: string[];
};

const ESCAPES = ["run", "ffi", "sys"] as const;

/**
 * The exact permissions of a TypeScript plugin: its folder to read, its data folder to read
 * and write, its socket and the host's, what its manifest asks for and what the operator
 * grants. Never `-A` unless a trusted plugin asks for `all`; always `--no-prompt`.
 */
export function sandboxFlags(
  plugin: string,
  request: PermissionRequest,
  grants: Grants,
  paths: SandboxPaths,
): SandboxResult {
  const refused: string[] = [];
  if (!grants.trusted) {
    for (const kind of ESCAPES) {
      if (request[kind].length > 0) {
        refused.push(
          `plugin "${plugin}" asks for ${kind} (${request[kind].join(", ")}), which leaves the ` +
            `sandbox; set trusted = true in [plugin.grants.${plugin}] to allow it`,
        );
      }
    }
    if (request.all) {
      refused.push(
        `plugin "${plugin}" asks for all permissions; set trusted = true in ` +
          `[plugin.grants.${plugin}] to allow it`,
      );
    }
  }
  for (const path of [...grants.read, ...grants.write]) {
    if (!isAbsolute(path)) {
      refused.push(`grant "${path}" for plugin "${plugin}" must be an absolute path`);
    }
  }
  if (refused.length > 0) return { ok: false, refused };
  const sockets = [
    paths.socket,
    ...(paths.dataSocket ? [paths.dataSocket] : []),
    ...paths.hostSockets,
  ];
  const inside = request.write.map((path) => normalize(join(paths.pluginDir, path)));
  const unique = (values: string[]) => [...new Set(values)];
  const granted: Granted = {
    read: unique([
      paths.pluginDir,
      paths.dataDir,
      ...sockets,
      ...(paths.modules ?? []),
      ...grants.read,
    ]),
    write: unique([paths.dataDir, ...sockets, ...inside, ...grants.write]),
    net: unique([...sockets.map((socket) => `unix:${socket}`), ...request.net, ...grants.net]),
    env: unique([...GRPC_ENV, ...request.env, ...grants.env]),
    run: request.run,
    ffi: request.ffi,
    sys: request.sys,
    all: request.all,
  };
  if (request.all) return { ok: true, flags: ["--no-prompt", "--allow-all"], granted };
  // Remote imports are not checked against net grants (Deno allows a list of CDNs by default):
  // a plugin loads only code that is on this machine. Nor is Deno's own npm resolution: with a
  // cache of its own (see pluginDenoCache), a plugin's Deno asked registry.npmjs.org for the
  // packages' metadata at every start, over TLS, holding the plugin's first calls ~25 ms
  // (measured with strace); the packages are all in the host's node_modules already.
  const flags = ["--no-prompt", "--no-remote", "--cached-only"];
  for (const kind of ["read", "write", "net", "env", ...ESCAPES] as const) {
    if (granted[kind].length > 0) flags.push(`--allow-${kind}=${granted[kind].join(",")}`);
  }
  return { ok: true, flags, granted };
}

/**
 * The environment of a sandboxed plugin: nothing of the host's but what Deno itself needs to
 * find its cache (the plugin's code cannot read these without an env grant), the host's time
 * zone by name, and the variables the plugin was granted. (Without `TZ`, a plugin's first
 * date found `/etc/localtime` bound in as a plain file and ICU compared it with every zone file
 * to name it: ~12 ms of each start, measured.)
 */
export function sandboxEnv(
  hostEnv: Record<string, string>,
  granted: readonly string[],
): Record<string, string> {
  const env: Record<string, string> = {
    NO_COLOR: "1",
    DENO_NO_UPDATE_CHECK: "1",
    TZ: hostEnv["TZ"] ?? hostTimeZone(),
  };
  for (const name of ["HOME", "DENO_DIR", "XDG_CACHE_HOME", ...granted]) {
    const value = hostEnv[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

let timeZone: string | undefined;

/** The host's own time zone by its IANA name, as the host's ICU found it (once). */
function hostTimeZone(): string {
  return timeZone ??= Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}
