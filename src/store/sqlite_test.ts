import assert from "node:assert/strict";
import { join } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import { HOST_MIGRATIONS } from "./host_migrations.ts";
import { migrate, type Migration, schemaVersion } from "./migrations.ts";
import { PluginEventLog } from "./plugin_events.ts";
import { IN_MEMORY, openDatabase } from "./sqlite.ts";
import { transaction } from "./transaction.ts";

function pragma(db: DatabaseSync, name: string): unknown {
  return Object.values(db.prepare(`PRAGMA ${name}`).get() ?? {})[0];
}

async function withTempDir(work: (dir: string) => Promise<void> | void): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await work(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("openDatabase() makes a WAL file with foreign keys, a busy timeout and the schema", async () => {
  await withTempDir((dir) => {
    const path = join(dir, "nested", "qntx.db");
    const db = openDatabase({ path, busyTimeoutMs: 1234 });
    try {
      assert.equal(pragma(db, "journal_mode"), "wal");
      assert.equal(pragma(db, "foreign_keys"), 1);
      assert.equal(pragma(db, "busy_timeout"), 1234);
      assert.equal(schemaVersion(db), HOST_MIGRATIONS.length);
    } finally {
      db.close();
    }
    assert.ok(Deno.statSync(path).isFile);
    // Reopening applies nothing twice.
    const again = openDatabase({ path });
    assert.equal(schemaVersion(again), HOST_MIGRATIONS.length);
    again.close();
  });
});

Deno.test("openDatabase() works in memory for tests", () => {
  const db = openDatabase({ path: IN_MEMORY });
  assert.equal(schemaVersion(db), HOST_MIGRATIONS.length);
  db.close();
});

const STEPS: Migration[] = [
  { version: 1, name: "things", sql: "CREATE TABLE things (id INTEGER PRIMARY KEY, name TEXT)" },
  { version: 2, name: "more", sql: "ALTER TABLE things ADD COLUMN size INTEGER" },
];

Deno.test("migrate() applies each step once, in order, and records it", () => {
  const db = openDatabase({ path: IN_MEMORY, migrations: [] });
  assert.equal(migrate(db, STEPS.slice(0, 1)), 1);
  assert.equal(migrate(db, STEPS), 2);
  assert.equal(migrate(db, STEPS), 2);
  const rows = db.prepare("SELECT version, name FROM schema_migrations ORDER BY version").all();
  assert.deepEqual(rows.map((r) => `${r.version} ${r.name}`), ["1 things", "2 more"]);
  db.prepare("INSERT INTO things (name, size) VALUES ('a', 3)").run();
  db.close();
});

Deno.test("migrate() rolls back a failing step and leaves the version before it", () => {
  const db = openDatabase({ path: IN_MEMORY, migrations: [] });
  const broken: Migration[] = [
    STEPS[0]!,
    { version: 2, name: "half", sql: "CREATE TABLE half (id INTEGER); CREATE TABLE oops (" },
  ];
  assert.throws(() => migrate(db, broken), /migration 2 "half" failed and was rolled back/);
  assert.equal(schemaVersion(db), 1);
  const half = db.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").get();
  assert.equal(half, undefined, "the failed step left a table behind");
  db.close();
});

Deno.test("migrate() refuses a database newer than the code and versions out of order", () => {
  const db = openDatabase({ path: IN_MEMORY, migrations: STEPS });
  assert.throws(
    () => migrate(db, STEPS.slice(0, 1)),
    /schema is at version 2, newer than this host knows \(1\)/,
  );
  assert.throws(
    () => migrate(db, [{ ...STEPS[0]!, version: 3 }]),
    /migration "things" has version 3; expected 1/,
  );
  db.close();
});

Deno.test("transaction() commits on return and rolls back on throw", () => {
  const db = openDatabase({ path: IN_MEMORY, migrations: STEPS });
  transaction(db, () => db.prepare("INSERT INTO things (name) VALUES ('kept')").run());
  assert.throws(() =>
    transaction(db, () => {
      db.prepare("INSERT INTO things (name) VALUES ('lost')").run();
      throw new Error("abort");
    }), /abort/);
  const names = db.prepare("SELECT name FROM things").all().map((r) => r.name);
  assert.deepEqual(names, ["kept"]);
  assert.equal(db.isTransaction, false);
  db.close();
});

Deno.test("PluginEventLog keeps state changes, newest first, and survives a reopen", async () => {
  await withTempDir((dir) => {
    const path = join(dir, "qntx.db");
    const db = openDatabase({ path });
    const log = new PluginEventLog(db);
    log.append({ plugin: "code", from: null, to: "loading", at: 1 });
    log.append({ plugin: "code", from: "loading", to: "failed", reason: "exit 3", at: 2 });
    log.append({ plugin: "other", from: null, to: "loading", at: 3 });
    db.close();
    const reopened = openDatabase({ path });
    assert.deepEqual(new PluginEventLog(reopened).recent("code", 10), [
      { plugin: "code", from: "loading", to: "failed", reason: "exit 3", at: 2 },
      { plugin: "code", from: null, to: "loading", at: 1 },
    ]);
    assert.throws(
      () => new PluginEventLog(reopened).append({ plugin: "x", from: null, to: "bogus", at: 1 }),
      /CHECK constraint failed/,
    );
    reopened.close();
  });
});

Deno.test("transaction() inside another is a savepoint: its failure undoes it alone", () => {
  const db = openDatabase({ path: IN_MEMORY, migrations: STEPS });
  transaction(db, () => {
    db.prepare("INSERT INTO things (name) VALUES ('outer')").run();
    assert.throws(() =>
      transaction(db, () => {
        db.prepare("INSERT INTO things (name) VALUES ('inner, undone')").run();
        throw new Error("abort");
      }), /abort/);
    transaction(db, () => db.prepare("INSERT INTO things (name) VALUES ('inner, kept')").run());
  });
  const names = db.prepare("SELECT name FROM things ORDER BY name").all().map((r) => r.name);
  assert.deepEqual(names, ["inner, kept", "outer"]);
  assert.equal(db.isTransaction, false);
  db.close();
});

Deno.test("transaction() joins only its own transactions: a BEGIN made elsewhere still refuses it", () => {
  const db = openDatabase({ path: IN_MEMORY, migrations: STEPS });
  db.exec("BEGIN");
  assert.throws(() => transaction(db, () => {}), /within a transaction/);
  db.exec("ROLLBACK");
  db.close();
});
