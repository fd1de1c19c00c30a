import type { Migration } from "./migrations.ts";

/**
 * The host's schema, in order. Each subsystem that stores data adds its tables here as a new
 * migration; an applied migration is never edited.
 */
export const HOST_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "plugin state history",
    // Every state change of every plugin, so an operator can see what happened before a
    // restart of the host (the registry itself lives in memory).
    sql: `CREATE TABLE plugin_events (
      id        INTEGER PRIMARY KEY,
      plugin    TEXT NOT NULL,
      from_state TEXT,
      to_state  TEXT NOT NULL CHECK (to_state IN ('loading','running','paused','stopped','failed')),
      reason    TEXT,
      at        INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX plugin_events_by_plugin ON plugin_events (plugin, at);`,
  },
  {
    version: 2,
    name: "attestations",
    // One row per attestation with its four lists as JSON (read back whole), and one row per
    // distinct case-folded value in each list, keyed for lookup: any subject, predicate,
    // context or actor is one range of the terms' primary key.
    sql: `CREATE TABLE attestations (
      seq         INTEGER PRIMARY KEY,
      id          TEXT NOT NULL UNIQUE,
      subjects    TEXT NOT NULL,
      predicates  TEXT NOT NULL,
      contexts    TEXT NOT NULL,
      actors      TEXT NOT NULL,
      timestamp   INTEGER NOT NULL,
      source      TEXT NOT NULL,
      attributes  TEXT NOT NULL,
      created_at  INTEGER NOT NULL,
      signature   BLOB,
      signer_did  TEXT
    ) STRICT;
    CREATE INDEX attestations_by_time ON attestations (timestamp DESC, seq DESC);
    CREATE TABLE attestation_terms (
      role        INTEGER NOT NULL CHECK (role BETWEEN 0 AND 3),
      folded      TEXT NOT NULL,
      attestation INTEGER NOT NULL REFERENCES attestations (seq) ON DELETE CASCADE,
      PRIMARY KEY (role, folded, attestation)
    ) STRICT, WITHOUT ROWID;`,
  },
  {
    version: 3,
    name: "pulse jobs",
    // Jobs of the Pulse queue, FIFO by seq; a job's log entries beside it.
    sql: `CREATE TABLE jobs (
      seq             INTEGER PRIMARY KEY,
      id              TEXT NOT NULL UNIQUE,
      handler_name    TEXT NOT NULL,
      payload         BLOB NOT NULL,
      source          TEXT NOT NULL,
      status          TEXT NOT NULL
        CHECK (status IN ('queued','running','paused','completed','failed','cancelled')),
      progress_current INTEGER NOT NULL DEFAULT 0,
      progress_total  INTEGER NOT NULL DEFAULT 0,
      cost_estimate   REAL NOT NULL DEFAULT 0,
      cost_actual     REAL NOT NULL DEFAULT 0,
      error           TEXT NOT NULL DEFAULT '',
      parent_job_id   TEXT NOT NULL DEFAULT '',
      retry_count     INTEGER NOT NULL DEFAULT 0,
      result          BLOB,
      plugin_version  TEXT NOT NULL DEFAULT '',
      created_at      INTEGER NOT NULL,
      started_at      INTEGER NOT NULL DEFAULT 0,
      completed_at    INTEGER NOT NULL DEFAULT 0
    ) STRICT;
    CREATE INDEX jobs_by_status ON jobs (status, seq);
    CREATE INDEX jobs_by_parent ON jobs (parent_job_id) WHERE parent_job_id != '';
    CREATE TABLE job_logs (
      seq       INTEGER PRIMARY KEY,
      job_id    TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
      timestamp TEXT NOT NULL,
      level     TEXT NOT NULL,
      message   TEXT NOT NULL,
      stage     TEXT NOT NULL DEFAULT '',
      metadata  TEXT NOT NULL DEFAULT ''
    ) STRICT;
    CREATE INDEX job_logs_by_job ON job_logs (job_id, seq);`,
  },
  {
    version: 4,
    name: "pulse workers and schedules",
    // What workers need beside each job: when a retry may run (Unix ms), its deadline, the
    // schedule that made it, and its plugin (derived from the handler name, indexed so a take
    // skips the jobs of plugins that are not running). Schedules always have a next run.
    sql: `ALTER TABLE jobs ADD COLUMN run_after INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE jobs ADD COLUMN timeout_secs INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE jobs ADD COLUMN schedule_id TEXT NOT NULL DEFAULT '';
    ALTER TABLE jobs ADD COLUMN plugin TEXT GENERATED ALWAYS AS (
      CASE WHEN instr(handler_name, '/') > 0
        THEN substr(handler_name, 1, instr(handler_name, '/') - 1) ELSE '' END
    ) VIRTUAL;
    CREATE INDEX jobs_runnable ON jobs (status, plugin, seq);
    CREATE TABLE schedules (
      seq               INTEGER PRIMARY KEY,
      id                TEXT NOT NULL UNIQUE,
      plugin            TEXT NOT NULL,
      handler_name      TEXT NOT NULL,
      interval_seconds  INTEGER NOT NULL CHECK (interval_seconds > 0),
      payload           BLOB NOT NULL,
      metadata          TEXT NOT NULL DEFAULT '{}',
      description       TEXT NOT NULL DEFAULT '',
      ats_code          TEXT NOT NULL DEFAULT '',
      declared          INTEGER NOT NULL DEFAULT 0,
      state             TEXT NOT NULL CHECK (state IN ('active','paused')),
      next_run_at       INTEGER NOT NULL CHECK (next_run_at > 0),
      last_run_at       INTEGER NOT NULL DEFAULT 0,
      last_execution_id TEXT NOT NULL DEFAULT '',
      created_at        INTEGER NOT NULL,
      updated_at        INTEGER NOT NULL
    ) STRICT;
    CREATE UNIQUE INDEX schedules_declared ON schedules (plugin, handler_name) WHERE declared = 1;
    CREATE INDEX schedules_due ON schedules (state, next_run_at);`,
  },
  {
    version: 5,
    name: "faster attestation writes",
    // The terms name their attestation's seq without a foreign key: only the store writes
    // them, in the same transaction as the attestation, and checking the key cost a lookup per
    // term (a third of a batch insert's time). The time index becomes ascending although
    // queries read it newest first (SQLite walks it backwards): new attestations then land at
    // its right edge, where SQLite fills pages without splitting them.
    sql: `CREATE TABLE attestation_terms_v5 (
      role        INTEGER NOT NULL CHECK (role BETWEEN 0 AND 3),
      folded      TEXT NOT NULL,
      attestation INTEGER NOT NULL,
      PRIMARY KEY (role, folded, attestation)
    ) STRICT, WITHOUT ROWID;
    INSERT INTO attestation_terms_v5 SELECT role, folded, attestation FROM attestation_terms;
    DROP TABLE attestation_terms;
    ALTER TABLE attestation_terms_v5 RENAME TO attestation_terms;
    DROP INDEX attestations_by_time;
    CREATE INDEX attestations_by_time ON attestations (timestamp, seq);`,
  },
  {
    version: 6,
    name: "jobs by plugin",
    // A plugin lists only its own jobs (and the API lists one plugin's): without this index a
    // list with no status scans every job of every plugin to fill a page of one plugin's.
    sql: `CREATE INDEX jobs_by_plugin ON jobs (plugin, seq);`,
  },
  {
    version: 7,
    name: "named API tokens and the audit log",
    // A token is kept as the SHA-256 of its secret: the database never holds a usable token.
    sql: `CREATE TABLE api_tokens (
      id           TEXT PRIMARY KEY,
      name         TEXT NOT NULL UNIQUE,
      scope        TEXT NOT NULL CHECK (scope IN ('read','admin')),
      secret_hash  TEXT NOT NULL,
      created_at   INTEGER NOT NULL,
      last_used_at INTEGER NOT NULL DEFAULT 0
    ) STRICT;
    CREATE TABLE audit_log (
      seq     INTEGER PRIMARY KEY AUTOINCREMENT,
      at      INTEGER NOT NULL,
      actor   TEXT NOT NULL,
      action  TEXT NOT NULL,
      target  TEXT NOT NULL,
      client  TEXT NOT NULL,
      status  INTEGER NOT NULL
    ) STRICT;`,
  },
  {
    version: 8,
    name: "watchers",
    // What each plugin declared in its last Initialize, kept across restarts of the plugin and
    // of the host, so a match made while the plugin is down still becomes a job.
    sql: `CREATE TABLE watchers (
      plugin      TEXT NOT NULL,
      id          TEXT NOT NULL,
      declaration TEXT NOT NULL,
      PRIMARY KEY (plugin, id)
    ) STRICT;`,
  },
  {
    version: 9,
    name: "host identity",
    // Who this host is among the hosts sharing PostgreSQL, the same across its restarts: the
    // jobs it held when it stopped are its own to take back at once.
    sql: `CREATE TABLE host_identity (
      id TEXT NOT NULL PRIMARY KEY
    ) STRICT;`,
  },
  {
    version: 10,
    name: "plugin versions in the state history",
    // The version that served at each change (null where unknown: older rows, a plugin not yet
    // described), so an upgrade's history shows both versions.
    sql: `ALTER TABLE plugin_events ADD COLUMN version TEXT;`,
  },
];
