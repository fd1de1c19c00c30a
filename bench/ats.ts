/**
 * The attestation store on a real SQLite file: batch insert rate, and the time to find the
 * attestations of one subject among a million.
 */
import { join } from "node:path";
import { AttestationStore, type ValidCommand } from "../src/ats/mod.ts";
import { openDatabase } from "../src/store/mod.ts";
import type { Figure } from "./supervision.ts";

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

export async function atsFigures(total = 1_000_000): Promise<Figure[]> {
  const dir = await Deno.makeTempDir({ prefix: "qntx-bench-ats-" });
  const db = openDatabase({ path: join(dir, "qntx.db") });
  try {
    const store = new AttestationStore(db);
    const batch = 100_000;
    const rates: number[] = [];
    for (let from = 0; from < total; from += batch) {
      const work = commands(from, batch, 100_000);
      const started = performance.now();
      store.createMany(work, WRITER);
      rates.push(batch / ((performance.now() - started) / 1000));
    }
    const samples: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const started = performance.now();
      store.query({ subjects: [`SUBJECT-${(i * 7919) % 100_000}`] });
      samples.push(performance.now() - started);
    }
    samples.sort((a, b) => a - b);
    rates.sort((a, b) => a - b);
    return [
      {
        name: "attestations inserted per second, batches of 100k (median of 10)",
        value: `${Math.round(rates[Math.floor(rates.length / 2)]!)}`,
        target: "≥ 100 000/s",
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
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  for (const figure of await atsFigures()) {
    console.log(`${figure.name}: ${figure.value} (target ${figure.target})`);
  }
}
