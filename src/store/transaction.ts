import type { DatabaseSync } from "node:sqlite";

/** How deep each database is in transactions this module began (savepoints below the first). */
const depths = new WeakMap<DatabaseSync, number>();
let savepoints = 0;

/**
 * Runs `work` inside one write transaction: committed when it returns, rolled back when it
 * throws. `BEGIN IMMEDIATE` takes the write lock up front, so two writers wait on the busy
 * timeout instead of failing halfway. Called inside another `transaction()` (work batched into
 * one commit) it is a savepoint: `work` alone is undone when it throws, and what it wrote is
 * committed with the outer transaction. A transaction begun any other way is not joined:
 * `BEGIN` fails as it always did.
 */
export function transaction<T>(db: DatabaseSync, work: () => T): T {
  const depth = depths.get(db) ?? 0;
  if (depth > 0 && db.isTransaction) return savepoint(db, depth, work);
  db.exec("BEGIN IMMEDIATE");
  depths.set(db, 1);
  try {
    const result = work();
    db.exec("COMMIT");
    return result;
  } catch (error) {
    if (db.isTransaction) db.exec("ROLLBACK");
    throw error;
  } finally {
    depths.delete(db);
  }
}

function savepoint<T>(db: DatabaseSync, depth: number, work: () => T): T {
  const name = `nested_${++savepoints}`;
  db.exec(`SAVEPOINT ${name}`);
  depths.set(db, depth + 1);
  try {
    const result = work();
    db.exec(`RELEASE ${name}`);
    return result;
  } catch (error) {
    // SQLite may have ended the whole transaction itself (a full disk, an I/O error): then
    // there is nothing to undo here, and the outer transaction fails at its commit.
    if (db.isTransaction) {
      try {
        db.exec(`ROLLBACK TO ${name}`);
        db.exec(`RELEASE ${name}`);
      } catch {
        // The savepoint could not be undone alone: undo everything, so no part of it commits.
        if (db.isTransaction) db.exec("ROLLBACK");
      }
    }
    throw error;
  } finally {
    depths.set(db, depth);
  }
}
