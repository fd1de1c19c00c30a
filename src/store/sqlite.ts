import { DatabaseSync } from "node:sqlite";
import { dirname } from "node:path";
import { HOST_MIGRATIONS } from "./host_migrations.ts";
import { migrate, type Migration } from "./migrations.ts";

/** The in-memory database path, for tests. */
export const IN_MEMORY = ":memory:";

export interface OpenOptions {
  /** File path, or {@link IN_MEMORY}. The file's folder is created when missing. */
  path: string;
  migrations?: readonly Migration[];
  /** How long a writer waits for another's lock before failing (default 5000 ms). */
  busyTimeoutMs?: number;
}

/**
 * Opens the host's SQLite database: WAL journal (readers never block the writer), foreign
 * keys on, a busy timeout, `synchronous=NORMAL` (a committed transaction survives a crash of
 * the process; only a power loss can take the last ones), then the migrations.
 */
export function openDatabase(options: OpenOptions): DatabaseSync {
  if (options.path !== IN_MEMORY) Deno.mkdirSync(dirname(options.path), { recursive: true });
  const db = new DatabaseSync(options.path);
  try {
    db.exec(`PRAGMA busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`);
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA synchronous = NORMAL");
    db.exec("PRAGMA foreign_keys = ON");
    migrate(db, options.migrations ?? HOST_MIGRATIONS);
  } catch (error) {
    db.close();
    throw new Error(
      `cannot open the database ${options.path}: ${
        error instanceof Error ? error.message : String(error)
      }`,
      { cause: error },
    );
  }
  return db;
}
