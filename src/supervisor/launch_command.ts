import { join } from "node:path";
import type { PluginAddress } from "../protocol/mod.ts";
import type { FoundPlugin } from "./discovery.ts";
import type { SdkBundle } from "./sdk_bundle.ts";
import { DEFAULT_MEMORY_MB } from "./permission_request.ts";
import {
  type Granted,
  type Grants,
  PROGRAM_ENV,
  sandboxEnv,
  sandboxFlags,
  type SandboxPaths,
} from "./sandbox.ts";

/** What the launch needs to know about this host and this launch. */
export interface LaunchContext {
  /** The Deno binary (`Deno.execPath()`). */
  execPath: string;
  /** The host's `deno.json`, whose import map TypeScript plugins resolve against. */
  denoConfig: string;
  paths: SandboxPaths;
  /** The port a QNTX executable is told to use. */
  tcpPort: number;
  /** Arguments a QNTX executable gets after `--port <n>` (`[<name>] args`). */
  programArgs?: readonly string[];
  grants: Grants;
  hostEnv: Record<string, string>;
  /** Where Deno writes the plugin's permission audit (`DENO_AUDIT_PERMISSIONS`). */
  auditFile: string;
  /** An SDK plugin's own Deno cache (see {@link pluginDenoCache}). */
  denoCache?: string;
  /** The SDK as one module, when built: a TypeScript plugin starts from it. */
  sdkBundle?: SdkBundle;
}

/**
 * The SDK's source folders (beside this file's folder): what an SDK plugin reads when it loads
 * a module on first use. Their code is the SDK's and the protocol's, the same for every plugin;
 * nothing of the host's state is there.
 */
const SDK_MODULES = ["sdk", "protocol", "plugin"].map((folder) =>
  new URL(`../${folder}`, import.meta.url).pathname
);

/**
 * An SDK plugin's own Deno cache: `<runtime_dir>/deno-cache/<name>`, kept across its launches.
 * The host's cache is every plugin's, so a confined plugin sees it read-only (one that could
 * write it could plant code in another's start); but Deno keeps there the V8 code of what it
 * ran, keyed by the flags it ran with, and with nowhere to keep it compiles every module again
 * at every start: ~150 ms more on each start of a plugin that never ran unconfined with exactly
 * its flags, which on a fresh machine is all of them. Its own cache is filled at its first
 * start and read at the next. Only Deno writes it (the plugin's code has no grant there), and
 * what could be planted there would run only in that plugin's own starts, in the same sandbox.
 */
export function pluginDenoCache(runtimeDir: string, name: string): string {
  return join(runtimeDir, "deno-cache", name);
}

const MAX_ARGS = 64;
const MAX_ARG_LENGTH = 4096;

/**
 * A QNTX program's extra arguments from its configuration (`[<name>] args = [...]`, as QNTX
 * reads them): a list of at most 64 strings of at most 4096 characters, without NUL; else a
 * problem naming the setting.
 */
export function programArgs(
  name: string,
  value: unknown,
): { ok: true; args: string[] } | { ok: false; problem: string } {
  if (value === undefined) return { ok: true, args: [] };
  const setting = `[${name}] args`;
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
    return { ok: false, problem: `${setting} must be a list of strings, such as ["--verbose"]` };
  }
  if (value.length > MAX_ARGS) {
    return { ok: false, problem: `${setting} has ${value.length} entries; at most ${MAX_ARGS}` };
  }
  const bad = value.find((item) => item.length > MAX_ARG_LENGTH || item.includes("\0"));
  if (bad !== undefined) {
    return {
      ok: false,
      problem: `${setting}: an entry is over ${MAX_ARG_LENGTH} characters or holds a NUL`,
    };
  }
  return { ok: true, args: value };
}

export type LaunchCommand =
  | {
    ok: true;
    command: string;
    args: string[];
    env: Record<string, string>;
    address: PluginAddress;
    /** What the sandbox allows, for checking the audit; absent where the host cannot know. */
    granted?: Granted;
  }
  | { ok: false; refused: string[] };

/**
 * The command line of one launch. A TypeScript plugin runs under `deno run` with exactly its
 * sandbox's flags; a compiled SDK plugin carries its permissions inside and gets the same
 * socket; a QNTX executable is told a port, as QNTX's host does. All start from a clean
 * environment.
 */
export function launchCommand(plugin: FoundPlugin, context: LaunchContext): LaunchCommand {
  const socketArgs = [
    "--socket",
    context.paths.socket,
    ...(context.paths.dataSocket ? ["--data-socket", context.paths.dataSocket] : []),
    "--data-dir",
    context.paths.dataDir,
    "--watch-stdin",
  ];
  const unix: PluginAddress = { kind: "unix", path: context.paths.socket };
  if (plugin.kind === "qntx-executable") {
    return {
      ok: true,
      command: plugin.executable,
      args: ["--port", String(context.tcpPort), ...(context.programArgs ?? [])],
      // QNTX's programs look up tools on PATH (a shell, `meilisearch`), unless narrowed.
      env: sandboxEnv(context.hostEnv, [
        ...(context.grants.program_env ?? PROGRAM_ENV),
        ...context.grants.env,
      ]),
      address: { kind: "tcp", port: context.tcpPort },
    };
  }
  // The same rules for a compiled SDK plugin as for one run by `deno run`: asking to leave the
  // sandbox needs trust, and it gets the variables its sandbox grants, no more.
  const sandbox = sandboxFlags(
    plugin.name,
    plugin.manifest.permissions,
    context.grants,
    // Modules loaded on first use are read then, from source (a binary carries its own).
    plugin.kind === "deno"
      ? {
        ...context.paths,
        modules: context.sdkBundle ? [...SDK_MODULES, context.sdkBundle.dir] : SDK_MODULES,
      }
      : context.paths,
  );
  if (!sandbox.ok) return sandbox;
  const granted = [...plugin.manifest.permissions.env, ...context.grants.env];
  if (plugin.kind === "sdk-executable") {
    return {
      ok: true,
      command: plugin.executable,
      args: socketArgs,
      env: sandboxEnv(context.hostEnv, granted),
      address: unix,
    };
  }
  // Every SDK plugin has a bounded heap; a larger one than the default was approved by now.
  const memory = plugin.manifest.memory_mb ?? DEFAULT_MEMORY_MB;
  return {
    ok: true,
    command: context.execPath,
    args: [
      "run",
      "--config",
      context.denoConfig,
      // The host's import map with the SDK's entry sent to its bundle (see sdk_bundle.ts).
      ...(context.sdkBundle ? ["--import-map", context.sdkBundle.importMap] : []),
      // The modules behind a dynamic import load when it runs, not at start (the host
      // services' gRPC clients: ~25 ms of a start that most plugins spend later, if ever).
      "--unstable-lazy-dynamic-imports",
      ...sandbox.flags,
      // A young generation of 4 MiB from the start: with V8's default of 1 MiB, a start's
      // ~4 MB of long-lived objects were copied by a scavenge (~5 ms each, two per start, in
      // the CPU profile of a start), right when the host's first calls came. RSS is the same.
      `--v8-flags=--max-old-space-size=${memory},--min-semi-space-size=4`,
      plugin.entry,
      ...socketArgs,
    ],
    env: {
      ...sandboxEnv(context.hostEnv, granted),
      // Deno's cache of its own: see pluginDenoCache.
      ...(context.denoCache ? { DENO_DIR: context.denoCache } : {}),
      DENO_AUDIT_PERMISSIONS: context.auditFile,
    },
    address: unix,
    granted: sandbox.granted,
  };
}
