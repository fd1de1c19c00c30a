import type { DatabaseSync } from "node:sqlite";
import {
  type AttestationRecords,
  AttestationStore,
  deferredRecords,
  followAttestations,
  PostgresAttestations,
  sqliteRecords,
} from "../ats/mod.ts";
import {
  type JobQueue,
  JobStore,
  PostgresJobs,
  PostgresSchedules,
  type ScheduleBook,
  ScheduleStore,
  sqliteQueue,
  sqliteSchedules,
  WatcherRegistry,
} from "../jobs/mod.ts";
import { afterReady } from "../async/mod.ts";
import type { Logger } from "../plugin/mod.ts";
import {
  ApiTokenStore,
  AuditLog,
  hostIdentity,
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
  /** The Pulse queue as every part of the host uses it: the SQLite file, or PostgreSQL. */
  jobs: JobQueue;
  /** The queue in the SQLite file (schedules of a host alone fire into it). */
  localJobs: JobStore;
  /** The queue shared with other hosts (for the cluster's housekeeping), with PostgreSQL. */
  sharedJobs?: PostgresJobs;
  /** This host's id among the hosts sharing PostgreSQL (the same across its restarts). */
  hostId: string;
  /** The schedules: the SQLite file's, or PostgreSQL's (each due time fired once). */
  schedules: ScheduleBook;
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
  const localJobs = new JobStore(db);
  const hostId = hostIdentity(db);
  const told = (recovered: string[]) => {
    if (recovered.length === 0) return;
    logger.warn(
      `${recovered.length} jobs were running when the host stopped: ${
        recoverRunning === "requeue" ? "queued again" : "marked failed"
      }`,
      { jobs: recovered.slice(0, 20) },
    );
  };
  told(localJobs.recover(recoverRunning));
  const attestations = new AttestationStore(db);
  const shared = databaseUrl ? sharedRecords(databaseUrl, logger) : undefined;
  let jobs: JobQueue = sqliteQueue(localJobs);
  let sharedJobs: PostgresJobs | undefined;
  let schedules = sqliteSchedules(new ScheduleStore(db, localJobs));
  if (shared) {
    const queue = new PostgresJobs(shared.sql, hostId);
    // Only this host's own rows (the others' jobs are theirs until their leases run out), and
    // before its workers take any.
    const recovered = shared.ready.then(() =>
      queue.recoverOwn(recoverRunning).then(
        told,
        (error) =>
          logger.error("settling the jobs this host held when it stopped failed", { error }),
      )
    );
    jobs = sharedJobs = afterReady(queue, recovered.then(() => shared.ready), [
      "clock",
      "onRunnable",
      "onCancelled",
    ]);
    schedules = afterReady(new PostgresSchedules(shared.sql), shared.ready);
  }
  const watchers = new WatcherRegistry(db, jobs);
  const records = shared?.records ?? sqliteRecords(attestations);
  // A new attestation, from any source (with PostgreSQL: through any host), may be what a
  // plugin's watcher here waits for.
  let stopFollowing = () => Promise.resolve();
  if (shared) {
    const following = shared.ready.then(({ store, head }) =>
      followAttestations(store, head, (created) => watchers.created(created), {
        pollMs: 200,
        onError: (error) =>
          logger.warn("reading new attestations for the watchers failed; trying again", {
            error,
          }),
      })
    );
    following.catch(() => {});
    stopFollowing = () => following.then((stop) => stop(), () => {});
  } else records.onCreated((created) => watchers.created(created));
  return {
    db,
    events: new PluginEventLog(db),
    attestations,
    records,
    close: async () => {
      await stopFollowing();
      await sharedJobs?.close();
      await shared?.sql.end({ timeout: 5 });
    },
    ...(shared ? { pool: shared.ready.then(() => shared.sql) } : {}),
    jobs,
    localJobs,
    ...(sharedJobs ? { sharedJobs } : {}),
    hostId,
    schedules,
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
): {
  records: AttestationRecords;
  sql: PostgresPool;
  /** The store once migrated, and its newest `seq` before this host wrote any. */
  ready: Promise<{ store: PostgresAttestations; head: number }>;
} {
  const sql = openPostgres(url);
  const where = redactPassword(url);
  const ready = migratePostgres(sql, POSTGRES_MIGRATIONS).then(
    async (version) => {
      logger.info(
        `attestations, jobs and schedules are kept in PostgreSQL at ${where} (schema ${version})`,
      );
      const store = new PostgresAttestations(sql);
      return { store, head: await store.head() };
    },
    (error) => {
      logger.error(`the PostgreSQL store at ${where} is not usable: ${(error as Error).message}`);
      throw new Error(
        `the PostgreSQL store at ${where} is not usable: ${(error as Error).message}`,
      );
    },
  );
  ready.catch(() => {});
  return { records: deferredRecords(ready.then(({ store }) => store)), sql, ready };
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
