/**
 * One contract, two engines: the attestation store on SQLite (one host) and on PostgreSQL
 * (hosts that share it) answer the same calls the same way. PostgreSQL's own promise is tested
 * too: a reader that follows `seq` never skips a row committed after a later one.
 */
import assert from "node:assert/strict";
import {
  type AttestationRecords,
  AttestationStore,
  checkCommand,
  PostgresAttestations,
  sqliteRecords,
  type ValidCommand,
} from "../src/ats/mod.ts";
import {
  IN_MEMORY,
  migratePostgres,
  openDatabase,
  openPostgres,
  POSTGRES_MIGRATIONS,
} from "../src/store/mod.ts";
import { skipPostgres, startCluster } from "./_postgres.ts";

function command(fields: Record<string, unknown>): ValidCommand {
  const checked = checkCommand({
    subjects: ["gene-a"],
    predicates: ["expressed_in"],
    contexts: ["liver"],
    actors: ["lab"],
    ...fields,
  });
  if (!checked.ok) throw new Error(checked.problems.join("; "));
  return checked.command;
}

const writer = { plugin: "bio", version: "1.2.0" };

async function contract(store: AttestationRecords, t: Deno.TestContext) {
  let clock = 1_000;
  await t.step(
    "the host stamps source, version and times; a client's id is kept once",
    async () => {
      const made = await store.create(command({ timestamp: 500, attributes: { p: 0.01 } }), writer);
      assert.match(made.id, /^A[0-9A-Z]{26}$/);
      assert.equal(made.source, "bio");
      assert.deepEqual(made.attributes, { p: 0.01, source_version: "1.2.0" });
      assert.equal(made.timestamp, 500);
      const kept = await store.create(command({}), writer, "client-id-1");
      assert.equal(kept.id, "client-id-1");
      assert.ok(await store.exists("client-id-1"));
      assert.ok(!(await store.exists("nobody")));
      await assert.rejects(store.create(command({}), writer, "client-id-1"), /already exists/);
      await assert.rejects(store.create(command({}), writer, "bad id"), /must be 1 to 128/);
    },
  );
  await t.step("a batch is stored whole", async () => {
    const commands = Array.from(
      { length: 250 },
      (_, i) => command({ subjects: [`Sample-${i}`], timestamp: clock + i, contexts: ["batch"] }),
    );
    clock += 1000;
    assert.equal(await store.createMany(commands, writer), 250);
    const page = await store.query({ contexts: ["BATCH"], limit: 1000 });
    assert.equal(page.attestations.length, 250);
  });
  await t.step(
    "filters: OR within a list, AND across, case-folded, time bounds, sources",
    async () => {
      await store.createMany([
        command({ subjects: ["Gene-B"], predicates: ["bound_to"], timestamp: 5_000 }),
        command({ subjects: ["gene-c"], predicates: ["bound_to"], timestamp: 6_000 }),
        command({ subjects: ["gene-c"], predicates: ["expressed_in"], timestamp: 7_000 }),
      ], writer);
      await store.create(command({ subjects: ["gene-b"], timestamp: 8_000 }), {
        plugin: "fin",
        version: "1.0.0",
      });
      const subjects = (filter: Parameters<AttestationRecords["query"]>[0]) =>
        store.query(filter).then((page) =>
          page.attestations.map((a) => `${a.subjects[0]}@${a.timestamp}`)
        );
      assert.deepEqual(
        await subjects({ subjects: ["gene-b", "GENE-C"], predicates: ["bound_to"] }),
        [
          "gene-c@6000",
          "Gene-B@5000",
        ],
      );
      assert.deepEqual(await subjects({ subjects: ["gene-b"], sources: ["fin"] }), ["gene-b@8000"]);
      assert.deepEqual(
        await subjects({
          predicates: ["bound_to", "expressed_in"],
          timeStart: 6_000,
          timeEnd: 7_000,
        }),
        [
          "gene-c@7000",
          "gene-c@6000",
        ],
      );
    },
  );
  await t.step("pages, newest first, with the cursor each gives", async () => {
    const seen: string[] = [];
    let page = await store.query({ contexts: ["batch"], limit: 100 });
    seen.push(...page.attestations.map((a) => a.subjects[0]!));
    while (page.next) {
      page = await store.query({ contexts: ["batch"], limit: 100 }, page.next);
      seen.push(...page.attestations.map((a) => a.subjects[0]!));
    }
    assert.equal(seen.length, 250);
    assert.equal(new Set(seen).size, 250);
    assert.deepEqual(seen.slice(0, 2), ["Sample-249", "Sample-248"]);
  });
}

Deno.test("the attestation store's contract on SQLite", async (t) => {
  const db = openDatabase({ path: IN_MEMORY });
  try {
    await contract(sqliteRecords(new AttestationStore(db)), t);
  } finally {
    db.close();
  }
});

Deno.test({
  name: "the attestation store's contract on PostgreSQL, and seq reads that skip nothing",
  ignore: skipPostgres,
  async fn(t) {
    const cluster = await startCluster();
    const sql = openPostgres(cluster.url);
    try {
      await migratePostgres(sql, POSTGRES_MIGRATIONS);
      const store = new PostgresAttestations(sql);
      await contract(store, t);
      await t.step("a reader following seq waits for a row committed late", async () => {
        const start = (await store.since(0, 100_000)).next;
        // A slow writer takes a seq first and commits last.
        const slow = openPostgres(cluster.url, { max: 1 });
        let commit!: () => void;
        const held = new Promise<void>((resolve) => commit = resolve);
        const writing = slow.begin(async (tx) => {
          await tx`INSERT INTO attestations (id, subjects, predicates, contexts, actors,
            folded_subjects, folded_predicates, folded_contexts, folded_actors, timestamp, source,
            attributes, created_at) VALUES ('slow', '{s}', '{p}', '{c}', '{a}', '{s}', '{p}',
            '{c}', '{a}', 1, 'bio', '{}', 1)`;
          await held;
        });
        await new Promise((resolve) => setTimeout(resolve, 100));
        await store.create(command({ subjects: ["fast"] }), writer);
        // The fast row committed, but the slow one holds an older seq: nothing is read yet.
        assert.deepEqual((await store.since(start)).attestations, []);
        commit();
        await writing;
        await slow.end();
        const read = await store.since(start);
        assert.deepEqual(read.attestations.map((a) => a.id).slice(0, 1), ["slow"]);
        assert.equal(read.attestations[1]?.subjects[0], "fast");
      });
    } finally {
      await sql.end();
      await cluster.stop();
    }
  },
});
