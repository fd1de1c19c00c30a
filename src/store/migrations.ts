import type { DatabaseSync } from "node:sqlite";
import { transaction } from "./transaction.ts";

/** One step of the schema; versions start at 1 and go up by one. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const HISTORY_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version    INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  applied_at TEXT NOT NULL
) STRICT`;

/** The highest migration applied to `db` (0 for a new database). */
export function schemaVersion(db: DatabaseSync): number {
  db.exec(HISTORY_TABLE);
  const row = db.prepare("SELECT MAX(version) AS version FROM schema_migrations").get();
  return Number(row?.version ?? 0);
}

/**
 * Brings `db` up to the last of `migrations`, each in its own transaction, so a failed step
 * leaves the database at the step before it. Refuses a database whose schema is newer than
 * the code knows: an older host must not write into a newer layout.
 */
export function migrate(
  db: DatabaseSync,
  migrations: readonly Migration[],
  now = new Date(),
): number {
  checkSequence(migrations);
  const current = schemaVersion(db);
  refuseNewer(current, migrations.length);
  for (const migration of migrations.slice(current)) {
    try {
      transaction(db, () => {
        db.exec(migration.sql);
        db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)")
          .run(migration.version, migration.name, now.toISOString());
      });
    } catch (error) {
      throw new Error(
        `migration ${migration.version} "${migration.name}" failed and was rolled back: ` +
          (error instanceof Error ? error.message : String(error)),
        { cause: error },
      );
    }
  }
  return migrations.length;
}

/** Versions start at 1 and go up by one; throws naming the first that does not. */
export function checkSequence(migrations: readonly Migration[]): void {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new RangeError(
        `migration "${migration.name}" has version ${migration.version}; expected ${index + 1} ` +
          `(versions start at 1 and go up by one)`,
      );
    }
  });
}

/** An older host must not write into a newer layout. */
export function refuseNewer(current: number, known: number): void {
  if (current > known) {
    throw new Error(
      `the database's schema is at version ${current}, newer than this host knows ` +
        `(${known}); run a newer host or restore a matching backup`,
    );
  }
}
