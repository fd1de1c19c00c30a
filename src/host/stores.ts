import type { DatabaseSync } from "node:sqlite";
import {
  type AttestationRecords,
  AttestationStore,
  deferredRecords,
  PostgresAttestations,
  sqliteRecords,
} from "../ats/mod.ts";
import { JobStore, ScheduleStore, WatcherRegistry } from "../jobs/mod.ts";
import type { Logger } from "../plugin/mod.ts";
import {
  ApiTokenStore,
  AuditLog,
  migratePostgres,
  openDatabase,
  openPostgres,
  PluginEventLog,
  POSTGRES_MIGRATIONS,
  type PostgresPool,
} from "../store/mod.ts";

/** The host's stores, all on one SQLite database. */
export interface HostStores {
  db: DatabaseSync;
  events: PluginEventLog;
  attestations: AttestationStore;
  /** The attestation store as every part of the host uses it (an engine-neutral port). */
  records: AttestationRecords;
  /** Closes what lives beyond the SQLite file (the PostgreSQL pool). */
  close(): Promise<void>;
  /** The PostgreSQL pool shared with the other hosts once migrated, when `[database] url` names one. */
  pool?: Promise<PostgresPool>;
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
  /** PostgreSQL for the attestations shared by several hosts; empty: the SQLite file. */
  databaseUrl = "",
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
  const shared = databaseUrl ? sharedRecords(databaseUrl, logger) : undefined;
  const records = shared?.records ?? sqliteRecords(attestations);
  // A new attestation, from any source, may be what a plugin's watcher waits for.
  records.onCreated((created) => watchers.created(created));
  return {
    db,
    events: new PluginEventLog(db),
    attestations,
    records,
    close: async () => await shared?.sql.end({ timeout: 5 }),
    ...(shared ? { pool: shared.ready.then(() => shared.sql) } : {}),
    jobs,
    schedules: new ScheduleStore(db, jobs),
    watchers,
    auditLog: new AuditLog(db),
    apiTokens: new ApiTokenStore(db),
  };
}

/**
 * The attestations on PostgreSQL, once connected and migrated; calls made before wait, and a
 * database that cannot be reached or migrated is logged and answers every call with why.
 */
function sharedRecords(
  url: string,
  logger: Logger,
): { records: AttestationRecords; sql: PostgresPool; ready: Promise<unknown> } {
  const sql = openPostgres(url);
  const where = redactPassword(url);
  const ready = migratePostgres(sql, POSTGRES_MIGRATIONS).then(
    (version) => {
      logger.info(`attestations are kept in PostgreSQL at ${where} (schema ${version})`);
      return new PostgresAttestations(sql);
    },
    (error) => {
      logger.error(`the PostgreSQL store at ${where} is not usable: ${(error as Error).message}`);
      throw new Error(
        `the PostgreSQL store at ${where} is not usable: ${(error as Error).message}`,
      );
    },
  );
  ready.catch(() => {});
  return { records: deferredRecords(ready), sql, ready };
}

/** A database URL fit for a log: its password replaced. */
function redactPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "********";
    return parsed.href;
  } catch {
    return "(an unreadable URL)";
  }
}
