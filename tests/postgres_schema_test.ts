/**
 * PostgreSQL, the shared store of several hosts (issue 18): a throwaway cluster from Debian's
 * binaries, the schema migrated once though hosts start together, a newer schema refused.
 * Skipped, saying why, only where no PostgreSQL binaries exist (`.ci/run` installs them).
 */
import assert from "node:assert/strict";
import { migratePostgres, openPostgres, POSTGRES_MIGRATIONS } from "../src/store/mod.ts";
import { skipPostgres, startCluster } from "./_postgres.ts";

Deno.test({
  name: "the PostgreSQL schema migrates once when hosts start together, and refuses a newer one",
  ignore: skipPostgres,
  async fn() {
    const cluster = await startCluster();
    const pools = [openPostgres(cluster.url), openPostgres(cluster.url), openPostgres(cluster.url)];
    try {
      // Three hosts at once: one migrates under the lock, the others find it done.
      const versions = await Promise.all(
        pools.map((pool) => migratePostgres(pool, POSTGRES_MIGRATIONS)),
      );
      assert.deepEqual(versions, [5, 5, 5]);
      const sql = pools[0]!;
      const applied = await sql`SELECT version, name FROM schema_migrations ORDER BY version`;
      assert.deepEqual(
        applied.map((row) => row.version),
        POSTGRES_MIGRATIONS.map((migration) => migration.version),
      );
      const tables = await sql`SELECT tablename FROM pg_tables WHERE schemaname = 'public'
        ORDER BY tablename`;
      assert.deepEqual(tables.map((row) => row.tablename), [
        "attestations",
        "cluster_secret",
        "hosts",
        "job_logs",
        "jobs",
        "schedule_fires",
        "schedules",
        "schema_migrations",
      ]);
      // Run again: nothing to do.
      assert.equal(await migratePostgres(sql, POSTGRES_MIGRATIONS), 5);
      // An older host meets a newer schema: refused, naming both versions.
      await assert.rejects(
        migratePostgres(sql, POSTGRES_MIGRATIONS.slice(0, 2)),
        /schema is at version 5, newer than this host knows \(2\)/,
      );
      // A broken step leaves the schema as it was.
      await assert.rejects(
        migratePostgres(sql, [...POSTGRES_MIGRATIONS, { version: 6, name: "bad", sql: "NOT SQL" }]),
        /migration 6 "bad" failed and was rolled back/,
      );
      const [row] = await sql`SELECT MAX(version)::int AS version FROM schema_migrations`;
      assert.equal(row?.version, 5);
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
      await cluster.stop();
    }
  },
});
