import assert from "node:assert/strict";
import { join } from "node:path";
import { HOST_MIGRATIONS, IN_MEMORY, openDatabase } from "../store/mod.ts";
import { AttestationStore } from "./attestation_store.ts";
import { ulid } from "./ulid.ts";
import { checkCommand, type ValidCommand } from "./validation.ts";

const BIO = { plugin: "biotech", version: "1.4.0" };

function command(
  subject: string,
  predicate: string,
  timestamp: number,
  extra: Partial<ValidCommand> = {},
): ValidCommand {
  return {
    subjects: [subject],
    predicates: [predicate],
    contexts: ["lab"],
    actors: ["alice"],
    timestamp,
    ...extra,
  };
}

function store() {
  let now = 1_000_000;
  const db = openDatabase({ path: IN_MEMORY });
  return { db, store: new AttestationStore(db, () => ++now) };
}

Deno.test("ulid() is 26 Crockford characters that sort by time", () => {
  const early = ulid(1000);
  const late = ulid(2000);
  assert.match(early, /^[0-9A-HJKMNP-TV-Z]{26}$/);
  assert.ok(early < late);
  assert.notEqual(ulid(1000), ulid(1000));
});

Deno.test("create() stamps id, source, source_version and times, whatever the caller says", () => {
  const { db, store: ats } = store();
  const made = ats.create(
    command("ACGT", "has_gc", 5, { attributes: { gc: 0.5, source_version: "forged" } }),
    BIO,
  );
  assert.match(made.id, /^A[0-9A-Z]{26}$/);
  assert.equal(made.source, "biotech");
  assert.deepEqual(made.attributes, { gc: 0.5, source_version: "1.4.0" });
  assert.equal(made.timestamp, 5);
  assert.ok(made.createdAt > 1_000_000);
  assert.ok(ats.exists(made.id));
  assert.ok(!ats.exists("nope"));
  const [found] = ats.query({ subjects: ["acgt"] }).attestations;
  assert.deepEqual(found, made);
  db.close();
});

Deno.test("query() is OR within a list, AND across lists, case-insensitive, newest first", () => {
  const { db, store: ats } = store();
  ats.createMany([
    command("Gene-A", "expressed_in", 10),
    command("gene-b", "expressed_in", 20),
    command("GENE-A", "mutated_in", 30),
    command("gene-c", "mutated_in", 40, { actors: ["bob"] }),
  ], BIO);
  const subjects = (filter: Parameters<AttestationStore["query"]>[0]) =>
    ats.query(filter).attestations.map((a) => `${a.subjects[0]} ${a.timestamp}`);
  assert.deepEqual(subjects({ subjects: ["gene-a"] }), ["GENE-A 30", "Gene-A 10"]);
  assert.deepEqual(subjects({ subjects: ["gene-a", "GENE-B"] }), [
    "GENE-A 30",
    "gene-b 20",
    "Gene-A 10",
  ]);
  assert.deepEqual(subjects({ subjects: ["gene-a", "gene-c"], predicates: ["MUTATED_IN"] }), [
    "gene-c 40",
    "GENE-A 30",
  ]);
  assert.deepEqual(subjects({ actors: ["BOB"] }), ["gene-c 40"]);
  assert.deepEqual(subjects({}), ["gene-c 40", "GENE-A 30", "gene-b 20", "Gene-A 10"]);
  db.close();
});

Deno.test("query() keeps a time bound of 0 and pages with a cursor", () => {
  const { db, store: ats } = store();
  ats.createMany([0, 1, 2, 3, 4].map((t) => command(`s${t}`, "p", t)), BIO);
  assert.deepEqual(ats.query({ timeEnd: 0 }).attestations.map((a) => a.timestamp), [0]);
  assert.deepEqual(ats.query({ timeStart: 0, timeEnd: 2 }).attestations.map((a) => a.timestamp), [
    2,
    1,
    0,
  ]);
  const first = ats.query({ limit: 2 });
  assert.deepEqual(first.attestations.map((a) => a.timestamp), [4, 3]);
  const second = ats.query({ limit: 2 }, first.next);
  assert.deepEqual(second.attestations.map((a) => a.timestamp), [2, 1]);
  const third = ats.query({ limit: 2 }, second.next);
  assert.deepEqual(third.attestations.map((a) => a.timestamp), [0]);
  assert.equal(third.next, undefined);
  db.close();
});

Deno.test("createMany() is all or nothing", () => {
  const { db, store: ats } = store();
  db.exec(
    "CREATE TRIGGER refuse BEFORE INSERT ON attestation_terms WHEN NEW.folded = 'poison' BEGIN SELECT RAISE(ABORT, 'poisoned'); END",
  );
  assert.throws(
    () => ats.createMany([command("ok", "p", 1), command("poison", "p", 2)], BIO),
    /poisoned/,
  );
  assert.equal(ats.query({}).attestations.length, 0);
  db.close();
});

Deno.test("committed attestations survive closing and reopening the file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "qntx.db");
    const db = openDatabase({ path });
    new AttestationStore(db).create(command("kept", "p", 1), BIO);
    db.close();
    const again = openDatabase({ path });
    assert.equal(new AttestationStore(again).query({ subjects: ["KEPT"] }).attestations.length, 1);
    again.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("checkCommand() names every problem", () => {
  const result = checkCommand({
    subjects: [],
    predicates: [""],
    contexts: "lab",
    timestamp: -1,
    attributes: { big: "x".repeat(70_000) },
  });
  assert.ok(!result.ok);
  assert.deepEqual(result.problems, [
    "subjects: subjects must have at least one value",
    "predicates.0: values must not be empty",
    "contexts: contexts must be a list of strings",
    "actors: actors must be a list of strings",
    "timestamp: Too small: expected number to be >=0",
    "attributes: attributes are larger than 65536 bytes",
  ]);
});

Deno.test("createMany() writes batches larger than one statement, each with its own terms", () => {
  const { db, store: ats } = store();
  // 1000 is not a multiple of the rows per statement; every third command has three subjects,
  // two of which differ only in case (one term).
  ats.createMany(
    Array.from({ length: 1000 }, (_, i) =>
      command(`s${i % 10}`, `p${i % 7}`, i, {
        subjects: i % 3 === 0 ? [`s${i % 10}`, `S${i % 10}`, "shared"] : [`s${i % 10}`],
      })),
    BIO,
  );
  const count = (filter: Parameters<AttestationStore["query"]>[0]) =>
    ats.query({ ...filter, limit: 10_000 }).attestations.length;
  assert.equal(count({}), 1000);
  assert.equal(count({ subjects: ["S4"] }), 100);
  assert.equal(count({ subjects: ["shared"] }), 334);
  assert.equal(count({ subjects: ["s3", "shared"], predicates: ["P2"] }), 57);
  const page = ats.query({ subjects: ["s7"], limit: 3 });
  assert.deepEqual(page.attestations.map((a) => a.timestamp), [997, 987, 977]);
  assert.deepEqual(
    ats.query({ subjects: ["s7"], limit: 2 }, page.next).attestations.map((a) => a.timestamp),
    [967, 957],
  );
  assert.deepEqual(page.attestations[0]!.subjects, ["s7"]);
  const [withCase] = ats.query({ subjects: ["s9"], timeEnd: 9 }).attestations;
  assert.deepEqual(withCase!.subjects, ["s9", "S9", "shared"]);
  db.close();
});

Deno.test("createMany() after a failed batch stores none of the failed batch's rows", () => {
  const { db, store: ats } = store();
  db.exec(
    "CREATE TRIGGER refuse BEFORE INSERT ON attestation_terms WHEN NEW.folded = 'poison' BEGIN SELECT RAISE(ABORT, 'poisoned'); END",
  );
  const batch = Array.from({ length: 300 }, (_, i) => command(`a${i}`, "p", i));
  batch[200] = command("poison", "p", 200);
  assert.throws(() => ats.createMany(batch, BIO), /poisoned/);
  ats.createMany([command("b", "p", 1), command("c", "p", 2)], BIO);
  assert.deepEqual(ats.query({}).attestations.map((a) => a.subjects[0]), ["c", "b"]);
  assert.equal(ats.query({ subjects: ["a1"] }).attestations.length, 0);
  db.close();
});

Deno.test("migration 5 keeps every attestation written under the earlier schema", () => {
  const dir = Deno.makeTempDirSync();
  const path = join(dir, "old.db");
  try {
    const old = openDatabase({ path, migrations: HOST_MIGRATIONS.slice(0, 4) });
    new AttestationStore(old).createMany(
      Array.from({ length: 50 }, (_, i) => command(`Gene-${i % 5}`, "expressed", i)),
      BIO,
    );
    old.close();
    const db = openDatabase({ path });
    const found = new AttestationStore(db).query({
      subjects: ["gene-3"],
      predicates: [],
      contexts: [],
      actors: [],
    });
    assert.deepEqual(found.attestations.map((a) => a.timestamp), [
      48,
      43,
      38,
      33,
      28,
      23,
      18,
      13,
      8,
      3,
    ]);
    const fk = db.prepare("PRAGMA foreign_key_list(attestation_terms)").all();
    assert.deepEqual(fk, [], "the terms no longer check a foreign key per row");
    db.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
