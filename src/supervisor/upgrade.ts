import type { PluginState } from "../plugin/mod.ts";
import { compatibilityProblem, reasonOf, RegistryError, versionProblem } from "../registry/mod.ts";
import type { FoundPlugin } from "./discovery.ts";
import { initializeInstance } from "./initialize_instance.ts";
import { launchInstance } from "./launch.ts";
import type { LaunchSlot } from "./launch_folder.ts";
import { type LogBuffer, STDERR_IN_REASON } from "./log_buffer.ts";
import { AUDIT_POLL_MS, type DeniedLog } from "./permission_audit.ts";
import type { PluginConnection } from "./plugin_connection.ts";
import type { SupervisorContext } from "./supervisor_context.ts";
import { toMetadata } from "./wire_metadata.ts";

/** What an upgrade did: the versions before and after, and how long the old one took to stop. */
export interface Upgrade {
  plugin: string;
  from: string;
  to: string;
  /** From the switch until the old process had finished its calls and exited. */
  retiredMs: number;
}

/** What one launch of an upgrade needs of the plugin's supervisor. */
export interface UpgradeLaunch {
  found: FoundPlugin;
  context: SupervisorContext;
  generation: number;
  slot: LaunchSlot;
  logs: LogBuffer;
  denied: DeniedLog;
  /** The version that serves now, for the messages. */
  from: string;
  /** Whether the process that serves now still does (it may crash or be stopped meanwhile). */
  serving: () => boolean;
}

/** The process a plugin in `state` serves with, when an upgrade can replace it; else why not. */
export function upgradable(
  name: string,
  state: PluginState | undefined,
  current: PluginConnection | undefined,
): PluginConnection {
  if (state === "running" && current && !current.stopping) return current;
  throw new RegistryError(
    "conflict",
    `cannot upgrade plugin "${name}": it is ${state ?? "not registered"}; only a running plugin ` +
      "is upgraded in place (enable or restart starts the version on disk)",
  );
}

/**
 * Starts the new version of a plugin beside the one that serves, in the other launch slot, and
 * brings it as far as a switch needs: launched, who answers checked, its version valid and
 * compatible with the host, initialized, and healthy. Nothing of it is the plugin's yet. At any
 * failure the new process is stopped and released and a `RegistryError` ("failed") says which
 * step failed and why; the old one never noticed.
 */
export async function prepareUpgrade(launch: UpgradeLaunch): Promise<PluginConnection> {
  const { found, context, logs, denied, from } = launch;
  const { name } = found;
  let next: PluginConnection;
  try {
    next = await launchInstance(
      found,
      context,
      launch.generation,
      logs,
      (access) => denied.add(access),
      launch.slot,
    );
  } catch (error) {
    throw failure(name, from, "it could not start", error, logs);
  }
  next.audit?.start(AUDIT_POLL_MS);
  const to = next.metadata.version;
  try {
    const metadata = toMetadata(next.metadata);
    const refused = versionProblem(name, metadata.version) ??
      compatibilityProblem(name, metadata.qntxVersion, context.registry.hostVersion)?.message;
    if (refused) throw new Error(refused);
    await initializeInstance(next, denied, context);
    const health = await next.lifecycleCall(
      `health check of plugin "${name}" v${to}`,
      "health",
      {},
      context.timeouts.health,
    );
    if (!health.healthy || health.paused) {
      throw new Error(
        `it answered ${health.paused ? "paused" : "unhealthy"}: ${health.message || "no message"}`,
      );
    }
    if (next.process.exit !== undefined) throw new Error("it exited after its health check");
  } catch (error) {
    next.killedBecause = reasonOf(error);
    await discard(next, context);
    throw failure(name, from, `v${to} did not come up`, error, logs);
  }
  // Its own restart or stop goes on; the new version is not switched to.
  if (!launch.serving()) {
    await discard(next, context);
    throw new RegistryError(
      "conflict",
      `upgrade of plugin "${name}" abandoned: v${from} stopped while v${to} started`,
    );
  }
  return next;
}

/** Stops and releases a launch that will never serve. */
async function discard(
  instance: PluginConnection,
  context: SupervisorContext,
): Promise<void> {
  await instance.terminate(context.timeouts, context.logger);
  await instance.audit?.stop();
  await instance.release(context);
}

function failure(
  name: string,
  from: string,
  step: string,
  error: unknown,
  logs: LogBuffer,
): RegistryError {
  const stderr = logs.lastStderr(STDERR_IN_REASON);
  return new RegistryError(
    "failed",
    `upgrade of plugin "${name}" failed: ${step}: ${reasonOf(error)}` +
      (stderr.length > 0 ? `; last stderr: ${stderr.join(" | ")}` : "") +
      `; v${from} keeps serving`,
  );
}
