import type { Migration } from "./migrations.ts";

/**
 * The schema on PostgreSQL, for hosts that share one database (`[database] url`). The same
 * data as SQLite's, laid out for several writers: attestations read in `seq` order with a
 * visibility horizon (see the store), their four lists as arrays with GIN indexes (matched
 * case-folded); jobs that a host takes with `FOR UPDATE SKIP LOCKED`, each running job with the
 * host holding it and its lease; schedules fired once per due time; the hosts themselves.
 */
export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "attestations",
    sql: `CREATE TABLE attestations (
      seq         BIGSERIAL PRIMARY KEY,
      id          TEXT NOT NULL UNIQUE,
      subjects    TEXT[] NOT NULL,
      predicates  TEXT[] NOT NULL,
      contexts    TEXT[] NOT NULL,
      actors      TEXT[] NOT NULL,
      folded_subjects   TEXT[] NOT NULL,
      folded_predicates TEXT[] NOT NULL,
      folded_contexts   TEXT[] NOT NULL,
      folded_actors     TEXT[] NOT NULL,
      timestamp   BIGINT NOT NULL,
      source      TEXT NOT NULL,
      attributes  JSONB NOT NULL,
      created_at  BIGINT NOT NULL,
      signature   BYTEA,
      signer_did  TEXT,
      -- The transaction that wrote the row: a reader following seq waits for older ones.
      written_by  XID8 NOT NULL DEFAULT pg_current_xact_id()
    );
    CREATE INDEX attestations_by_time ON attestations (timestamp DESC, seq DESC);
    CREATE INDEX attestations_by_source ON attestations (source, seq);
    CREATE INDEX attestations_subjects ON attestations USING GIN (folded_subjects);
    CREATE INDEX attestations_predicates ON attestations USING GIN (folded_predicates);
    CREATE INDEX attestations_contexts ON attestations USING GIN (folded_contexts);
    CREATE INDEX attestations_actors ON attestations USING GIN (folded_actors);`,
  },
  {
    version: 2,
    name: "jobs across hosts",
    sql: `CREATE TABLE jobs (
      seq              BIGSERIAL PRIMARY KEY,
      id               TEXT NOT NULL UNIQUE,
      handler_name     TEXT NOT NULL,
      plugin           TEXT NOT NULL,
      payload          BYTEA NOT NULL,
      source           TEXT NOT NULL,
      status           TEXT NOT NULL
        CHECK (status IN ('queued','running','paused','completed','failed','cancelled')),
      progress_current INTEGER NOT NULL DEFAULT 0,
      progress_total   INTEGER NOT NULL DEFAULT 0,
      cost_estimate    DOUBLE PRECISION NOT NULL DEFAULT 0,
      cost_actual      DOUBLE PRECISION NOT NULL DEFAULT 0,
      error            TEXT NOT NULL DEFAULT '',
      parent_job_id    TEXT NOT NULL DEFAULT '',
      retry_count      INTEGER NOT NULL DEFAULT 0,
      result           BYTEA,
      plugin_version   TEXT NOT NULL DEFAULT '',
      created_at       BIGINT NOT NULL,
      started_at       BIGINT NOT NULL DEFAULT 0,
      completed_at     BIGINT NOT NULL DEFAULT 0,
      run_after        BIGINT NOT NULL DEFAULT 0,
      timeout_secs     INTEGER NOT NULL DEFAULT 0,
      schedule_id      TEXT NOT NULL DEFAULT '',
      -- The host running it and until when its lease holds (Unix ms); heartbeats extend it.
      host_id          TEXT NOT NULL DEFAULT '',
      lease_until      BIGINT NOT NULL DEFAULT 0
    );
    CREATE INDEX jobs_runnable ON jobs (plugin, seq) WHERE status = 'queued';
    CREATE INDEX jobs_by_status ON jobs (status, seq);
    CREATE INDEX jobs_leases ON jobs (lease_until) WHERE status = 'running';
    CREATE INDEX jobs_by_parent ON jobs (parent_job_id) WHERE parent_job_id <> '';
    CREATE TABLE job_logs (
      seq       BIGSERIAL PRIMARY KEY,
      job_id    TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
      timestamp TEXT NOT NULL,
      level     TEXT NOT NULL,
      message   TEXT NOT NULL,
      stage     TEXT NOT NULL DEFAULT '',
      metadata  TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX job_logs_by_job ON job_logs (job_id, seq);`,
  },
  {
    version: 3,
    name: "schedules fired once across hosts",
    sql: `CREATE TABLE schedules (
      seq               BIGSERIAL PRIMARY KEY,
      id                TEXT NOT NULL UNIQUE,
      plugin            TEXT NOT NULL,
      handler_name      TEXT NOT NULL,
      interval_seconds  INTEGER NOT NULL CHECK (interval_seconds > 0),
      payload           BYTEA NOT NULL,
      metadata          TEXT NOT NULL DEFAULT '{}',
      description       TEXT NOT NULL DEFAULT '',
      ats_code          TEXT NOT NULL DEFAULT '',
      declared          BOOLEAN NOT NULL DEFAULT FALSE,
      state             TEXT NOT NULL CHECK (state IN ('active','paused')),
      next_run_at       BIGINT NOT NULL CHECK (next_run_at > 0),
      last_run_at       BIGINT NOT NULL DEFAULT 0,
      last_execution_id TEXT NOT NULL DEFAULT '',
      created_at        BIGINT NOT NULL,
      updated_at        BIGINT NOT NULL
    );
    CREATE UNIQUE INDEX schedules_declared ON schedules (plugin, handler_name) WHERE declared;
    CREATE INDEX schedules_due ON schedules (next_run_at) WHERE state = 'active';
    -- One job per schedule and due time, however many hosts see it due.
    CREATE TABLE schedule_fires (
      schedule_id TEXT NOT NULL,
      due_at      BIGINT NOT NULL,
      job_id      TEXT NOT NULL,
      PRIMARY KEY (schedule_id, due_at)
    );`,
  },
  {
    version: 4,
    name: "hosts",
    sql: `CREATE TABLE hosts (
      id           TEXT PRIMARY KEY,
      url          TEXT NOT NULL,
      version      TEXT NOT NULL,
      started_at   BIGINT NOT NULL,
      heartbeat_at BIGINT NOT NULL,
      plugins      JSONB NOT NULL DEFAULT '[]'
    );`,
  },
  {
    version: 5,
    name: "the hosts' relay secret",
    // What one host presents to another when it relays the operator's plugin actions and log
    // reads (the console of one host drives a plugin on another). Those who can read this
    // table can already change every job and attestation; the secret reaches no more than the
    // relayed routes.
    sql: `CREATE TABLE cluster_secret (
      id     INTEGER PRIMARY KEY CHECK (id = 1),
      secret TEXT NOT NULL
    );`,
  },
];
