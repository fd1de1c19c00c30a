import type { PluginAddress } from "../protocol/mod.ts";
import type { FoundPlugin } from "./discovery.ts";
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
    context.paths,
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
      ...sandbox.flags,
      `--v8-flags=--max-old-space-size=${memory}`,
      plugin.entry,
      ...socketArgs,
    ],
    env: { ...sandboxEnv(context.hostEnv, granted), DENO_AUDIT_PERMISSIONS: context.auditFile },
    address: unix,
    granted: sandbox.granted,
  };
}
