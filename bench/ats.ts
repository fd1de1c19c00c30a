/**
 * The attestation store on a real SQLite file: batch insert rate, and the time to find the
 * attestations of one subject among a million.
 */
import { join } from "node:path";
import { AttestationStore, type ValidCommand } from "../src/ats/mod.ts";
import { openDatabase } from "../src/store/mod.ts";
import type { DatabaseSync } from "node:sqlite";
import type { Figure } from "./supervision.ts";
import { percent, ratios, shown, spread, whole } from "./turns.ts";

const WRITER = { plugin: "bench", version: "1.0.0" };

function commands(from: number, count: number, subjects: number): ValidCommand[] {
  return Array.from({ length: count }, (_, i) => ({
    subjects: [`subject-${(from + i) % subjects}`],
    predicates: ["measured"],
    contexts: ["bench"],
    actors: ["bench"],
    timestamp: from + i,
    attributes: { n: from + i },
  }));
}

/**
 * Inserts attestation-shaped rows as the simplest code would: one prepared INSERT per row and
 * per term, in one transaction per batch; times and JSON made on the way, ids from a counter.
 */
function plainInserter(db: DatabaseSync): (work: readonly ValidCommand[]) => void {
  const row = db.prepare(
    `INSERT INTO attestations (id, subjects, predicates, contexts, actors, timestamp, source,
       attributes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const term = db.prepare(
    "INSERT INTO attestation_terms (role, folded, attestation) VALUES (?, ?, ?)",
  );
  let made = 0;
  return (work) => {
    db.exec("BEGIN");
    try {
      for (const command of work) {
        const { lastInsertRowid } = row.run(
          `A${(made++).toString(36).padStart(26, "0")}`,
          JSON.stringify(command.subjects),
          JSON.stringify(command.predicates),
          JSON.stringify(command.contexts),
          JSON.stringify(command.actors),
          command.timestamp ?? Date.now(),
          "bench",
          JSON.stringify(command.attributes ?? {}),
          Date.now(),
        );
        const lists = [command.subjects, command.predicates, command.contexts, command.actors];
        for (const [role, values] of lists.entries()) {
          for (const value of values) term.run(role, value.toLowerCase(), lastInsertRowid);
        }
      }
      db.exec("COMMIT");
    } catch (error) {
      db.exec("ROLLBACK");
      throw error;
    }
  };
}

export async function atsFigures(total = 1_000_000): Promise<Figure[]> {
  const dir = await Deno.makeTempDir({ prefix: "qntx-bench-ats-" });
  const db = openDatabase({ path: join(dir, "qntx.db") });
  const plainDb = openDatabase({ path: join(dir, "plain.db") });
  try {
    const store = new AttestationStore(db);
    const batch = 100_000;
    const rates: number[] = [];
    const plainRates: number[] = [];
    // The same rows by the simplest code node:sqlite allows, batch for batch in turns.
    const plain = plainInserter(plainDb);
    for (let from = 0; from < total; from += batch) {
      const work = commands(from, batch, 100_000);
      let started = performance.now();
      store.createMany(work, WRITER);
      rates.push(batch / ((performance.now() - started) / 1000));
      started = performance.now();
      plain(work);
      plainRates.push(batch / ((performance.now() - started) / 1000));
    }
    const samples: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const started = performance.now();
      store.query({ subjects: [`SUBJECT-${(i * 7919) % 100_000}`] });
      samples.push(performance.now() - started);
    }
    samples.sort((a, b) => a - b);
    const share = ratios(rates, plainRates);
    return [
      {
        name: "attestations inserted per second, batches of 100k (median of 10)",
        value: shown(rates, whole),
        target: "≥ 100 000/s",
      },
      {
        name: "the same rows by plain node:sqlite inserts, batch for batch (calibration)",
        value: shown(plainRates, whole),
      },
      {
        name: "attestation inserts / plain node:sqlite inserts, batch by batch",
        value: shown(share, percent),
        target: "≥ 90 %",
        check: { measured: spread(share).median, atLeast: 0.9 },
      },
      {
        name: `query by one subject among ${
          total.toLocaleString("en")
        } (p50, p99; 10 matches each)`,
        value: `${samples[500]!.toFixed(2)} ms, ${samples[990]!.toFixed(2)} ms`,
        target: "p50 ≤ 1 ms",
      },
    ];
  } finally {
    db.close();
    plainDb.close();
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  for (const figure of await atsFigures()) {
    console.log(`${figure.name}: ${figure.value} (target ${figure.target})`);
  }
}
