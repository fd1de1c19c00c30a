import assert from "node:assert/strict";
import type { DatabaseSync } from "node:sqlite";
import { IN_MEMORY, openDatabase } from "../store/mod.ts";
import { FinishBatch } from "./finish_batch.ts";
import { sqliteQueue } from "./job_queue.ts";
import { JobStore } from "./job_store.ts";

function queued(count: number) {
  const db = openDatabase({ path: IN_MEMORY });
  const store = new JobStore(db, () => 1_000_000);
  const ids = Array.from({ length: count }, () => store.enqueue({ handlerName: "p/h" }, "api").id);
  const begins: string[] = [];
  const exec = db.exec.bind(db);
  db.exec = (sql: string) => {
    if (sql.startsWith("BEGIN")) begins.push(sql);
    return exec(sql);
  };
  return { db, store, ids, begins };
}

/** Three running jobs and a batch whose finish of the second does `fail` (failure injection). */
async function failingSecond(fail: (finish: () => boolean, db: DatabaseSync) => boolean) {
  const { db, store, ids } = queued(3);
  await sqliteQueue(store).take(["p"], 3, 0);
  const failing = Object.create(store) as JobStore;
  Object.defineProperty(failing, "db", { value: db });
  failing.finish = (id, outcome, logs) => {
    const finish = () => store.finish(id, outcome, logs);
    return id === ids[1] ? fail(finish, db) : finish();
  };
  return { db, store, ids, batch: new FinishBatch(failing) };
}

Deno.test("jobs taken together, and finishes asked for together, are one commit each", async () => {
  const { db, store, ids, begins } = queued(3);
  const queue = sqliteQueue(store);
  const taken = await queue.take(["p"], 2, 0);
  assert.deepEqual(taken.map((job) => job.id), ids.slice(0, 2));
  assert.equal(begins.length, 1);
  // Two running jobs and one that is not: each finish answers for itself.
  const answers = await Promise.all([
    queue.finish(ids[0]!, { error: "" }),
    queue.finish(ids[1]!, { error: "boom" }),
    queue.finish(ids[2]!, { error: "" }),
  ]);
  assert.deepEqual(answers, [true, true, false]);
  assert.equal(begins.length, 2, "the three finishes shared one transaction");
  assert.deepEqual(ids.map((id) => store.get(id)?.status), ["completed", "failed", "queued"]);
  assert.equal(store.get(ids[1]!)?.error, "boom");
  // A finish in a later turn is a commit of its own.
  await queue.take(["p"], 1, 0);
  assert.equal(await queue.finish(ids[2]!, { error: "" }), true);
  assert.equal(db.isTransaction, false);
  db.close();
});

Deno.test("a finish that fails is undone alone and fails its caller alone", async () => {
  // The second finish writes, then fails.
  const { db, store, ids, batch } = await failingSecond((finish) => {
    finish();
    throw new Error("disk full");
  });
  const answers = await Promise.allSettled(ids.map((id) => batch.finish(id, { error: "" })));
  assert.deepEqual(answers.map((answer) => answer.status), ["fulfilled", "rejected", "fulfilled"]);
  assert.match(String((answers[1] as PromiseRejectedResult).reason), /disk full/);
  assert.deepEqual(ids.map((id) => store.get(id)?.status), ["completed", "running", "completed"]);
  db.close();
});

Deno.test("when SQLite ends the whole transaction, no finish of the batch is written or claimed", async () => {
  // As SQLite does on a full disk or an I/O error, the transaction ends.
  const { db, store, ids, batch } = await failingSecond((_, db) => {
    db.exec("ROLLBACK");
    throw new Error("database or disk is full");
  });
  const answers = await Promise.allSettled(ids.map((id) => batch.finish(id, { error: "" })));
  assert.deepEqual(answers.map((answer) => answer.status), ["rejected", "rejected", "rejected"]);
  assert.deepEqual(ids.map((id) => store.get(id)?.status), ["running", "running", "running"]);
  assert.equal(db.isTransaction, false);
  // The next batch goes on.
  assert.equal(await batch.finish(ids[0]!, { error: "" }), true);
  db.close();
});

Deno.test("a cancel asked for after a finish comes after it", async () => {
  const { db, store, ids } = queued(1);
  const queue = sqliteQueue(store);
  await queue.take(["p"], 1, 0);
  const finished = queue.finish(ids[0]!, { error: "" });
  await assert.rejects(queue.cancel(ids[0]!), /already completed/);
  assert.equal(await finished, true);
  db.close();
});
