import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { RowBatch } from "./row_batch.ts";

function table() {
  const db = new DatabaseSync(":memory:");
  db.exec("CREATE TABLE t (n INTEGER NOT NULL, label TEXT NOT NULL) STRICT");
  return { db, batch: new RowBatch(db, "INSERT INTO t (n, label)", 2, 8) };
}

Deno.test("RowBatch writes every row in order, whatever their number", async (t) => {
  for (const count of [0, 1, 7, 8, 9, 15, 16, 17, 100]) {
    await t.step(`${count} rows`, () => {
      const { db, batch } = table();
      for (let n = 0; n < count; n++) batch.add(n, `row ${n}`);
      batch.flush();
      const rows = db.prepare("SELECT n, label FROM t ORDER BY rowid").all();
      assert.deepEqual(
        rows.map((row) => `${row.n} ${row.label}`),
        Array.from({ length: count }, (_, n) => `${n} row ${n}`),
      );
      db.close();
    });
  }
});

Deno.test("RowBatch forgets the rows of a failed write", () => {
  const { db, batch } = table();
  db.exec(
    "CREATE TRIGGER refuse BEFORE INSERT ON t WHEN NEW.n = 3 BEGIN SELECT RAISE(ABORT, 'no'); END",
  );
  for (let n = 0; n < 5; n++) batch.add(n, "first");
  assert.throws(() => batch.flush(), /no/);
  batch.add(10, "second");
  batch.flush();
  assert.deepEqual(db.prepare("SELECT n FROM t").all().map((row) => row.n), [10]);
  db.close();
});

Deno.test("RowBatch writes the rows its rows refer to first", () => {
  const db = new DatabaseSync(":memory:");
  db.exec(`PRAGMA foreign_keys = ON;
    CREATE TABLE parent (id INTEGER PRIMARY KEY) STRICT;
    CREATE TABLE child (parent INTEGER NOT NULL REFERENCES parent (id)) STRICT;`);
  const parents = new RowBatch(db, "INSERT INTO parent (id)", 1, 8);
  const children = new RowBatch(db, "INSERT INTO child (parent)", 1, 4, parents);
  for (let id = 1; id <= 3; id++) {
    parents.add(id);
    children.add(id);
    children.add(id);
  }
  children.flush();
  parents.flush();
  assert.equal(db.prepare("SELECT count(*) AS n FROM child").get()!.n, 6);
  db.close();
});
