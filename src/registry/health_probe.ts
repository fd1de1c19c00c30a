import { withDeadline } from "../async/mod.ts";
import type { DomainPlugin, HealthStatus } from "../plugin/mod.ts";
import type { Entry, HealthReport } from "./entry.ts";
import { reasonOf } from "./errors.ts";

/**
 * Probes one plugin's health within `deadlineMs` and keeps the answer on its entry. A plugin
 * that is not running or paused is reported unhealthy without being called; a supervised one
 * is never called (its supervisor records its answers); a probe that fails or times out is an
 * unhealthy answer, never an error.
 */
export async function probeHealth(
  entry: Entry,
  deadlineMs: number,
  now: () => number,
): Promise<HealthReport> {
  const started = now();
  const plugin = entry.plugin;
  if (entry.state !== "running" && entry.state !== "paused") {
    const message = `plugin is ${entry.state}` + (entry.lastError ? `: ${entry.lastError}` : "");
    return keep(entry, plugin, started, now(), {
      healthy: false,
      paused: false,
      message,
      details: {},
    });
  }
  if (!plugin) {
    const unprobed = { healthy: false, paused: false, message: "not probed yet", details: {} };
    return entry.health ?? { ...unprobed, checkedAt: started, durationMs: 0 };
  }
  let status: HealthStatus;
  try {
    status = await withDeadline(
      `health check of plugin "${entry.name}"`,
      deadlineMs,
      (signal) => plugin.health(signal),
    );
  } catch (error) {
    status = { healthy: false, paused: false, message: reasonOf(error), details: {} };
  }
  return keep(entry, plugin, started, now(), {
    ...status,
    paused: status.paused || entry.state === "paused",
  });
}

function keep(
  entry: Entry,
  probed: DomainPlugin | undefined,
  started: number,
  finished: number,
  status: HealthStatus,
): HealthReport {
  const report = { ...status, checkedAt: finished, durationMs: finished - started };
  // An answer from an instance that has since been replaced says nothing about the new one.
  if (entry.plugin === probed) entry.health = report;
  return report;
}
