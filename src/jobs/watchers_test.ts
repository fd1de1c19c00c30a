import assert from "node:assert/strict";
import type { Attestation } from "../plugin/mod.ts";
import { IN_MEMORY, openDatabase } from "../store/mod.ts";
import { JobStore } from "./job_store.ts";
import { sqliteQueue } from "./job_queue.ts";
import { type WatcherDeclaration, watcherMatches, WatcherRegistry } from "./watchers.ts";

const watcher = (fields: Partial<WatcherDeclaration>): WatcherDeclaration => ({
  id: "w",
  handlerName: "seen",
  subjects: [],
  predicates: [],
  contexts: [],
  actors: [],
  maxFiresPerSecond: 10,
  ...fields,
});

const attestation = (fields: Partial<Attestation>): Attestation => ({
  id: "A1",
  subjects: ["pump-7"],
  predicates: ["alerted"],
  contexts: ["lab"],
  actors: ["sensor"],
  timestamp: 0,
  source: "host",
  attributes: {},
  createdAt: 0,
  ...fields,
});

Deno.test("watcherMatches(): OR within a dimension, AND across, empty matches all, case folded", () => {
  const lab = attestation({});
  assert.ok(watcherMatches(watcher({}), lab));
  assert.ok(watcherMatches(watcher({ predicates: ["ALERTED", "cleared"] }), lab));
  assert.ok(watcherMatches(watcher({ predicates: ["alerted"], contexts: ["ops", "lab"] }), lab));
  assert.ok(!watcherMatches(watcher({ predicates: ["alerted"], contexts: ["ops"] }), lab));
  assert.ok(!watcherMatches(watcher({ actors: ["human"] }), lab));
});

Deno.test("WatcherRegistry: declarations checked, kept across a restart, fired within their rate", () => {
  const db = openDatabase({ path: IN_MEMORY });
  const jobs = new JobStore(db);
  let now = 1_000;
  const registry = new WatcherRegistry(db, sqliteQueue(jobs), () => now);
  const refused = registry.sync("bio", [
    watcher({ id: "two", maxFiresPerSecond: 2 }),
    watcher({ id: "two" }),
    watcher({ id: "zero", maxFiresPerSecond: 0 }),
    watcher({ id: "x", handlerName: "nobody" }),
    watcher({ id: "big", maxFiresPerSecond: 5000 }),
  ], new Set(["seen"]));
  assert.equal(refused.length, 3);
  assert.deepEqual(registry.list().map((w) => w.id), ["two", "zero"]);

  for (let i = 0; i < 5; i++) registry.created([attestation({ id: `A${i}` })]);
  const counts = () => registry.list().map((w) => [w.id, w.fired, w.held]);
  assert.deepEqual(counts(), [["two", 2, 3], ["zero", 0, 5]]);
  now += 1000;
  registry.created([attestation({ id: "A9" })]);
  assert.deepEqual(counts()[0], ["two", 3, 3]);
  const queued = jobs.list({ plugin: "bio", limit: 100 });
  assert.equal(queued.length, 3);
  assert.equal(queued[0]!.handlerName, "bio/seen");
  assert.equal(JSON.parse(new TextDecoder().decode(queued[0]!.payload)).subjects[0], "pump-7");

  // A host restart finds them again; a new Initialize answer replaces the set.
  const again = new WatcherRegistry(db, sqliteQueue(jobs), () => now);
  assert.deepEqual(again.list().map((w) => w.id), ["two", "zero"]);
  again.sync("bio", [], new Set(["seen"]));
  assert.deepEqual(again.list(), []);
  assert.deepEqual(new WatcherRegistry(db, sqliteQueue(jobs)).list(), []);
  db.close();
});
