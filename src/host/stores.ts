import type { DatabaseSync } from "node:sqlite";
import { AttestationStore } from "../ats/mod.ts";
import { JobStore, ScheduleStore, WatcherRegistry } from "../jobs/mod.ts";
import type { Logger } from "../plugin/mod.ts";
import { ApiTokenStore, AuditLog, openDatabase, PluginEventLog } from "../store/mod.ts";

/** The host's stores, all on one SQLite database. */
export interface HostStores {
  db: DatabaseSync;
  events: PluginEventLog;
  attestations: AttestationStore;
  jobs: JobStore;
  schedules: ScheduleStore;
  watchers: WatcherRegistry;
  auditLog: AuditLog;
  apiTokens: ApiTokenStore;
}

/**
 * The host's first step: opens (and migrates) the database and its stores, and settles the jobs
 * a stopped host left running (queued again or failed, as `[pulse] recover_running` says),
 * saying how many.
 */
export function openStores(
  path: string,
  recoverRunning: "requeue" | "fail",
  logger: Logger,
): HostStores {
  const db = openDatabase({ path });
  const jobs = new JobStore(db);
  const recovered = jobs.recover(recoverRunning);
  if (recovered.length > 0) {
    logger.warn(
      `${recovered.length} jobs were running when the host stopped: ${
        recoverRunning === "requeue" ? "queued again" : "marked failed"
      }`,
      { jobs: recovered.slice(0, 20) },
    );
  }
  const attestations = new AttestationStore(db);
  const watchers = new WatcherRegistry(db, jobs);
  // A new attestation, from any source, may be what a plugin's watcher waits for.
  attestations.onCreated((created) => watchers.created(created));
  return {
    db,
    events: new PluginEventLog(db),
    attestations,
    jobs,
    schedules: new ScheduleStore(db, jobs),
    watchers,
    auditLog: new AuditLog(db),
    apiTokens: new ApiTokenStore(db),
  };
}
