import type { HealthStatus } from "../plugin/mod.ts";
import { reasonOf } from "../registry/mod.ts";
import type { PluginConnection } from "./plugin_connection.ts";
import { checkHostSocket } from "./host_socket_check.ts";
import type { DeniedLog } from "./permission_audit.ts";
import type { SupervisorContext } from "./supervisor_context.ts";

/**
 * Probes the health of a plugin's current launch (a running or paused plugin only) and records
 * the answer; an answer from a launch that was replaced meanwhile says nothing of the new one.
 */
export async function probeCurrent(
  name: string,
  current: () => PluginConnection | undefined,
  denied: DeniedLog,
  context: SupervisorContext,
): Promise<void> {
  const { registry } = context;
  const state = registry.getState(name);
  const instance = current();
  if ((state !== "running" && state !== "paused") || !instance || instance.stopping) return;
  const started = Date.now();
  const status = await probeProcess(instance, name, denied, context);
  if (instance === current()) registry.recordHealth(name, status, started);
}

/**
 * Probes one launch's health within the health deadline. A probe that fails or times out is an
 * unhealthy answer, never an error; `healthMisses` of them in a row mean the process hangs, and
 * it is killed (its exit then restarts it). A launch whose service socket was tampered with is
 * stopped (see `checkHostSocket`).
 */
export async function probeProcess(
  instance: PluginConnection,
  name: string,
  denied: DeniedLog,
  context: SupervisorContext,
): Promise<HealthStatus> {
  const { timeouts, logger } = context;
  try {
    checkHostSocket(instance, denied, logger);
    const { healthy, paused, message, details } = await instance.lifecycleCall(
      `health check of plugin "${name}"`,
      "health",
      {},
      timeouts.health,
    );
    instance.healthMisses = 0;
    return { healthy, paused, message, details };
  } catch (error) {
    missed(instance, name, context);
    return { healthy: false, paused: false, message: reasonOf(error), details: {} };
  }
}

function missed(instance: PluginConnection, name: string, context: SupervisorContext): void {
  if (instance.stopping) return;
  instance.healthMisses++;
  if (instance.healthMisses < context.timeouts.healthMisses) return;
  instance.killedBecause = `hung: no answer to ${instance.healthMisses} health checks in a row`;
  context.logger.error(`plugin "${name}" is ${instance.killedBecause}; killing it`, {
    plugin: name,
    pid: instance.process.pid,
  });
  instance.process.signal("SIGKILL");
}
