import postgres from "postgres";
import { checkSequence, type Migration, refuseNewer } from "./migrations.ts";

/** A connection pool to PostgreSQL (the `postgres` driver's `Sql`). */
export type PostgresPool = postgres.Sql;
/** A transaction on the pool, as `sql.begin` hands it. */
export type PostgresTransaction = postgres.TransactionSql;

/** The advisory lock held while migrating: one host migrates, the others wait and find it done. */
const MIGRATION_LOCK = 7_177_001;

/**
 * Opens a pool on `url` (`postgres://user@host/db`; a Unix socket folder as `?host=/path`).
 * Notices are not printed: what matters is reported by the host.
 */
export function openPostgres(url: string, options: { max?: number } = {}): PostgresPool {
  // Workers, heartbeats, the watchers' reader and API calls at once; LISTEN holds one more.
  const settings = { max: options.max ?? 16, onnotice: () => {}, idle_timeout: 30 };
  // libpq's way to name a socket folder; the driver wants the socket file as `path`.
  const parsed = new URL(url);
  const folder = parsed.searchParams.get("host");
  if (folder?.startsWith("/")) {
    parsed.searchParams.delete("host");
    const socket = `${folder}/.s.PGSQL.${parsed.port || 5432}`;
    return postgres(parsed.href, { ...settings, path: socket });
  }
  return postgres(url, settings);
}

/**
 * Brings the database up to the last of `migrations` in one transaction under an advisory lock,
 * so hosts that start together migrate once and a failed step leaves the schema as it was.
 * Refuses a schema newer than this host knows. Returns the version now in force.
 */
export async function migratePostgres(
  sql: PostgresPool,
  migrations: readonly Migration[],
  now = new Date(),
): Promise<number> {
  checkSequence(migrations);
  return await sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`;
    await tx.unsafe(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    INTEGER PRIMARY KEY,
      name       TEXT NOT NULL,
      applied_at TEXT NOT NULL
    )`);
    const [row] = await tx`SELECT COALESCE(MAX(version), 0)::int AS version FROM schema_migrations`;
    const current = Number(row?.version ?? 0);
    refuseNewer(current, migrations.length);
    for (const migration of migrations.slice(current)) {
      try {
        await tx.unsafe(migration.sql);
      } catch (error) {
        throw new Error(
          `migration ${migration.version} "${migration.name}" failed and was rolled back: ` +
            (error instanceof Error ? error.message : String(error)),
          { cause: error },
        );
      }
      await tx`INSERT INTO schema_migrations (version, name, applied_at)
        VALUES (${migration.version}, ${migration.name}, ${now.toISOString()})`;
    }
    return migrations.length;
  });
}
