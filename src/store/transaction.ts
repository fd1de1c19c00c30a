import type { DatabaseSync } from "node:sqlite";

/**
 * Runs `work` inside one write transaction: committed when it returns, rolled back when it
 * throws. `BEGIN IMMEDIATE` takes the write lock up front, so two writers wait on the busy
 * timeout instead of failing halfway.
 */
export function transaction<T>(db: DatabaseSync, work: () => T): T {
  db.exec("BEGIN IMMEDIATE");
  try {
    const result = work();
    db.exec("COMMIT");
    return result;
  } catch (error) {
    if (db.isTransaction) db.exec("ROLLBACK");
    throw error;
  }
}
