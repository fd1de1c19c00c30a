import type { DatabaseSync } from "node:sqlite";

let savepoints = 0;

/**
 * Runs `work` inside one write transaction: committed when it returns, rolled back when it
 * throws. `BEGIN IMMEDIATE` takes the write lock up front, so two writers wait on the busy
 * timeout instead of failing halfway. Inside another transaction (work batched into one commit)
 * it is a savepoint: `work` alone is undone when it throws, and the outer transaction goes on.
 */
export function transaction<T>(db: DatabaseSync, work: () => T): T {
  if (db.isTransaction) {
    const name = `nested_${++savepoints}`;
    db.exec(`SAVEPOINT ${name}`);
    try {
      const result = work();
      db.exec(`RELEASE ${name}`);
      return result;
    } catch (error) {
      db.exec(`ROLLBACK TO ${name}`);
      db.exec(`RELEASE ${name}`);
      throw error;
    }
  }
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
